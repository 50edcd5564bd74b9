import type {
  MfaChallengeRequest,
  MfaRequiredResponse,
  RegisterRequest,
  RegisterResponse,
  Role,
  ServiceSessionResponse,
  SessionResponse,
  TokenRequest,
} from '@agentry/contracts';
import type { Config } from '../../../config.js';
import { keyedHash } from '../../../platform/crypto.js';
import type { Database, DbOrTx } from '../../../platform/db/client.js';
import { AppError } from '../../../platform/errors.js';
import type { Logger } from '../../../platform/logger.js';
import type { TenantsService } from '../../tenants/tenants.service.js';
import type { AuditLog } from '../../../platform/audit.js';
import type { ClientInfo } from '../sessions/client-info.js';
import type { SessionIdentity, SessionIssuer } from '../sessions/session-issuer.js';
import type { RefreshGrace } from '../sessions/refresh-grace.js';
import type { SessionRevoker } from '../sessions/session-revoker.js';
import type { SessionRow } from '../sessions/sessions.tables.js';
import type { AccountRecoveryService } from './account-recovery.service.js';
import type { LoginLockout } from './lockout.js';
import type { MfaService } from './mfa/mfa.service.js';
import type { PasswordHasher } from './password-hasher.js';
import { assertPasswordAcceptable } from './password-policy.js';
import type { ServiceAccountsRepo } from './service-accounts.repo.js';
import type { UsersRepo } from './users.repo.js';

export interface AuthServiceDeps {
  config: Config;
  database: Database;
  logger: Logger;
  users: UsersRepo;
  serviceAccounts: ServiceAccountsRepo;
  tenants: TenantsService;
  hasher: PasswordHasher;
  lockout: LoginLockout;
  issuer: SessionIssuer;
  revoker: SessionRevoker;
  /** Sends the verification mail after sign-up. */
  recovery: AccountRecoveryService;
  /** The second factor: a login of a user with MFA on answers 202 and finishes at `completeMfa`. */
  mfa: MfaService;
  audit: AuditLog;
  /** Single sign-on's `enforce`: refuses password login into a tenant for a role (403 `sso_required`). */
  sso?: { passwordLoginRefused(tenantId: string, role: Role): Promise<boolean> };
  /** Concurrent refreshes with one token share one successor (sessions/refresh-grace.ts). */
  grace?: RefreshGrace;
}

/** Sign-up, login and refresh: how users and service accounts get sessions. */
export class AuthService {
  constructor(private readonly deps: AuthServiceDeps) {}

  private get db() {
    return this.deps.database.db;
  }

  /** `REQUIRE_EMAIL_VERIFICATION`: register, login and refresh give no session to an unverified user. */
  private get verificationRequired() {
    return this.deps.config.auth.requireEmailVerification;
  }

  async register(input: RegisterRequest, client: ClientInfo): Promise<RegisterResponse> {
    const policy = this.deps.config.auth.signupPolicy;
    if (policy === 'closed' || (policy === 'invite_only' && !input.invite_token)) {
      throw new AppError(
        'signup_closed',
        policy === 'closed' ? 'Sign-up is closed.' : 'Sign-up requires an invitation.',
      );
    }
    assertPasswordAcceptable(input.password, input.email);
    const passwordHash = await this.deps.hasher.hash(input.password);
    const displayName = input.display_name ?? null;
    const result = await this.db.transaction(async (tx) => {
      const user = await this.deps.users.create(tx, { email: input.email, passwordHash, displayName });
      if (!user) throw new AppError('email_taken', 'An account with this e-mail already exists.');
      let tenantId: string;
      let role: Role;
      if (input.invite_token) {
        const accepted = await this.deps.tenants.acceptInvitation(tx, {
          token: input.invite_token,
          email: input.email,
          userId: user.id,
        });
        if (!accepted)
          throw new AppError('invalid_token', 'The invitation is invalid, used, expired or for another e-mail.', {
            status: 400,
          });
        ({ tenantId, role } = accepted);
      } else {
        const name = input.tenant_name ?? `${displayName ?? input.email.split('@')[0]}'s workspace`;
        tenantId = (await this.deps.tenants.createTenantWithOwner(tx, { name, ownerId: user.id })).id;
        role = 'owner';
      }
      const identity: SessionIdentity = { kind: 'user', userId: user.id, role, emailVerified: false };
      // With REQUIRE_EMAIL_VERIFICATION no session is opened until the address is verified.
      const opened = this.verificationRequired ? null : await this.deps.issuer.open(tx, { tenantId, identity, client });
      return { user, tenantId, identity, opened };
    });
    await this.deps.recovery.sendVerification(result.user.id);
    if (!result.opened)
      throw emailNotVerified('The account is created: verify your e-mail address with the link we sent, then sign in.');
    const tenant = await this.deps.tenants.getTenant(result.tenantId);
    const session = await this.deps.issuer.respond({
      sessionId: result.opened.session.id,
      tenantId: result.tenantId,
      identity: result.identity as Extract<SessionIdentity, { kind: 'user' }>,
      refreshToken: result.opened.refreshToken,
      refreshExpiresAt: result.opened.refreshExpiresAt,
    });
    return { ...session, tenant_slug: tenant!.slug };
  }

  /**
   * Password login. For a user with MFA on, a right password opens no session: it answers an
   * `mfa_token` for `completeMfa`, and the lockout is not cleared until the second factor passes
   * (wrong codes count into it).
   */
  async login(input: TokenRequest, client: ClientInfo): Promise<SessionResponse | MfaRequiredResponse> {
    const accountKey = this.deps.lockout.accountKey(input.email);
    const ipHash = client.ip ? keyedHash(this.deps.config.auth.ipPepper, `ip:${client.ip}`) : null;
    const record = async (userId: string | null, result: 'success' | 'failure', reason: string | null) => {
      await this.deps.users.recordLogin(this.db, {
        userId,
        emailHash: accountKey,
        ipHash,
        userAgent: client.userAgent,
        result,
        reason,
      });
      // A failure of a known account goes to the audit log of the tenant it tried (or of each of its
      // tenants): an unknown e-mail belongs to no tenant's log.
      if (result === 'failure' && userId) await this.auditLoginFailed(userId, input.tenant_id, reason);
    };

    const lockedFor = await this.deps.lockout.lockedFor(accountKey);
    if (lockedFor !== null) {
      await record(null, 'failure', 'locked');
      throw new AppError('account_locked', 'Too many failed attempts; try again later or reset your password.', {
        headers: { 'retry-after': String(lockedFor) },
      });
    }
    const user = await this.deps.users.findByEmail(this.db, input.email);
    if (!user) {
      // Same work as a wrong password: one bcrypt comparison, one failure counted.
      await this.deps.hasher.verifyDummy(input.password);
      await this.deps.lockout.recordFailure(accountKey);
      await record(null, 'failure', 'unknown_email');
      throw invalidCredentials();
    }
    const check = await this.deps.hasher.verify(input.password, user.passwordHash);
    if (!check.ok) {
      await this.deps.lockout.recordFailure(accountKey);
      await record(user.id, 'failure', 'bad_password');
      throw invalidCredentials();
    }
    if (user.status === 'disabled') {
      await record(user.id, 'failure', 'disabled');
      throw new AppError('account_disabled', 'This account is disabled.');
    }
    if (user.status === 'locked') {
      await record(user.id, 'failure', 'locked_by_operator');
      throw new AppError('account_locked', 'This account is locked; reset your password or contact support.');
    }
    if (this.verificationRequired && !user.emailVerifiedAt) {
      await record(user.id, 'failure', 'email_not_verified');
      throw emailNotVerified('Verify your e-mail address before signing in.');
    }
    const memberships = await this.deps.tenants.membershipsOf(user.id);
    const membership = input.tenant_id
      ? memberships.find((m) => m.tenantId === input.tenant_id)
      : memberships.length === 1
        ? memberships[0]
        : undefined;
    if (!membership) {
      await record(user.id, 'failure', 'tenant');
      if (!input.tenant_id && memberships.length > 1) {
        throw new AppError('tenant_required', 'You belong to several tenants: say which one with tenant_id.', {
          details: { tenant_ids: memberships.map((m) => m.tenantId) },
        });
      }
      // The same answer as a wrong password: a login must not reveal who belongs to which tenant.
      throw invalidCredentials();
    }
    if (((await this.deps.tenants.getTenant(membership.tenantId))?.status ?? 'active') !== 'active') {
      await record(user.id, 'failure', 'tenant_suspended');
      throw tenantSuspended();
    }
    if (await this.deps.sso?.passwordLoginRefused(membership.tenantId, membership.role as Role)) {
      await record(user.id, 'failure', 'sso_required');
      throw new AppError('sso_required', 'This workspace signs in with single sign-on: use "Continue with SSO".');
    }
    if (check.needsRehash)
      await this.deps.users.setPasswordHash(this.db, user.id, await this.deps.hasher.hash(input.password));
    if (await this.deps.mfa.isEnabled(user.id)) {
      return this.deps.mfa.startChallenge({ userId: user.id, tenantId: membership.tenantId, accountKey });
    }
    await this.deps.lockout.clear(accountKey);
    await record(user.id, 'success', null);
    return this.openUserSession(user, membership.tenantId, membership.role as Role, client, 'password');
  }

  /** The second step of an MFA login: a TOTP or recovery code for the `mfa_token` opens the session. */
  async completeMfa(input: MfaChallengeRequest, client: ClientInfo): Promise<SessionResponse> {
    const done = await this.deps.mfa.completeChallenge(input);
    const user = await this.deps.users.findById(this.db, done.userId);
    const role = user ? await this.deps.tenants.roleOf(this.db, done.tenantId, user.id) : null;
    if (!user || !role || user.status !== 'active') {
      throw new AppError('invalid_token', 'The account can no longer sign in here; log in again.');
    }
    await this.deps.users.recordLogin(this.db, {
      userId: user.id,
      emailHash: done.accountKey,
      ipHash: client.ip ? keyedHash(this.deps.config.auth.ipPepper, `ip:${client.ip}`) : null,
      userAgent: client.userAgent,
      result: 'success',
      reason: done.method === 'totp' ? 'mfa_totp' : 'mfa_recovery_code',
    });
    return this.openUserSession(
      user,
      done.tenantId,
      role,
      client,
      done.method === 'totp' ? 'mfa_totp' : 'mfa_recovery_code',
    );
  }

  /**
   * A session after single sign-on (sso/): the IdP's authentication counts as the login, so no
   * second factor is asked even when MFA is on (the IdP enforces its own).
   */
  async openSsoSession(
    user: { id: string; email: string; emailVerifiedAt: Date | null; isOperator: boolean },
    tenantId: string,
    role: Role,
    client: ClientInfo,
  ): Promise<SessionResponse> {
    return this.openUserSession(user, tenantId, role, client, 'sso');
  }

  /** Opens the session of a login and records `auth.login` in the tenant's audit log, in one transaction. */
  private async openUserSession(
    user: { id: string; email: string; emailVerifiedAt: Date | null; isOperator: boolean },
    tenantId: string,
    role: Role,
    client: ClientInfo,
    method: 'password' | 'mfa_totp' | 'mfa_recovery_code' | 'sso',
  ): Promise<SessionResponse> {
    const identity = {
      kind: 'user' as const,
      userId: user.id,
      role,
      emailVerified: !!user.emailVerifiedAt,
      operator: user.isOperator,
    };
    const opened = await this.db.transaction(async (tx) => {
      const opened = await this.deps.issuer.open(tx, { tenantId, identity, client });
      await this.deps.audit.record(tx, {
        tenantId,
        action: 'auth.login',
        actor: { type: 'user', id: user.id, email: user.email },
        target: { type: 'session', id: opened.session.id },
        metadata: { method },
      });
      return opened;
    });
    return this.deps.issuer.respond({
      sessionId: opened.session.id,
      tenantId,
      identity,
      refreshToken: opened.refreshToken,
      refreshExpiresAt: opened.refreshExpiresAt,
    });
  }

  /**
   * Rotates a refresh token. Within the grace window (`AUTH_REFRESH_REUSE_GRACE_SECONDS`) a token
   * already used answers the same successor as its first use, on every replica; after it, reuse of a
   * rotated token revokes the whole session.
   */
  async refresh(refreshToken: string): Promise<SessionResponse | ServiceSessionResponse> {
    const grace = this.deps.grace;
    if (grace && !(await grace.claim(refreshToken))) {
      const answer = await grace.awaitAnswer<SessionResponse | ServiceSessionResponse>(refreshToken);
      if (answer) return answer;
    }
    let answer: SessionResponse | ServiceSessionResponse;
    try {
      answer = await this.rotateOnce(refreshToken);
    } catch (err) {
      await grace?.release(refreshToken);
      throw err;
    }
    await grace?.remember(refreshToken, answer);
    return answer;
  }

  private async rotateOnce(refreshToken: string): Promise<SessionResponse | ServiceSessionResponse> {
    const outcome = await this.db.transaction(async (tx) => {
      const rotated = await this.deps.issuer.rotate(tx, refreshToken);
      if (rotated.outcome !== 'rotated') return rotated;
      if (((await this.deps.tenants.statusOf(tx, rotated.session.tenantId)) ?? 'active') !== 'active')
        return { outcome: 'suspended' as const };
      const identity = await this.identityOf(tx, rotated.session);
      if (!identity) return { outcome: 'stale' as const, sessionId: rotated.session.id };
      if (identity.kind === 'user' && !identity.emailVerified && this.verificationRequired)
        return { outcome: 'unverified' as const, sessionId: rotated.session.id };
      const next = await this.deps.issuer.next(tx, rotated.session.id);
      return { outcome: 'ok' as const, session: rotated.session, identity, next };
    });
    switch (outcome.outcome) {
      case 'ok':
        return this.deps.issuer.respond({
          sessionId: outcome.session.id,
          tenantId: outcome.session.tenantId,
          identity: outcome.identity,
          ...outcome.next,
        });
      case 'reused':
        await this.deps.revoker.revoke([outcome.sessionId], 'refresh_token_reused');
        this.deps.logger.warn(
          { event: 'auth.refresh_reused', session_id: outcome.sessionId },
          'refresh token reuse: session revoked',
        );
        throw new AppError(
          'refresh_token_reused',
          'This refresh token was already used; the session has been revoked.',
        );
      case 'unverified':
        // A session opened before the address was required to be verified (or before it was
        // changed) is not kept alive: it ends, and the user signs in again once verified.
        await this.deps.revoker.revoke([outcome.sessionId], 'email_not_verified');
        throw emailNotVerified('Verify your e-mail address, then sign in again.');
      case 'stale':
        await this.deps.revoker.revoke([outcome.sessionId], 'identity_gone');
        throw new AppError('invalid_token', 'The session is no longer valid.');
      case 'expired':
        throw new AppError('token_expired', 'The refresh token has expired.');
      case 'suspended':
        throw tenantSuspended();
      default:
        throw new AppError('invalid_token', 'The refresh token is invalid.');
    }
  }

  private async auditLoginFailed(userId: string, tenantId: string | undefined, reason: string | null) {
    const memberships = await this.deps.tenants.membershipsOf(userId);
    const tenants = memberships.map((m) => m.tenantId).filter((id) => !tenantId || id === tenantId);
    for (const id of tenants)
      await this.deps.audit.record(null, {
        tenantId: id,
        action: 'auth.login_failed',
        actor: { type: 'user', id: userId },
        target: { type: 'user', id: userId },
        metadata: { reason },
      });
  }

  /** Who a session speaks for now; null when the user, membership or service account is gone. */
  private async identityOf(tx: DbOrTx, session: SessionRow): Promise<SessionIdentity | null> {
    if (session.userId) {
      const user = await this.deps.users.findById(tx, session.userId);
      if (!user || user.status === 'disabled') return null;
      const role = await this.deps.tenants.roleOf(tx, session.tenantId, user.id);
      return role
        ? { kind: 'user', userId: user.id, role, emailVerified: !!user.emailVerifiedAt, operator: user.isOperator }
        : null;
    }
    if (session.serviceAccountId) {
      const account = await this.deps.serviceAccounts.touch(tx, session.tenantId, session.serviceAccountId);
      return account ? { kind: 'service', serviceAccountId: account.id, scopes: account.scopes } : null;
    }
    return null;
  }
}

/** 403 `email_not_verified`, the same for register, login and refresh, with how to get a new link. */
function emailNotVerified(detail: string) {
  return new AppError(
    'email_not_verified',
    `${detail} No link, or it expired? POST /api/v1/auth/password/forgot mails a reset link, which also verifies the address.`,
  );
}

function invalidCredentials() {
  return new AppError('invalid_credentials', 'Invalid email or password.');
}

function tenantSuspended() {
  return new AppError('tenant_suspended', 'This workspace is suspended; contact support.');
}
