import { AppError } from '../../../platform/errors.js';
import type { Caller } from '../../../platform/caller.js';
import type { DbOrTx } from '../../../platform/db/client.js';
import type { UserRow } from './accounts.tables.js';
import type { LoginLockout } from './lockout.js';
import type { PasswordHasher } from './password-hasher.js';
import type { UsersRepo } from './users.repo.js';

/**
 * The password a signed-in user types again before a sensitive action (e-mail change, account
 * deletion). A stolen access token must not become a password oracle: wrong passwords count into
 * the same account lockout as failed logins, and a locked account is refused (423) before the
 * password is even compared.
 */
export class Reauthentication {
  constructor(private readonly deps: { users: UsersRepo; hasher: PasswordHasher; lockout: LoginLockout }) {}

  /** The lockout key of an address (login events of unknown users are filed under it). */
  accountKey(email: string): string {
    return this.deps.lockout.accountKey(email);
  }

  /** The caller's account once `password` is right; 403 for a service account, 401/423 otherwise. */
  async confirm(db: DbOrTx, caller: Caller, password: string): Promise<UserRow> {
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
    return user;
  }
}
