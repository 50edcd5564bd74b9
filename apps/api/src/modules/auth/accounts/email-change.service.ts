import type { Config } from '../../../config.js';
import type { AuditLog } from '../../../platform/audit.js';
import type { Caller } from '../../../platform/caller.js';
import { keyedHash, randomToken } from '../../../platform/crypto.js';
import type { Database } from '../../../platform/db/client.js';
import { AppError } from '../../../platform/errors.js';
import type { Mailer } from '../../mail/mailer.js';
import type { TenantsService } from '../../tenants/tenants.service.js';
import type { SessionRevoker } from '../sessions/session-revoker.js';
import type { SecondFactorProof } from './mfa/second-factor.js';
import type { Reauthentication } from './reauth.js';
import type { UsersRepo } from './users.repo.js';

const EMAIL_CHANGE_TTL_MS = 24 * 3600 * 1000;

/**
 * Changing the sign-in address (API.md "Account security"): the current password (and with MFA on a
 * second factor: whoever holds the mailbox can reset the password, so the address is the account), then a single-use
 * link to the new address (stored only as a keyed hash, like reset and verification tokens; one
 * live link per user) and a notice to the old one. Confirming moves the account, marks the address
 * verified and ends every other session.
 */
export class EmailChangeService {
  constructor(
    private readonly deps: {
      config: Config;
      database: Database;
      users: UsersRepo;
      reauth: Reauthentication;
      mailer: Mailer;
      revoker: SessionRevoker;
      audit: AuditLog;
      tenants: Pick<TenantsService, 'membershipsOf'>;
    },
  ) {}

  private get db() {
    return this.deps.database.db;
  }

  async request(caller: Caller, newEmail: string, password: string, proof: SecondFactorProof): Promise<void> {
    const user = await this.deps.reauth.confirm(this.db, caller, password, proof);
    const existing = await this.deps.users.findByEmail(this.db, newEmail);
    if (existing) {
      throw new AppError(
        'email_taken',
        existing.id === user.id ? 'This is already your address.' : 'An account with this e-mail already exists.',
      );
    }
    // The same hourly budgets as verification mail: per user, and per (new) recipient.
    await this.deps.mailer.spendBudget({ sender: user.id, recipient: newEmail, kind: 'email_change' });
    const token = `ec_${randomToken(32)}`;
    await this.db.transaction(async (tx) => {
      // One live link per user: asking again kills the previous one.
      await this.deps.users.retireOneTimeTokens(tx, user.id, 'email_change');
      await this.deps.users.createOneTimeToken(tx, {
        userId: user.id,
        purpose: 'email_change',
        tokenHash: this.hash(token),
        expiresAt: new Date(Date.now() + EMAIL_CHANGE_TTL_MS),
        newEmail,
        sessionId: caller.sessionId || undefined,
      });
      await this.deps.audit.record(tx, {
        tenantId: caller.tenantId,
        action: 'auth.email_change_requested',
        actor: { type: 'user', id: user.id, email: user.email },
        target: { type: 'user', id: user.id },
      });
    });
    const link = `${this.deps.config.http.publicWebUrl}/confirm-email?token=${encodeURIComponent(token)}`;
    await this.deps.mailer.send({
      to: newEmail,
      kind: 'email_change',
      subject: 'Confirm your new e-mail address',
      text: `Confirm that this is the new sign-in address of your Agentry account:\n\n${link}\n\nThe link expires in 24 hours. If you did not ask for this, ignore this mail.`,
    });
    await this.deps.mailer.send({
      to: user.email,
      kind: 'email_change_notice',
      subject: 'Your Agentry sign-in address is being changed',
      text: `Someone signed in to your Agentry account asked to change its sign-in address. A confirmation link went to the new address; nothing changes until it is used.\n\nIf this was not you, change your password now: your account may be compromised.`,
    });
  }

  async confirm(token: string): Promise<void> {
    const done = await this.db.transaction(async (tx) => {
      const found = await this.deps.users.consumeEmailChangeToken(tx, this.hash(token));
      if (!found) throw new AppError('invalid_token', 'The token is invalid, used or expired.', { status: 400 });
      const before = await this.deps.users.findById(tx, found.userId);
      if (!before) throw new AppError('invalid_token', 'The token is invalid, used or expired.', { status: 400 });
      if (!(await this.deps.users.changeEmail(tx, found.userId, found.newEmail)))
        throw new AppError('email_taken', 'An account with this e-mail already exists.');
      // Every other pending link (verification, reset) was sent to the old address: they die.
      await this.deps.users.retireOneTimeTokens(tx, found.userId, 'password_reset');
      await this.deps.users.retireOneTimeTokens(tx, found.userId, 'verify_email');
      return found;
    });
    await this.deps.revoker.revokeUserSessions(done.userId, 'email_changed', { keep: done.sessionId ?? undefined });
    for (const m of await this.deps.tenants.membershipsOf(done.userId))
      await this.deps.audit.record(null, {
        tenantId: m.tenantId,
        action: 'auth.email_changed',
        actor: { type: 'user', id: done.userId, email: done.newEmail },
        target: { type: 'user', id: done.userId },
      });
  }

  private hash(token: string) {
    return keyedHash(this.deps.config.auth.refreshTokenPepper, `one-time:${token}`);
  }
}
