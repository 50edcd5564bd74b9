import type { Database } from '../../../platform/db/client.js';
import type { AccountDirectory, AccountSummary } from '../../tenants/tenants.service.js';
import { UsersRepo } from './users.repo.js';

/**
 * Who an account is, for other modules (tenants' member list): e-mail and display name, read-only,
 * never credentials. Needs only the database, so it exists before the modules that use it — and
 * before the accounts module, which itself needs tenants.
 */
export class UserDirectory implements AccountDirectory {
  private readonly users = new UsersRepo();

  constructor(private readonly database: Database) {}

  async describe(userIds: string[]): Promise<AccountSummary[]> {
    return this.users.describe(this.database.db, [...new Set(userIds)]);
  }
}
