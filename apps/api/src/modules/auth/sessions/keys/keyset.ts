import crypto from 'node:crypto';
import type { z } from 'zod';
import { KeysetSchema } from '../../../../key-schemas.js';

/**
 * The signing key set. `active` signs; `next` is already published in the JWKS so caches hold it
 * before it starts signing; `retired` keys only verify, until every token they signed has expired.
 * Its one definition, `KeysetSchema`, lives in key-schemas.ts (AUTH_KEYSET_JSON holds one); the key file is
 * checked against it too.
 */
export type Keyset = z.infer<typeof KeysetSchema>;
/** One Ed25519 signing key as stored: the private JWK (with `d`) and when it changed state. */
export type StoredKey = Keyset['active'];

/** The public half of a key as published in the JWKS. */
export interface PublicJwk {
  kty: 'OKP';
  crv: 'Ed25519';
  x: string;
  kid: string;
  use: 'sig';
  alg: 'EdDSA';
}

export function generateKey(now = new Date()): StoredKey {
  const { privateKey } = crypto.generateKeyPairSync('ed25519');
  const jwk = privateKey.export({ format: 'jwk' }) as StoredKey['jwk'];
  // The kid is the RFC 7638 thumbprint prefix: stable, unique per key, reveals nothing.
  const thumbprint = crypto
    .createHash('sha256')
    .update(JSON.stringify({ crv: jwk.crv, kty: jwk.kty, x: jwk.x }))
    .digest('base64url');
  return {
    kid: `ed-${now.toISOString().slice(0, 10)}-${thumbprint.slice(0, 12)}`,
    jwk: { kty: 'OKP', crv: 'Ed25519', x: jwk.x, d: jwk.d },
    created_at: now.toISOString(),
  };
}

export function generateKeyset(now = new Date()): Keyset {
  return { version: 1, active: generateKey(now), next: generateKey(now), retired: [], updated_at: now.toISOString() };
}

/**
 * Rotation: next → active, a new next, old active → retired. Retired keys whose tokens have all
 * expired (retired longer than `verifyWindowSeconds` ago) are dropped.
 */
export function rotateKeyset(keyset: Keyset, verifyWindowSeconds: number, now = new Date()): Keyset {
  const cutoff = now.getTime() - verifyWindowSeconds * 1000;
  const stillVerifying = keyset.retired.filter((k) => k.retired_at && Date.parse(k.retired_at) > cutoff);
  return {
    version: 1,
    active: keyset.next,
    next: generateKey(now),
    retired: [{ ...keyset.active, retired_at: now.toISOString() }, ...stillVerifying],
    updated_at: now.toISOString(),
  };
}

export function publicJwk(key: StoredKey): PublicJwk {
  return { kty: 'OKP', crv: 'Ed25519', x: key.jwk.x, kid: key.kid, use: 'sig', alg: 'EdDSA' };
}

/** Every key that verifies, in JWKS order: active, next, retired. */
export function verifyingKeys(keyset: Keyset): StoredKey[] {
  return [keyset.active, keyset.next, ...keyset.retired];
}

/** Checks a key set read from a file; throws with the reason (never the key material). */
export function parseKeyset(json: string, source: string): Keyset {
  let v: unknown;
  try {
    v = JSON.parse(json);
  } catch {
    throw new Error(`${source}: the key set is not valid JSON`);
  }
  const parsed = KeysetSchema.safeParse(v);
  if (!parsed.success)
    throw new Error(`${source}: the key set must be {version:1, active, next, retired[]} of Ed25519 private JWKs`);
  return parsed.data;
}
