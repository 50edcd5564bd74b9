import crypto from 'node:crypto';
import { ServiceAccountIssueRequest } from '@agentry/contracts';
import { AppError } from '../../../platform/errors.js';
import type { KeyValueStore } from '../../../platform/ports/index.js';

/** How old an envelope's `iat` may be, and how long its nonce is remembered. */
export const ENVELOPE_MAX_AGE_SECONDS = 300;
const FUTURE_SKEW_SECONDS = 30;

/** Key objects for `AUTH_OPERATOR_KEYS` (config.ts checked each is a 32-byte Ed25519 public key). */
export function operatorKeyObjects(keys: Readonly<Record<string, string>>): Map<string, crypto.KeyObject> {
  return new Map(
    Object.entries(keys).map(([id, x]) => [
      id,
      crypto.createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x }, format: 'jwk' }),
    ]),
  );
}

/** Signs an envelope body for `X-Operator-Signature` (what `agentry service-accounts issue` does). */
export function signEnvelope(body: string, privateKey: crypto.KeyObject): string {
  return crypto.sign(null, Buffer.from(body, 'utf8'), privateKey).toString('base64url');
}

/**
 * Checks an operator envelope: an Ed25519 signature over the exact raw body by a configured key,
 * an `iat` no older than 5 minutes, and a nonce never seen before (remembered for 5 minutes in the
 * shared store, so a captured request cannot be replayed on any replica).
 */
export async function verifyEnvelope(input: {
  rawBody: string;
  keyId: string | undefined;
  signature: string | undefined;
  keys: Map<string, crypto.KeyObject>;
  kv: KeyValueStore;
  now?: number;
}): Promise<ServiceAccountIssueRequest> {
  const key = input.keyId ? input.keys.get(input.keyId) : undefined;
  const signature =
    input.signature && /^[A-Za-z0-9_-]{80,100}={0,2}$/.test(input.signature)
      ? Buffer.from(input.signature, 'base64url')
      : undefined;
  if (!key || !signature || !crypto.verify(null, Buffer.from(input.rawBody, 'utf8'), key, signature)) {
    throw new AppError('invalid_token', 'The operator signature is missing or invalid.');
  }
  const parsed = ServiceAccountIssueRequest.safeParse(JSON.parse(input.rawBody));
  if (!parsed.success) {
    throw new AppError('validation_failed', 'The envelope does not match the schema.', {
      errors: parsed.error.issues.map((i) => ({ path: ['body', ...i.path].join('.'), message: i.message })),
    });
  }
  const now = Math.floor((input.now ?? Date.now()) / 1000);
  if (parsed.data.iat < now - ENVELOPE_MAX_AGE_SECONDS || parsed.data.iat > now + FUTURE_SKEW_SECONDS) {
    throw new AppError('invalid_token', 'The envelope is too old (iat outside 300 s).');
  }
  const fresh = await input.kv.set(`auth:nonce:${input.keyId}:${parsed.data.nonce}`, '1', {
    ttlSeconds: ENVELOPE_MAX_AGE_SECONDS,
    ifNotExists: true,
  });
  if (!fresh) throw new AppError('nonce_reused', 'This nonce was already used.');
  return parsed.data;
}
