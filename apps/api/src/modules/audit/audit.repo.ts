import { and, desc, eq, gte, lt, or, sql } from 'drizzle-orm';
import type { DbOrTx } from '../../platform/db/client.js';
import { auditEvents } from './audit.tables.js';

export type AuditEventRow = typeof auditEvents.$inferSelect;
export type NewAuditEventRow = typeof auditEvents.$inferInsert;

/** Position in the newest-first order: the last row of a page. */
export interface AuditCursor {
  createdAt: Date;
  id: string;
}

export interface AuditFilters {
  action?: string;
  actorId?: string;
  since?: Date;
}

/** SQL of the audit log; `db` first, like every repo. Only INSERT and SELECT, and the purge's DELETE. */
export class AuditRepo {
  async insert(db: DbOrTx, row: NewAuditEventRow): Promise<void> {
    await db.insert(auditEvents).values(row);
  }

  /** A page of the tenant's events, newest first, after `before` in that order. */
  async page(
    db: DbOrTx,
    tenantId: string,
    options: AuditFilters & { before?: AuditCursor; limit: number },
  ): Promise<AuditEventRow[]> {
    const { before } = options;
    return db
      .select()
      .from(auditEvents)
      .where(
        and(
          eq(auditEvents.tenantId, tenantId),
          options.action ? eq(auditEvents.action, options.action) : undefined,
          options.actorId ? eq(auditEvents.actorId, options.actorId) : undefined,
          options.since ? gte(auditEvents.createdAt, options.since) : undefined,
          before
            ? or(
                lt(auditEvents.createdAt, before.createdAt),
                and(eq(auditEvents.createdAt, before.createdAt), lt(auditEvents.id, before.id)),
              )
            : undefined,
        ),
      )
      .orderBy(desc(auditEvents.createdAt), desc(auditEvents.id))
      .limit(options.limit);
  }

  /**
   * Deletes up to `batch` events created before `cutoff` (every tenant's), in a transaction that
   * sets `agentry.audit_purge` so the append-only trigger lets this DELETE, and only this one, through.
   * Returns how many were deleted.
   */
  async purgeBatch(db: DbOrTx, cutoff: Date, batch: number): Promise<number> {
    return db.transaction(async (tx) => {
      await tx.execute(sql`select set_config('agentry.audit_purge', 'on', true)`);
      const result = await tx.execute(sql`
        delete from ${auditEvents} where ${auditEvents.id} in (
          select ${auditEvents.id} from ${auditEvents}
          where ${auditEvents.createdAt} < ${cutoff.toISOString()}::timestamptz
          limit ${batch})
        returning ${auditEvents.id}`);
      return result.rows.length;
    });
  }
}
