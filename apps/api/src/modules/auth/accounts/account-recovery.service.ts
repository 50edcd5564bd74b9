import type { Config } from '../../../config.js';
import type { Caller } from '../../../platform/caller.js';
import { keyedHash, randomToken } from '../../../platform/crypto.js';
import type { Database } from '../../../platform/db/client.js';
import { AppError } from '../../../platform/errors.js';
import type { Mailer } from '../../mail/mailer.js';
import type { TenantsService } from '../../tenants/tenants.service.js';
import type { AuditLog } from '../../../platform/audit.js';
import type { SessionRevoker } from '../sessions/session-revoker.js';
import type { LoginLockout } from './lockout.js';
import type { SecondFactorProof } from './mfa/second-factor.js';
import type { Reauthentication } from './reauth.js';
import type { PasswordHasher } from './password-hasher.js';
import { assertPasswordAcceptable } from './password-policy.js';
import type { OneTimePurpose, UsersRepo } from './users.repo.js';

const VERIFY_TTL_MS = 48 * 3600 * 1000;
const RESET_TTL_MS = 3600 * 1000;
/** The nil UUID: no account has it, so the conditional writes of forgot-password insert nothing. */
const NO_USER = '00000000-0000-0000-0000-000000000000';

/** E-mail verification, forgotten and changed passwords: single-use, expiring, hashed tokens. */
export class AccountRecoveryService {
  constructor(
    private readonly deps: {
      config: Config;
      database: Database;
      users: UsersRepo;
      hasher: PasswordHasher;
      mailer: Mailer;
      revoker: SessionRevoker;
      lockout: LoginLockout;
      reauth: Reauthentication;
      audit: AuditLog;
      tenants: Pick<TenantsService, 'membershipsOf'>;
    },
  ) {}

  async sendVerification(userId: string): Promise<void> {
    const user = await this.deps.users.findById(this.db, userId);
    if (!user || user.emailVerifiedAt) return;
    const token = await this.issue(userId, 'verify_email', VERIFY_TTL_MS);
    await this.deps.mailer.send({
      to: user.email,
      kind: 'verify_email',
      subject: 'Verify your e-mail address',
      text: `Confirm your e-mail address for Agentry:\n\n${this.link('verify-email', token)}\n\nThe link expires in 48 hours.`,
    });
  }

  async sendVerificationFor(caller: Caller): Promise<void> {
    if (!caller.userId) throw new AppError('forbidden', 'Service accounts have no e-mail address.');
    const user = await this.deps.users.findById(this.db, caller.userId);
    if (!user) throw new AppError('not_found', 'No such user.');
    await this.deps.mailer.spendBudget({ sender: user.id, recipient: user.email, kind: 'verify_email' });
    await this.sendVerification(caller.userId);
  }

  async verifyEmail(token: string): Promise<void> {
    await this.db.transaction(async (tx) => {
      const userId = await this.deps.users.consumeOneTimeToken(tx, 'verify_email', this.hash(token));
      if (!userId) throw invalidToken();
      await this.deps.users.markEmailVerified(tx, userId);
    });
  }

  /**
   * Always the same outcome for the caller, and the same work whether or not the account exists (a
   * timing difference would enumerate accounts): a token is made and hashed, the pending ones are
   * retired, and the token and the mail are written by statements that insert nothing for an
   * unknown (or disabled) account. A mail goes out only when the account exists.
   */
  async forgotPassword(email: string): Promise<void> {
    const user = await this.deps.users.findByEmail(this.db, email);
    const userId = user && user.status !== 'disabled' ? user.id : NO_USER;
    const token = `pr_${randomToken(32)}`;
    const tokenHash = this.hash(token);
    await this.db.transaction(async (tx) => {
      await this.deps.users.retireOneTimeTokens(tx, userId, 'password_reset');
      await this.deps.users.createOneTimeTokenIfUser(tx, {
        userId,
        purpose: 'password_reset',
        tokenHash,
        expiresAt: new Date(Date.now() + RESET_TTL_MS),
      });
    });
    await this.deps.mailer.sendIfUser(userId, {
      to: user?.email ?? email,
      kind: 'password_reset',
      subject: 'Reset your Agentry password',
      text: `Someone asked to reset your Agentry password. If it was you:\n\n${this.link('reset-password', token)}\n\nThe link expires in 1 hour. If it was not you, ignore this mail.`,
    });
  }

  /**
   * Sets a new password, ends every session and lifts a lockout (a locked account can reset). The
   * token is used only when the new password is accepted, so a refused password can be retried.
   */
  async resetPassword(token: string, newPassword: string): Promise<void> {
    const hash = this.hash(token);
    const userId = await this.deps.users.findOneTimeToken(this.db, 'password_reset', hash);
    const user = userId ? await this.deps.users.findById(this.db, userId) : undefined;
    if (!user) throw invalidToken();
    assertPasswordAcceptable(newPassword, user.email, 'new_password');
    const passwordHash = await this.deps.hasher.hash(newPassword);
    await this.db.transaction(async (tx) => {
      // The conditional update is the single-use guarantee: of two concurrent resets, one wins.
      if ((await this.deps.users.consumeOneTimeToken(tx, 'password_reset', hash)) !== user.id) throw invalidToken();
      // Any other pending reset link of the user dies with this one.
      await this.deps.users.retireOneTimeTokens(tx, user.id, 'password_reset');
      await this.deps.users.setPasswordHash(tx, user.id, passwordHash);
      // Proving control of the mailbox also ends an operator lock (not a disable) and the failure lockout.
      if (user.status === 'locked') await this.deps.users.setStatus(tx, user.id, 'active');
      await this.deps.users.markEmailVerified(tx, user.id);
    });
    await this.deps.lockout.clear(this.deps.lockout.accountKey(user.email));
    await this.deps.revoker.revokeUserSessions(user.id, 'password_reset');
    // No tenant is signed in: the reset goes to the log of each tenant the user belongs to.
    for (const m of await this.deps.tenants.membershipsOf(user.id))
      await this.deps.audit.record(null, {
        tenantId: m.tenantId,
        action: 'auth.password_reset',
        actor: { type: 'user', id: user.id, email: user.email },
        target: { type: 'user', id: user.id },
      });
  }

  /** Changes the password after checking the current one; ends the user's other sessions. */
  async changePassword(caller: Caller, current: string, next: string, proof: SecondFactorProof): Promise<void> {
    if (!caller.userId) throw new AppError('forbidden', 'Service accounts have no password.');
    // A stolen access token must not become a password oracle: wrong current passwords count into
    // the same account lockout as failed logins, and a locked account cannot change its password.
    const user = await this.deps.reauth.confirm(this.db, caller, current, proof);
    assertPasswordAcceptable(next, user.email, 'new_password');
    const hash = await this.deps.hasher.hash(next);
    await this.db.transaction(async (tx) => {
      await this.deps.users.setPasswordHash(tx, user.id, hash);
      await this.deps.audit.record(tx, {
        tenantId: caller.tenantId,
        action: 'auth.password_changed',
        actor: { type: 'user', id: user.id, email: user.email },
        target: { type: 'user', id: user.id },
      });
    });
    await this.deps.revoker.revokeUserSessions(user.id, 'password_changed', { keep: caller.sessionId });
  }

  private async issue(userId: string, purpose: OneTimePurpose, ttlMs: number): Promise<string> {
    const token = `${purpose === 'verify_email' ? 'ev' : 'pr'}_${randomToken(32)}`;
    await this.db.transaction(async (tx) => {
      // One live reset link per user: a new one kills the older ones (a leaked old mail is worthless).
      if (purpose === 'password_reset') await this.deps.users.retireOneTimeTokens(tx, userId, purpose);
      await this.deps.users.createOneTimeToken(tx, {
        userId,
        purpose,
        tokenHash: this.hash(token),
        expiresAt: new Date(Date.now() + ttlMs),
      });
    });
    return token;
  }

  private get db() {
    return this.deps.database.db;
  }

  private hash(token: string) {
    return keyedHash(this.deps.config.auth.refreshTokenPepper, `one-time:${token}`);
  }

  private link(page: string, token: string) {
    return `${this.deps.config.http.publicWebUrl}/${page}?token=${encodeURIComponent(token)}`;
  }
}

function invalidToken() {
  return new AppError('invalid_token', 'The token is invalid, used or expired.', { status: 400 });
}
