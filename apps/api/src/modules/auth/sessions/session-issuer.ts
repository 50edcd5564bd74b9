import {
  PLATFORM_OPERATOR_SCOPE,
  ROLE_SCOPES,
  type Role,
  type ServiceSessionResponse,
  type SessionResponse,
} from '@agentry/contracts';
import type { Config } from '../../../config.js';
import type { DbOrTx } from '../../../platform/db/client.js';
import { keyedHash, randomToken } from '../../../platform/crypto.js';
import type { AccessTokens } from './jwt.js';
import type { SessionRow } from './sessions.tables.js';
import type { RotateResult, SessionsRepo } from './sessions.repo.js';
import { maskIp, type ClientInfo } from './client-info.js';

/** Who a session's tokens speak for, resolved fresh at every issuance (role changes apply at refresh). */
export type SessionIdentity =
  | { kind: 'user'; userId: string; role: Role; emailVerified: boolean; operator?: boolean }
  | { kind: 'service'; serviceAccountId: string; scopes: string[] };

/** `rt_` + 256 bits of CSPRNG randomness. */
export function newRefreshToken(): string {
  return `rt_${randomToken(32)}`;
}

/** Opens sessions and mints their token pairs: an access JWT and an opaque, single-use refresh token. */
export class SessionIssuer {
  constructor(private readonly deps: { config: Config; tokens: AccessTokens; sessions: SessionsRepo }) {}

  /**
   * Uses a refresh token, inside the caller's transaction (which then asks for the `next` one).
   * Anything not shaped like a refresh token is simply `unknown`.
   */
  async rotate(tx: DbOrTx, refreshToken: string): Promise<RotateResult> {
    if (!refreshToken.startsWith('rt_')) return { outcome: 'unknown' };
    return this.deps.sessions.rotate(tx, this.hashRefreshToken(refreshToken));
  }

  /** A new session with its first refresh token, inside the caller's transaction. */
  async open(
    tx: DbOrTx,
    input: { tenantId: string; identity: SessionIdentity; client: ClientInfo },
  ): Promise<{ session: SessionRow; refreshToken: string; refreshExpiresAt: Date }> {
    const refreshExpiresAt = this.refreshExpiry();
    const session = await this.deps.sessions.create(tx, {
      tenantId: input.tenantId,
      userId: input.identity.kind === 'user' ? input.identity.userId : null,
      serviceAccountId: input.identity.kind === 'service' ? input.identity.serviceAccountId : null,
      userAgent: input.client.userAgent,
      ipMasked: maskIp(input.client.ip),
      expiresAt: refreshExpiresAt,
    });
    const refreshToken = newRefreshToken();
    await this.deps.sessions.addRefreshToken(tx, session.id, this.hashRefreshToken(refreshToken), refreshExpiresAt);
    return { session, refreshToken, refreshExpiresAt };
  }

  /** The next refresh token of an existing session (after a rotation). */
  async next(tx: DbOrTx, sessionId: string): Promise<{ refreshToken: string; refreshExpiresAt: Date }> {
    const refreshExpiresAt = this.refreshExpiry();
    const refreshToken = newRefreshToken();
    await this.deps.sessions.addRefreshToken(tx, sessionId, this.hashRefreshToken(refreshToken), refreshExpiresAt);
    return { refreshToken, refreshExpiresAt };
  }

  async respond(input: {
    sessionId: string;
    tenantId: string;
    identity: Extract<SessionIdentity, { kind: 'user' }>;
    refreshToken: string;
    refreshExpiresAt: Date;
  }): Promise<SessionResponse>;
  async respond(input: {
    sessionId: string;
    tenantId: string;
    identity: Extract<SessionIdentity, { kind: 'service' }>;
    refreshToken: string;
    refreshExpiresAt: Date;
  }): Promise<ServiceSessionResponse>;
  async respond(input: {
    sessionId: string;
    tenantId: string;
    identity: SessionIdentity;
    refreshToken: string;
    refreshExpiresAt: Date;
  }): Promise<SessionResponse | ServiceSessionResponse>;
  /** Signs the access token and shapes the contract's session response. */
  async respond(input: {
    sessionId: string;
    tenantId: string;
    identity: SessionIdentity;
    refreshToken: string;
    refreshExpiresAt: Date;
  }): Promise<SessionResponse | ServiceSessionResponse> {
    const { identity } = input;
    // A platform operator's tokens carry `platform:operator` besides the role's scopes, in every tenant.
    const scopes =
      identity.kind === 'user'
        ? [...ROLE_SCOPES[identity.role], ...(identity.operator ? [PLATFORM_OPERATOR_SCOPE] : [])]
        : identity.scopes;
    const access = await this.deps.tokens.sign({
      sub: identity.kind === 'user' ? `user:${identity.userId}` : `service:${identity.serviceAccountId}`,
      tenant_id: input.tenantId,
      role: identity.kind === 'user' ? identity.role : null,
      scope: scopes.join(' '),
      sid: input.sessionId,
      email_verified: identity.kind === 'user' ? identity.emailVerified : false,
    });
    const common = {
      access_token: access.token,
      refresh_token: input.refreshToken,
      token_type: 'bearer' as const,
      expires_at: access.expiresAt.toISOString(),
      refresh_expires_at: input.refreshExpiresAt.toISOString(),
      kid: access.kid,
      session_id: input.sessionId,
      tenant_id: input.tenantId,
      scopes,
    };
    return identity.kind === 'user'
      ? { ...common, user_id: identity.userId, role: identity.role }
      : { ...common, user_id: null, role: null, service_account_id: identity.serviceAccountId };
  }

  private hashRefreshToken(token: string): string {
    return keyedHash(this.deps.config.auth.refreshTokenPepper, token);
  }

  private refreshExpiry() {
    return new Date(Date.now() + this.deps.config.auth.refreshTokenTtlSeconds * 1000);
  }
}
