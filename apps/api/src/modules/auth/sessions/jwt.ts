import crypto from 'node:crypto';
import { SignJWT, type JWTPayload } from 'jose';
import type { Role } from '@agentry/contracts';
import { AppError } from '../../../platform/errors.js';
import type { Metrics } from '../../../platform/metrics.js';
import type { KeyStore } from './keys/key-store.js';
import { JwtRejected, verifyEdDsaJwt, type JwtRules } from './eddsa-jwt.js';
import { VerifiedTokenCache } from './verified-token-cache.js';

/** Clock skew tolerated on `exp`/`nbf`, in seconds. */
export const CLOCK_TOLERANCE_SECONDS = 5;
export const ACCESS_TOKEN_TYP = 'at+jwt';

/** The claims of an access token beyond the registered ones. */
export interface AccessClaims {
  sub: string;
  tenant_id: string;
  role: Role | null;
  scope: string;
  sid: string;
  email_verified: boolean;
  token_use: 'access';
}

export interface SignedAccessToken {
  token: string;
  kid: string;
  expiresAt: Date;
}

/**
 * A turn of the event loop (its check phase) before a verification answers: a session revocation
 * broadcast that has already reached this process is applied before the caller's revocation
 * check, so "stops working at once" (API.md) holds. A cached verification would otherwise answer
 * within the same turn (sessions.replicas.test.ts on PostgreSQL + Redis caught that race), and the
 * thread-pool signature check answers in the poll phase, maybe before that socket's data.
 */
const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

/**
 * Signs and verifies access tokens exactly as API.md specifies: EdDSA only, `typ: at+jwt`, `iss`,
 * `aud`, a known `kid`, `exp`/`nbf` with a small tolerance, and `token_use: "access"` (so a token
 * of another use can never stand in for an access token).
 */
export class AccessTokens {
  private readonly signings;
  private readonly verifications;
  private readonly verified: VerifiedTokenCache<AccessClaims & JWTPayload>;
  private readonly rules: JwtRules;

  constructor(
    private readonly keys: Pick<KeyStore, 'signingKey' | 'verifyingKey'>,
    private readonly options: {
      issuer: string;
      audience: string;
      ttlSeconds: number;
      /** Verified tokens kept (until they expire) so a repeat skips the signature check; 0: none. */
      cacheEntries?: number;
    },
    metrics: Metrics,
  ) {
    this.signings = metrics.counter('jwt_signings_total', 'Access tokens signed');
    this.verifications = metrics.counter('jwt_verifications_total', 'Access token verifications by result', ['result']);
    this.verified = new VerifiedTokenCache(options.cacheEntries ?? 10_000);
    this.rules = {
      issuer: options.issuer,
      audience: options.audience,
      typ: ACCESS_TOKEN_TYP,
      clockToleranceSeconds: CLOCK_TOLERANCE_SECONDS,
      requiredClaims: ['sub', 'jti', 'iat', 'nbf', 'exp'],
    };
  }

  async sign(claims: Omit<AccessClaims, 'token_use'>, now = new Date()): Promise<SignedAccessToken> {
    const { kid, key } = this.keys.signingKey();
    const iat = Math.floor(now.getTime() / 1000);
    const exp = iat + this.options.ttlSeconds;
    const token = await new SignJWT({ ...claims, token_use: 'access' })
      .setProtectedHeader({ alg: 'EdDSA', kid, typ: ACCESS_TOKEN_TYP })
      .setIssuer(this.options.issuer)
      .setAudience(this.options.audience)
      .setJti(crypto.randomUUID())
      .setIssuedAt(iat)
      .setNotBefore(iat)
      .setExpirationTime(exp)
      .sign(key);
    this.signings.inc();
    return { token, kid, expiresAt: new Date(exp * 1000) };
  }

  /**
   * Verifies signature and claims; throws AppError `token_expired` or `invalid_token`. A token
   * verified before is answered from the cache until its `exp`, as long as the key that verified
   * it is still the one the key store has for its `kid` (a retired key stops its tokens at once).
   */
  async verify(token: string): Promise<AccessClaims & JWTPayload> {
    const hit = this.verified.get(token, Date.now());
    if (hit && (await this.keys.verifyingKey(hit.kid)) === hit.key) {
      await nextTurn();
      this.verifications.inc({ result: 'cached' });
      return hit.claims;
    }
    try {
      const { kid, key, payload } = await verifyEdDsaJwt(token, (kid) => this.keys.verifyingKey(kid), this.rules);
      await nextTurn();
      const claims = payload as Partial<AccessClaims> & JWTPayload;
      if (
        claims.token_use !== 'access' ||
        typeof claims.sub !== 'string' ||
        typeof claims.tenant_id !== 'string' ||
        typeof claims.sid !== 'string' ||
        typeof claims.scope !== 'string'
      ) {
        throw new AppError('invalid_token', 'The token is not an access token.');
      }
      this.verifications.inc({ result: 'valid' });
      const verified = Object.freeze(claims) as AccessClaims & JWTPayload;
      if (typeof claims.exp === 'number')
        this.verified.set(token, { claims: verified, kid, key, expiresAtMs: claims.exp * 1000 }, Date.now());
      return verified;
    } catch (err) {
      if (err instanceof JwtRejected && err.reason === 'expired') {
        this.verifications.inc({ result: 'expired' });
        throw new AppError('token_expired', 'The access token has expired.');
      }
      this.verifications.inc({ result: 'invalid' });
      if (err instanceof AppError) throw err;
      if (err instanceof JwtRejected && err.reason === 'unknown_key')
        throw new AppError('invalid_token', 'The token was signed by an unknown key.');
      throw new AppError('invalid_token', 'The access token is invalid.');
    }
  }
}
