import { and, asc, eq, gte, inArray, notInArray, sql } from 'drizzle-orm';
import type { DbOrTx } from '../../platform/db/client.js';
import { usageRecords, usageTotals } from './billing.tables.js';

export interface UsageIncrement {
  featureKey: string;
  quantity: number;
  idempotencyKey: string;
}

/** What one recorded increment changed: the new total, and the record (for meter reporting). */
export interface RecordedUsage {
  recordId: string;
  featureKey: string;
  quantity: number;
  used: number;
}

export type UsageRecordRow = typeof usageRecords.$inferSelect;

/** Usage records (idempotent by key) and per-period totals; every method takes `db` (or the caller's `tx`), then the tenant id. */
export class UsageRepo {
  /**
   * Records increments (the caller runs it in its transaction, so records and totals commit
   * together). An increment whose key was recorded before changes nothing (and is left out of the
   * result); the others add to the period's totals atomically, so concurrent runs can never both
   * see themselves as the one crossing a limit.
   */
  async record(
    tx: DbOrTx,
    tenantId: string,
    periodStart: Date,
    increments: UsageIncrement[],
  ): Promise<RecordedUsage[]> {
    const out: RecordedUsage[] = [];
    for (const inc of increments) {
      if (inc.quantity <= 0) continue;
      const [record] = await tx
        .insert(usageRecords)
        .values({
          tenantId,
          featureKey: inc.featureKey,
          quantity: inc.quantity,
          periodStart,
          idempotencyKey: inc.idempotencyKey,
        })
        .onConflictDoNothing()
        .returning({ id: usageRecords.id });
      if (!record) continue;
      const [total] = await tx
        .insert(usageTotals)
        .values({ tenantId, featureKey: inc.featureKey, periodStart, used: inc.quantity })
        .onConflictDoUpdate({
          target: [usageTotals.tenantId, usageTotals.featureKey, usageTotals.periodStart],
          set: { used: sql`${usageTotals.used} + ${inc.quantity}`, updatedAt: new Date() },
        })
        .returning({ used: usageTotals.used });
      out.push({ recordId: record.id, featureKey: inc.featureKey, quantity: inc.quantity, used: Number(total.used) });
    }
    return out;
  }

  async totals(db: DbOrTx, tenantId: string, periodStart: Date): Promise<Map<string, number>> {
    const rows = await db
      .select({ featureKey: usageTotals.featureKey, used: usageTotals.used })
      .from(usageTotals)
      .where(and(eq(usageTotals.tenantId, tenantId), eq(usageTotals.periodStart, periodStart)));
    return new Map(rows.map((r) => [r.featureKey, Number(r.used)]));
  }

  /** Oldest first; `since` leaves out older records, `exclude` the given record ids. */
  async unreported(
    db: DbOrTx,
    tenantId: string,
    featureKeys: string[],
    limit = 500,
    filter: { since?: Date; exclude?: string[] } = {},
  ): Promise<UsageRecordRow[]> {
    if (!featureKeys.length) return [];
    return db
      .select()
      .from(usageRecords)
      .where(
        and(
          eq(usageRecords.tenantId, tenantId),
          inArray(usageRecords.featureKey, featureKeys),
          sql`${usageRecords.reportedAt} is null`,
          filter.since ? gte(usageRecords.createdAt, filter.since) : undefined,
          filter.exclude?.length ? notInArray(usageRecords.id, filter.exclude) : undefined,
        ),
      )
      .orderBy(asc(usageRecords.createdAt))
      .limit(limit);
  }

  async markReported(db: DbOrTx, tenantId: string, recordId: string) {
    await db
      .update(usageRecords)
      .set({ reportedAt: new Date() })
      .where(and(eq(usageRecords.tenantId, tenantId), eq(usageRecords.id, recordId)));
  }
}
