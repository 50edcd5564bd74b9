import { z } from 'zod';

/**
 * The shapes of the Ed25519 keys the configuration carries: the signing key set (AUTH_KEYSET_JSON and
 * the key file) and the operators' public keys. Kept apart from config.ts, which is the environment.
 */
const B64URL = /^[A-Za-z0-9_-]+$/;
/** One Ed25519 signing key as stored: the private JWK (with `d`) and when it changed state. */
const StoredKeySchema = z.object({
  kid: z.string().min(1),
  /** OKP/Ed25519 JWK including the private part `d`. */
  jwk: z.object({
    kty: z.literal('OKP'),
    crv: z.literal('Ed25519'),
    x: z.string().regex(B64URL),
    d: z.string().regex(B64URL),
  }),
  created_at: z.string(),
  /** Set when the key left `active`; it keeps verifying until its last token has expired. */
  retired_at: z.string().optional(),
});

/**
 * The signing key set. `active` signs; `next` is already published in the JWKS so caches hold it
 * before it starts signing; `retired` keys only verify, until every token they signed has expired.
 * AUTH_KEYSET_JSON holds one (so config.ts reads it from this leaf); the key file
 * (modules/auth/sessions/keys) is checked against the same schema.
 */
export const KeysetSchema = z.object(
  {
    version: z.literal(1),
    active: StoredKeySchema,
    next: StoredKeySchema,
    retired: z.array(StoredKeySchema),
    updated_at: z.string(),
  },
  { error: 'the key set must be {version:1, active, next, retired[]} of Ed25519 private JWKs' },
);

/** An operator key: a base64url raw Ed25519 public key, or its JWK; either way the 32-byte `x`. */
export const OperatorPublicKey = z
  .union(
    [z.string(), z.object({ kty: z.literal('OKP'), crv: z.literal('Ed25519'), x: z.string() }).transform((j) => j.x)],
    {
      error: 'must be an Ed25519 public key (base64url, or a JWK with kty OKP and crv Ed25519)',
    },
  )
  .refine((x) => B64URL.test(x) && Buffer.from(x, 'base64url').length === 32, {
    message: 'must be an Ed25519 public key (32 bytes, base64url)',
  });
