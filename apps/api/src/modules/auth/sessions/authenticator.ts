import { ROLES, type Role } from '@agentry/contracts';
import { AppError } from '../../../platform/errors.js';
import type { Caller } from '../../../platform/caller.js';
import type { Authenticator } from '../../../platform/http/auth-guard.js';
import type { AccessTokens } from './jwt.js';
import type { SessionRevocations } from './revocation.js';

const SUBJECT = /^(user|service):([0-9a-f-]{36})$/i;

/** The guard's Authenticator: a strictly verified access token whose session is not revoked. */
export class AccessTokenAuthenticator implements Authenticator {
  constructor(
    private readonly tokens: AccessTokens,
    private readonly revocations: SessionRevocations,
    /** True for a suspended tenant: its tokens get 403 `tenant_suspended` (checked before revocation). */
    private readonly isSuspended: (tenantId: string) => boolean = () => false,
  ) {}

  async authenticate(token: string): Promise<Caller> {
    const claims = await this.tokens.verify(token);
    const subject = SUBJECT.exec(claims.sub);
    if (!subject) throw new AppError('invalid_token', 'The token subject is malformed.');
    if (this.isSuspended(claims.tenant_id))
      throw new AppError('tenant_suspended', 'This workspace is suspended; contact support.');
    if (await this.revocations.isRevoked(claims.sid))
      throw new AppError('invalid_token', 'The session has been revoked.');
    const role = claims.role && (ROLES as readonly string[]).includes(claims.role) ? (claims.role as Role) : null;
    return {
      subject: claims.sub,
      userId: subject[1] === 'user' ? subject[2] : null,
      serviceAccountId: subject[1] === 'service' ? subject[2] : null,
      tenantId: claims.tenant_id,
      role,
      scopes: claims.scope.split(' ').filter(Boolean),
      sessionId: claims.sid,
      emailVerified: claims.email_verified === true,
    };
  }
}
