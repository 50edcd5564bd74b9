import { AppError } from '../../../platform/errors.js';
import type { Caller } from '../../../platform/caller.js';
import type { DbOrTx } from '../../../platform/db/client.js';
import type { UserRow } from './accounts.tables.js';
import type { LoginLockout } from './lockout.js';
import type { SecondFactor, SecondFactorProof } from './mfa/second-factor.js';
import type { PasswordHasher } from './password-hasher.js';
import type { UsersRepo } from './users.repo.js';

/**
 * The password a signed-in user types again before a sensitive action (password change, e-mail
 * change, account deletion, turning MFA off), and with MFA on a second factor too: a stolen access
 * token plus a phished password must not be enough to take the account over. A stolen access token
 * must not become a password oracle either: wrong passwords and wrong codes count into the same
 * account lockout as failed logins, and a locked account is refused (423) before anything is compared.
 */
export class Reauthentication {
  constructor(
    private readonly deps: {
      users: UsersRepo;
      hasher: PasswordHasher;
      lockout: LoginLockout;
      secondFactor: SecondFactor;
    },
  ) {}

  /** The lockout key of an address (login events of unknown users are filed under it). */
  accountKey(email: string): string {
    return this.deps.lockout.accountKey(email);
  }

  /**
   * The caller's account once `password` is right and, when MFA is on, `proof` holds a current TOTP
   * code or an unused recovery code; 403 for a service account; 401 `invalid_credentials`,
   * `mfa_required`, `invalid_mfa_code` or 423 `account_locked` otherwise.
   */
  async confirm(db: DbOrTx, caller: Caller, password: string, proof: SecondFactorProof): Promise<UserRow> {
    if (!caller.userId) throw new AppError('forbidden', 'Service accounts have no password.');
    const user = await this.deps.users.findById(db, caller.userId);
    if (!user) throw new AppError('not_found', 'No such user.');
    const accountKey = this.deps.lockout.accountKey(user.email);
    const lockedFor = await this.deps.lockout.lockedFor(accountKey);
    if (lockedFor !== null) {
      throw new AppError('account_locked', 'Too many failed attempts; try again later or reset your password.', {
        headers: { 'retry-after': String(lockedFor) },
      });
    }
    const check = await this.deps.hasher.verify(password, user.passwordHash);
    if (!check.ok) {
      await this.deps.lockout.recordFailure(accountKey);
      throw new AppError('invalid_credentials', 'The password is wrong.');
    }
    await this.deps.secondFactor.confirm(db, user, caller.tenantId, proof);
    return user;
  }
}
