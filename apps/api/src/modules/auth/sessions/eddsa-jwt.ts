import crypto from 'node:crypto';

/**
 * Verification of a compact EdDSA (Ed25519) JWT with `node:crypto`'s `verify`. The rules are
 * `jose`'s `jwtVerify` with the options AccessTokens passes (eddsa-jwt.test.ts checks the two
 * agree, case by case); what differs is the signature check: `jose` goes through WebCrypto, whose
 * per-call JavaScript (algorithm normalisation, key conversion, promise job) added a third to the
 * CPU of the Ed25519 check itself. Signing stays with `jose`.
 *
 * Stricter than `jose` where it costs nothing: only `alg: EdDSA`, no `crit` or `b64` header (we
 * never issue them), a key only of type Ed25519 public, unpadded base64url segments, and only the
 * canonical spelling of the signature.
 */

export interface JwtRules {
  issuer: string;
  audience: string;
  /** The `typ` header, compared as `jose` does (case-insensitive, `application/` optional). */
  typ: string;
  clockToleranceSeconds: number;
  /** Claims that must be present (beyond `iss` and `aud`, always required). */
  requiredClaims: readonly string[];
}

export interface VerifiedJwt {
  kid: string;
  key: crypto.KeyObject;
  payload: Record<string, unknown>;
}

/** Why a token was refused: `expired` only for a token that is otherwise valid. */
export class JwtRejected extends Error {
  constructor(
    readonly reason: 'expired' | 'invalid' | 'unknown_key',
    message: string,
  ) {
    super(message);
  }
}

const BASE64URL = /^[A-Za-z0-9_-]+$/;
/** 64 bytes of Ed25519 signature in unpadded base64url. */
const SIGNATURE_CHARS = 86;
const utf8 = new TextDecoder('utf-8', { fatal: true });

function invalid(message: string): never {
  throw new JwtRejected('invalid', message);
}

/** A base64url segment decoded and parsed as a JSON object (never an array or null). */
function jsonObject(segment: string, what: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(utf8.decode(Buffer.from(segment, 'base64url')));
  } catch {
    invalid(`${what} is not JSON`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) invalid(`${what} is not a JSON object`);
  return value as Record<string, unknown>;
}

/**
 * `crypto.verify` with a callback: the Ed25519 check runs on libuv's thread pool, as WebCrypto's
 * does, so the event loop keeps serving other requests meanwhile, without WebCrypto's per-call
 * JavaScript (algorithm normalisation, key and buffer conversions, its promise job).
 */
function verifyOffThread(data: Buffer, key: crypto.KeyObject, signature: Buffer): Promise<boolean> {
  return new Promise((resolve, reject) =>
    crypto.verify(null, data, key, signature, (err, ok) => (err ? reject(err) : resolve(ok))),
  );
}

const normalizeTyp = (typ: string) => (typ.includes('/') ? typ.toLowerCase() : `application/${typ.toLowerCase()}`);

/**
 * Verifies `token` (signature first, then claims); returns its payload and the key that verified it.
 * `keyFor` resolves a `kid` to the one key the key store holds for it (never anything taken from
 * the token). Throws JwtRejected. The clock is `new Date()`, as `jose` reads it and as tokens are
 * signed (AccessTokens.sign), not `Date.now`, which tests move on their own.
 */
export async function verifyEdDsaJwt(
  token: string,
  keyFor: (kid: string) => Promise<crypto.KeyObject | undefined>,
  rules: JwtRules,
  nowMs = new Date().getTime(),
): Promise<VerifiedJwt> {
  const parts = token.split('.');
  if (parts.length !== 3) invalid('not a compact JWS');
  const [encodedHeader, encodedPayload, encodedSignature] = parts;
  if (!BASE64URL.test(encodedHeader) || !BASE64URL.test(encodedPayload) || !BASE64URL.test(encodedSignature))
    invalid('a segment is not base64url');
  if (encodedSignature.length !== SIGNATURE_CHARS) invalid('not an Ed25519 signature');

  const header = jsonObject(encodedHeader, 'the header');
  if (header.alg !== 'EdDSA') invalid('alg is not EdDSA');
  if (Object.hasOwn(header, 'crit') || Object.hasOwn(header, 'b64')) invalid('unsupported header parameters');
  const kid = header.kid;
  if (typeof kid !== 'string' || kid === '') invalid('no kid');

  const key = await keyFor(kid);
  if (!key) throw new JwtRejected('unknown_key', 'The token was signed by an unknown key.');
  if (key.type !== 'public' || key.asymmetricKeyType !== 'ed25519') invalid('the key for this kid is not Ed25519');
  const signingInput = Buffer.from(token.slice(0, encodedHeader.length + 1 + encodedPayload.length), 'latin1');
  const signature = Buffer.from(encodedSignature, 'base64url');
  // 86 characters carry 516 bits for 512: the decoder ignores the last character's low 4 bits, so
  // 16 spellings would verify. Only the canonical one is the token (one cache entry, one identity).
  if (signature.toString('base64url') !== encodedSignature) invalid('the signature is not canonical base64url');
  if (!(await verifyOffThread(signingInput, key, signature))) invalid('signature verification failed');

  const payload = jsonObject(encodedPayload, 'the claims set');
  if (typeof header.typ !== 'string' || normalizeTyp(header.typ) !== normalizeTyp(rules.typ)) invalid('unexpected typ');
  for (const claim of [...rules.requiredClaims, 'aud', 'iss']) {
    if (!Object.hasOwn(payload, claim)) invalid(`missing ${claim}`);
  }
  if (payload.iss !== rules.issuer) invalid('unexpected iss');
  const aud = payload.aud;
  if (aud !== rules.audience && !(Array.isArray(aud) && aud.includes(rules.audience))) invalid('unexpected aud');
  const now = Math.floor(nowMs / 1000);
  const tolerance = rules.clockToleranceSeconds;
  for (const claim of ['iat', 'nbf', 'exp'] as const) {
    if (payload[claim] !== undefined && typeof payload[claim] !== 'number') invalid(`${claim} is not a number`);
  }
  if (typeof payload.nbf === 'number' && payload.nbf > now + tolerance) invalid('not yet valid');
  if (typeof payload.exp === 'number' && payload.exp <= now - tolerance)
    throw new JwtRejected('expired', 'The token has expired.');
  return { kid, key, payload };
}
