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
   * Records increments in one statement (atomic by itself, so it needs no transaction; inside the
   * caller's it commits with the rest). An increment whose key was recorded before changes nothing
   * (and is left out of the result); the others add to the period's totals atomically, so
   * concurrent runs can never both see themselves as the one crossing a limit.
   */
  async record(
    tx: DbOrTx,
    tenantId: string,
    periodStart: Date,
    increments: UsageIncrement[],
  ): Promise<RecordedUsage[]> {
    const positive = increments.filter((inc) => inc.quantity > 0);
    if (!positive.length) return [];
    // One upsert per feature: the same feature twice in one statement would update a total twice.
    if (new Set(positive.map((inc) => inc.featureKey)).size < positive.length) {
      const out: RecordedUsage[] = [];
      for (const inc of positive) out.push(...(await this.record(tx, tenantId, periodStart, [inc])));
      return out;
    }
    const rows = sql.join(
      positive.map((inc) => sql`(${inc.featureKey}::text, ${inc.quantity}::bigint, ${inc.idempotencyKey}::text)`),
      sql`, `,
    );
    const result = await tx.execute<{
      id: string;
      feature_key: string;
      quantity: string | number;
      used: string | number;
    }>(sql`
      with input(feature_key, quantity, idempotency_key) as (values ${rows}),
      recorded as (
        insert into ${usageRecords} (tenant_id, feature_key, quantity, period_start, idempotency_key)
        select ${tenantId}::uuid, feature_key, quantity, ${periodStart.toISOString()}::timestamptz, idempotency_key from input
        on conflict do nothing
        returning id, feature_key, quantity
      ),
      totals as (
        insert into ${usageTotals} (tenant_id, feature_key, period_start, used)
        select ${tenantId}::uuid, feature_key, ${periodStart.toISOString()}::timestamptz, quantity from recorded
        on conflict (tenant_id, feature_key, period_start)
        do update set used = ${usageTotals}.used + excluded.used, updated_at = now()
        returning feature_key, used
      )
      select recorded.id, recorded.feature_key, recorded.quantity, totals.used
      from recorded join totals using (feature_key)`);
    const order = new Map(positive.map((inc, i) => [inc.featureKey, i]));
    return result.rows
      .map((r) => ({ recordId: r.id, featureKey: r.feature_key, quantity: Number(r.quantity), used: Number(r.used) }))
      .sort((a, b) => order.get(a.featureKey)! - order.get(b.featureKey)!);
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
