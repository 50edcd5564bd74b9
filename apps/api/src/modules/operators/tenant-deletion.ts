import { sql } from 'drizzle-orm';
import type { Logger } from 'pino';
import { periodicJob, type PeriodicJob } from '../../platform/periodic-job.js';
import type { Database, DbOrTx } from '../../platform/db/client.js';
import type { JobQueue } from '../../platform/ports/types.js';

export const DELETE_TENANTS_JOB = 'tenants.delete-due';

/**
 * The public tables without a `tenant_id` column, and why deleting a tenant leaves them alone or
 * how it reaches them. Every other table is deleted from by `tenant_id`, whatever module adds it; a
 * new table with neither a `tenant_id` nor an entry here fails tenant-deletion.test.ts.
 */
export const TABLES_WITHOUT_TENANT_ID: Record<string, string> = {
  tenants: 'the tenant row itself, deleted last',
  users: 'accounts that belonged to this tenant only are deleted with it',
  profiles: 'cascades from users',
  one_time_tokens: 'cascades from users',
  user_mfa: 'cascades from users',
  mfa_recovery_codes: 'cascades from users',
  sso_identities: 'cascades from users (an identity links an account, not a tenant)',
  login_events: 'deleted with the accounts (by user id)',
  refresh_tokens: 'cascades from sessions',
  billing_plans: 'the catalog, shared by every tenant',
  mail_outbox: 'sent mail by address, not by tenant; purged by the mail module',
};

export interface TenantDeletionDeps {
  database: Database;
  tenants: { dueForDeletion(now: Date): Promise<string[]> };
  jobs: JobQueue;
  logger: Logger;
  intervalMs: number;
}

/** The tables holding a `tenant_id` (every tenant-owned table), read from the catalog. */
export async function tenantOwnedTables(db: DbOrTx): Promise<string[]> {
  const result = await db.execute(sql`
    select table_name from information_schema.columns
    where table_schema = 'public' and column_name = 'tenant_id'
    order by table_name`);
  return (result.rows as { table_name: string }[]).map((r) => r.table_name);
}

/**
 * Deletes deprovisioned tenants when due (`TENANT_DATA_RETENTION_DAYS` after deprovisioning):
 * every row with their `tenant_id` in every table (the audit log through its purge setting), the
 * rows that cascade from those, the accounts that belonged to them only, and the tenant row. Runs as
 * a job on worker processes, one per interval slot.
 */
export class TenantDeletion {
  private readonly schedule: PeriodicJob;
  constructor(private readonly deps: TenantDeletionDeps) {
    this.schedule = periodicJob({ ...deps, name: DELETE_TENANTS_JOB, run: () => this.deleteDue() });
  }

  /** Registers the job (worker role only) and schedules the next tick. */
  startWorker() {
    return this.schedule.start();
  }

  /** Stops a pending re-try of scheduling (shutdown). */
  stop() {
    this.schedule.stop();
  }

  /** Deletes every deprovisioned tenant that is due at `now`; returns their ids. */
  async deleteDue(now = new Date()): Promise<string[]> {
    const due = await this.deps.tenants.dueForDeletion(now);
    for (const id of due) await this.deleteTenant(id);
    return due;
  }

  /** Deletes every row of one tenant, in one transaction. */
  async deleteTenant(tenantId: string): Promise<void> {
    const counts: Record<string, number> = {};
    await this.deps.database.db.transaction(async (tx) => {
      // The only DELETE the audit log's trigger lets through, for this transaction only.
      await tx.execute(sql`select set_config('agentry.audit_purge', 'on', true)`);
      const onlyHere = await tx.execute(sql`
        select m.user_id from memberships m where m.tenant_id = ${tenantId}
        and not exists (select 1 from memberships o where o.user_id = m.user_id and o.tenant_id <> ${tenantId})`);
      const userIds = (onlyHere.rows as { user_id: string }[]).map((r) => r.user_id);
      for (const table of await tenantOwnedTables(tx)) {
        const deleted = await tx.execute(
          sql`delete from ${sql.identifier(table)} where tenant_id = ${tenantId} returning 1 as x`,
        );
        counts[table] = deleted.rows.length;
      }
      for (const userId of userIds) {
        await tx.execute(sql`delete from login_events where user_id = ${userId}`);
        await tx.execute(sql`delete from users where id = ${userId}`);
      }
      counts.users = userIds.length;
      await tx.execute(sql`delete from tenants where id = ${tenantId}`);
    });
    this.deps.logger.info({ event: 'tenants.deleted', tenant_id: tenantId, rows: counts }, 'tenant data deleted');
  }
}
