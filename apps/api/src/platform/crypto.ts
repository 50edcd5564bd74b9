import crypto from 'node:crypto';

/** Compares two secrets without leaking where they differ through timing. */
export function constantTimeEqual(a: string, b: string): boolean {
  const ha = crypto.createHash('sha256').update(a).digest();
  const hb = crypto.createHash('sha256').update(b).digest();
  return crypto.timingSafeEqual(ha, hb) && a.length === b.length;
}

/** Keyed hash (HMAC-SHA256, base64url) for storing tokens and identifiers we must look up but never reveal. */
export function keyedHash(key: string, value: string): string {
  return crypto.createHmac('sha256', key).update(value).digest('base64url');
}

/** `bytes` of CSPRNG randomness, base64url. */
export function randomToken(bytes = 32): string {
  return crypto.randomBytes(bytes).toString('base64url');
}
