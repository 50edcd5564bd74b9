import { and, asc, eq, gte, inArray, notInArray, type SQL, sql } from 'drizzle-orm';
import type { DbOrTx } from '../../platform/db/client.js';
import { jsonValue, runParts, type StatementPart } from '../../platform/db/statement.js';
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
  private readonly preparedTotals = new WeakMap<DbOrTx, ReturnType<UsageRepo['prepareTotals']>>();

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
    const [value] = await runParts(tx, [this.recordPart(tenantId, periodStart, positive)]);
    return this.readRecorded(positive, value);
  }

  /**
   * `record` as a part of another module's statement (a chat run's final one): the records
   * (batched, `on conflict do nothing` on their idempotency keys) and one upsert per feature.
   * The features must be distinct; read what it returns with `readRecorded`. `allows`: the
   * statement's precondition (when false, nothing is recorded).
   */
  recordPart(
    tenantId: string,
    periodStart: Date,
    increments: UsageIncrement[],
    allows: SQL = sql`true`,
  ): StatementPart {
    const positive = increments.filter((inc) => inc.quantity > 0);
    if (new Set(positive.map((inc) => inc.featureKey)).size < positive.length)
      throw new Error('recordPart: one increment per feature');
    if (!positive.length) return { ctes: sql`usage_none as (select 1)`, returns: sql`'[]'::json` };
    const rows = sql.join(
      positive.map((inc) => sql`(${inc.featureKey}::text, ${inc.quantity}::bigint, ${inc.idempotencyKey}::text)`),
      sql`, `,
    );
    const period = sql`${periodStart.toISOString()}::timestamptz`;
    return {
      ctes: sql`usage_input(feature_key, quantity, idempotency_key) as (values ${rows}),
      usage_recorded as (
        insert into ${usageRecords} (tenant_id, feature_key, quantity, period_start, idempotency_key)
        select ${tenantId}::uuid, feature_key, quantity, ${period}, idempotency_key from usage_input
        where ${allows}
        on conflict do nothing
        returning id, feature_key, quantity
      ),
      usage_new_totals as (
        insert into ${usageTotals} (tenant_id, feature_key, period_start, used)
        select ${tenantId}::uuid, feature_key, ${period}, quantity from usage_recorded
        on conflict (tenant_id, feature_key, period_start)
        do update set used = ${usageTotals}.used + excluded.used, updated_at = now()
        returning feature_key, used
      )`,
      returns: sql`(select coalesce(json_agg(json_build_object('id', r.id, 'feature_key', r.feature_key,
        'quantity', r.quantity, 'used', t.used)), '[]'::json)
        from usage_recorded r join usage_new_totals t using (feature_key))`,
    };
  }

  /**
   * The first of `limits` (in their order) the period's total has reached, as a part of another
   * module's statement (a chat run's start): `allows` is true when none has. Reads the totals in the
   * statement's snapshot, as a separate read would, without a round trip of its own.
   */
  overLimitPart(
    tenantId: string,
    periodStart: Date,
    limits: { featureKey: string; hardLimit: number }[],
  ): StatementPart & { allows: SQL } {
    const rows = sql.join(
      limits.map((l, ord) => sql`(${ord}::int, ${l.featureKey}::text, ${l.hardLimit}::bigint)`),
      sql`, `,
    );
    return {
      ctes: sql`usage_over as (
        select l.feature_key, coalesce(t.used, 0) as used from (values ${rows}) l(ord, feature_key, hard_limit)
        left join ${usageTotals} t on t.tenant_id = ${tenantId}::uuid and t.feature_key = l.feature_key
          and t.period_start = ${periodStart.toISOString()}::timestamptz
        where coalesce(t.used, 0) >= l.hard_limit
        order by l.ord limit 1)`,
      allows: sql`not exists (select 1 from usage_over)`,
      returns: sql`(select json_build_object('feature_key', feature_key, 'used', used) from usage_over)`,
    };
  }

  /** What a `recordPart` returned, in the order of `increments` (those recorded before are left out). */
  readRecorded(increments: UsageIncrement[], value: unknown): RecordedUsage[] {
    const rows = jsonValue<{ id: string; feature_key: string; quantity: string | number; used: string | number }[]>(
      value,
      [],
    );
    const order = new Map(increments.map((inc, i) => [inc.featureKey, i]));
    return rows
      .map((r) => ({ recordId: r.id, featureKey: r.feature_key, quantity: Number(r.quantity), used: Number(r.used) }))
      .sort((a, b) => order.get(a.featureKey)! - order.get(b.featureKey)!);
  }

  /**
   * The period's totals: a prepared statement (parsed once per connection), read before every
   * run. Prepared on the database it is asked of (a transaction prepares its own).
   */
  async totals(db: DbOrTx, tenantId: string, periodStart: Date): Promise<Map<string, number>> {
    let query = this.preparedTotals.get(db);
    if (!query) {
      query = this.prepareTotals(db);
      this.preparedTotals.set(db, query);
    }
    const rows = await query.execute({ tenantId, periodStart });
    return new Map(rows.map((r) => [r.featureKey, Number(r.used)]));
  }

  private prepareTotals(db: DbOrTx) {
    return db
      .select({ featureKey: usageTotals.featureKey, used: usageTotals.used })
      .from(usageTotals)
      .where(
        and(
          eq(usageTotals.tenantId, sql.placeholder('tenantId')),
          eq(usageTotals.periodStart, sql.placeholder('periodStart')),
        ),
      )
      .prepare('usage_totals_of_period');
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
