import { sql } from 'drizzle-orm';
import type { AccountExport } from '@agentry/contracts';
import type { AuditLog } from '../../platform/audit.js';
import type { Caller } from '../../platform/caller.js';
import type { Database, DbOrTx } from '../../platform/db/client.js';
import { AppError } from '../../platform/errors.js';
import type { Logger } from '../../platform/logger.js';
import { type DataSubject, isSkip, USER_DATA_TABLES } from './user-data.js';

export interface AccountDataDeps {
  database: Database;
  logger: Logger;
  audit: AuditLog;
  /**
   * The password typed again, with MFA on a second factor too (wrong ones count into the account
   * lockout), and the lockout key of an address.
   */
  reauth: {
    confirm(
      db: DbOrTx,
      caller: Caller,
      password: string,
      proof: { code?: string | undefined; recovery_code?: string | undefined },
    ): Promise<{ id: string; email: string }>;
    accountKey(email: string): string;
  };
  users: { findById(db: DbOrTx, id: string): Promise<{ id: string; email: string } | undefined> };
  /** Ends every session of the user on every replica (`SessionRevoker`). */
  sessions: { revokeUserSessions(userId: string, reason: string): Promise<void> };
  /** Deletes a tenant with everything in it, through the tenant deletion job's code (operators). */
  tenants: { deleteAbandoned(tenantId: string, reason: string): Promise<void> };
}

/**
 * The account rights of API.md "Account security": the export of everything stored about a user,
 * and the deletion of the account. Both walk `USER_DATA_TABLES`, the one list of where a person's
 * data lives.
 */
export class AccountDataService {
  constructor(private readonly deps: AccountDataDeps) {}

  private get db() {
    return this.deps.database.db;
  }

  async export(caller: Caller): Promise<AccountExport> {
    const subject = await this.subjectOf(caller);
    const tables: Record<string, Record<string, unknown>[]> = {};
    let user: Record<string, unknown> = {};
    await this.db.transaction(async (tx) => {
      for (const [name, entry] of Object.entries(USER_DATA_TABLES)) {
        if (isSkip(entry.export)) continue;
        const rows = (await tx.execute(entry.export(subject))).rows as Record<string, unknown>[];
        if (name === 'users') user = rows[0] ?? {};
        else tables[name] = rows.map(plain);
      }
    });
    return { format: 'agentry.account-export.v1', exported_at: new Date().toISOString(), user: plain(user), tables };
  }

  /**
   * Deletes the account: its sessions end everywhere first, then every tenant whose only member it
   * is goes (the tenant deletion, as after deprovisioning), then the user's rows everywhere else in
   * one transaction. 409 `conflict` as the last owner of a tenant with other members (hand the
   * tenant over first).
   */
  async delete(caller: Caller, password: string, proof: { code?: string; recovery_code?: string }): Promise<void> {
    const user = await this.deps.reauth.confirm(this.db, caller, password, proof);
    const tenants = (
      await this.db.execute(sql`
        select m.tenant_id, m.role,
          (select count(*)::int from memberships o where o.tenant_id = m.tenant_id) as members,
          (select count(*)::int from memberships o where o.tenant_id = m.tenant_id and o.role = 'owner') as owners
        from memberships m where m.user_id = ${user.id}`)
    ).rows as { tenant_id: string; role: string; members: number; owners: number }[];
    const stuck = tenants.filter((t) => t.members > 1 && t.role === 'owner' && t.owners === 1);
    if (stuck.length > 0)
      throw new AppError(
        'conflict',
        'You are the last owner of a workspace with other members: make someone else owner first.',
        { details: { tenant_ids: stuck.map((t) => t.tenant_id) } },
      );
    const subject: DataSubject = {
      userId: user.id,
      email: user.email,
      accountKey: this.deps.reauth.accountKey(user.email),
    };
    await this.deps.sessions.revokeUserSessions(user.id, 'account_deleted');
    const alone = tenants.filter((t) => t.members === 1).map((t) => t.tenant_id);
    for (const tenantId of alone)
      await this.deps.tenants.deleteAbandoned(tenantId, 'last member deleted their account');
    const remaining = tenants.filter((t) => t.members > 1).map((t) => t.tenant_id);
    await this.db.transaction(async (tx) => {
      for (const entry of Object.values(USER_DATA_TABLES)) {
        if (isSkip(entry.erase)) continue;
        for (const statement of entry.erase(subject)) await tx.execute(statement);
      }
      // What is left in the tenants' logs: that an account left, without who it was.
      for (const tenantId of remaining)
        await this.deps.audit.record(tx, {
          tenantId,
          action: 'auth.account_deleted',
          actor: { type: 'user', id: user.id, email: null },
          target: { type: 'user', id: user.id },
        });
    });
    this.deps.logger.info(
      { event: 'auth.account_deleted', user_id: user.id, tenants_deleted: alone.length },
      'account deleted',
    );
  }

  private async subjectOf(caller: Caller): Promise<DataSubject> {
    if (!caller.userId) throw new AppError('forbidden', 'A service account has no personal data to export.');
    const user = await this.deps.users.findById(this.db, caller.userId);
    if (!user) throw new AppError('not_found', 'No such user.');
    return { userId: user.id, email: user.email, accountKey: this.deps.reauth.accountKey(user.email) };
  }
}

/** JSON-safe values: dates as ISO strings, bigints as numbers. */
function plain(row: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(row))
    out[k] = v instanceof Date ? v.toISOString() : typeof v === 'bigint' ? Number(v) : v;
  return out;
}
