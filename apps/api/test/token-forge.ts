import fs from 'node:fs';
import crypto from 'node:crypto';
import { SignJWT } from 'jose';
import type { Config } from '../src/config.js';

/**
 * Builds access tokens the way an attacker (or a clock) would, signed with the app's own active
 * key unless told otherwise, so tests can change one thing at a time.
 */
export function activeKey(config: Config): { kid: string; key: crypto.KeyObject; publicKey: crypto.KeyObject } {
  const keyset = JSON.parse(fs.readFileSync(config.auth.keysetPath, 'utf8'));
  const key = crypto.createPrivateKey({ key: keyset.active.jwk, format: 'jwk' });
  return { kid: keyset.active.kid, key, publicKey: crypto.createPublicKey(key) };
}

export interface ForgeOptions {
  claims?: Record<string, unknown>;
  header?: Record<string, unknown>;
  key?: crypto.KeyObject;
  iat?: number;
  exp?: number;
  nbf?: number;
}

export async function forgeAccessToken(
  config: Config,
  base: { sub: string; tenant_id: string; sid: string; scope: string; role?: string | null },
  o: ForgeOptions = {},
) {
  const { kid, key } = activeKey(config);
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({ role: 'owner', email_verified: true, token_use: 'access', ...base, ...o.claims })
    .setProtectedHeader({ alg: 'EdDSA', kid, typ: 'at+jwt', ...o.header } as { alg: string })
    .setIssuer((o.claims?.iss as string | undefined) ?? config.auth.issuer)
    .setAudience((o.claims?.aud as string | undefined) ?? config.auth.audience)
    .setJti(crypto.randomUUID())
    .setIssuedAt(o.iat ?? now)
    .setNotBefore(o.nbf ?? now)
    .setExpirationTime(o.exp ?? now + 300)
    .sign(o.key ?? key);
}
