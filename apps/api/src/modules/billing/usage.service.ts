import crypto from 'node:crypto';
import type { BillingEvent, UsageResponse } from '@agentry/contracts';
import type { SQL } from 'drizzle-orm';
import type { Logger } from 'pino';
import { ownTenant, type Caller } from '../../platform/caller.js';
import type { Database } from '../../platform/db/client.js';
import { AppError } from '../../platform/errors.js';
import type { ChatUsageHooks, RunUsage, RunUsageWrite } from '../chat/usage-hooks.js';
import { jsonValue, runParts, type GuardPart } from '../../platform/db/statement.js';
import type { SeatCounter, SeatLimits, StorageCounter } from './seats.js';
import type { BillingStream } from './billing-stream.js';
import { currentPeriod, type Period } from './periods.js';
import type { PlanCatalog, PlanRecord } from './plans.js';
import { hasEnded, type SubscriptionRow, type SubscriptionsRepo } from './subscriptions.repo.js';
import type { RecordedUsage, UsageIncrement, UsageRepo } from './usage.repo.js';

/** The features a chat run consumes, checked before it starts and recorded when it ends. */
export const RUN_FEATURES = ['messages', 'input_tokens', 'output_tokens'] as const;

/** Sends metered usage to Stripe later (a job); absent when billing is off. */
export interface MeterReportScheduler {
  schedule(tenantId: string, recorded: RecordedUsage[]): Promise<void>;
}

export interface UsageServiceDeps {
  database: Database;
  plans: PlanCatalog;
  subscriptions: SubscriptionsRepo;
  usage: UsageRepo;
  stream: BillingStream;
  seatLimits: SeatLimits;
  seatsInUse: SeatCounter;
  /** Stored file bytes, shown as the `storage_bytes` usage (the files module counts them). */
  storageInUse?: StorageCounter;
  meter?: MeterReportScheduler;
  logger: Logger;
  now?: () => Date;
  /** How long `assertCanStartRun` reuses a tenant's plan and period (ms; 0: never). Default 5000. */
  entitlementCacheMs?: number;
}

/**
 * Usage metering and plan limits. Implements chat's `ChatUsageHooks`: hard limits are checked
 * before a run starts, a finished run's messages and tokens are recorded once per run id, and
 * crossing a soft (or hard) limit publishes a billing event. Works the same with billing off.
 */
export class UsageService implements ChatUsageHooks {
  private readonly now: () => Date;
  private readonly entitlements = new Map<
    string,
    { value: Awaited<ReturnType<UsageService['entitlement']>>; until: number }
  >();

  constructor(private readonly deps: UsageServiceDeps) {
    this.now = deps.now ?? (() => new Date());
  }

  /** The plan whose limits apply to the tenant, and its current usage period. */
  async entitlement(
    tenantId: string,
  ): Promise<{ plan: PlanRecord; period: Period; subscription: SubscriptionRow | null }> {
    const subscription = await this.deps.subscriptions.find(this.deps.database.db, tenantId);
    const live = subscription && !hasEnded(subscription.status) ? subscription : null;
    const plan = await this.deps.plans.getOrDefault(live?.planCode);
    return { plan, period: currentPeriod(this.now(), live), subscription: live };
  }

  /**
   * The entitlement for the run check and usage records, cached per tenant for `entitlementCacheMs` (a plan change
   * applies to new runs within that time). The usage totals are never cached: the counter check
   * stays exact.
   */
  private async cachedEntitlement(tenantId: string) {
    const ttl = this.deps.entitlementCacheMs ?? 5000;
    const now = this.now().getTime();
    const hit = this.entitlements.get(tenantId);
    if (hit && hit.until > now) return hit.value;
    const value = await this.entitlement(tenantId);
    // Bounded: the cache only ever holds tenants seen in the last TTL; stale entries are dropped as it grows.
    if (this.entitlements.size >= 10_000)
      for (const [k, v] of this.entitlements) if (v.until <= now) this.entitlements.delete(k);
    if (ttl > 0 && value.period.end.getTime() > now + ttl) this.entitlements.set(tenantId, { value, until: now + ttl });
    return value;
  }

  /**
   * The plan's hard limits on a run as a precondition of the run's first statement (chat's turn
   * start): the totals are read in that statement, never cached, so the check stays exact, and a
   * refused run writes nothing. `check` throws `usage_limit_exceeded` (429, the feature in
   * `details`) with the first reached limit, in the order of RUN_FEATURES. Undefined: no limits.
   */
  async runStartGuard(caller: Caller): Promise<GuardPart | undefined> {
    const { plan, period } = await this.cachedEntitlement(caller.tenantId);
    const limits: { featureKey: string; hardLimit: number }[] = [];
    for (const key of RUN_FEATURES) {
      const feature = plan.features.find((f) => f.key === key);
      if (feature && feature.hard_limit !== null) limits.push({ featureKey: key, hardLimit: feature.hard_limit });
    }
    if (!limits.length) return undefined;
    const part = this.deps.usage.overLimitPart(caller.tenantId, period.start, limits);
    return {
      ...part,
      check: (value) => {
        const over = jsonValue<{ feature_key: string; used: string | number } | null>(value, null);
        if (!over) return;
        const feature = plan.features.find((f) => f.key === over.feature_key)!;
        const retryAfter = Math.max(1, Math.ceil((period.end.getTime() - this.now().getTime()) / 1000));
        throw new AppError(
          'usage_limit_exceeded',
          `The plan's ${feature.display_name} limit is reached until the period ends.`,
          {
            details: {
              feature: feature.key,
              used: Number(over.used),
              hard_limit: feature.hard_limit,
              period_end: period.end.toISOString(),
            },
            headers: { 'retry-after': String(retryAfter) },
          },
        );
      },
    };
  }

  async recordRunUsage(caller: Caller, usage: RunUsage): Promise<void> {
    const write = await this.runUsageWrite(caller, usage);
    const [value] = await runParts(this.deps.database.db, [write.part]);
    await write.committed(value);
  }

  /**
   * A run's usage as a part of the run's final statement, so it commits with the run (records
   * idempotent per run id and feature, one total upsert per feature); `committed` then publishes
   * the limit crossings and schedules the meter reports of what it recorded.
   */
  async runUsageWrite(caller: Caller, usage: RunUsage, allows?: SQL): Promise<RunUsageWrite> {
    const quantities: Record<(typeof RUN_FEATURES)[number], number> = {
      messages: usage.messages,
      input_tokens: usage.inputTokens,
      output_tokens: usage.outputTokens,
    };
    const increments = RUN_FEATURES.map((key) => ({
      featureKey: key,
      quantity: quantities[key],
      idempotencyKey: `run:${usage.runId}:${key}`,
    }));
    const { plan, period } = await this.cachedEntitlement(caller.tenantId);
    return {
      part: this.deps.usage.recordPart(caller.tenantId, period.start, increments, allows),
      committed: (value) => this.afterRecorded(caller.tenantId, plan, this.deps.usage.readRecorded(increments, value)),
    };
  }

  /** `POST …/usage`: 404 for a feature the tenant's plan does not have; the same key counts once. */
  async reportUsage(
    caller: Caller,
    tenantId: string,
    input: { feature_key: string; quantity: number; idempotency_key?: string },
  ) {
    tenantId = ownTenant(caller, tenantId);
    const { plan } = await this.entitlement(tenantId);
    if (!plan.features.some((f) => f.key === input.feature_key)) throw new AppError('not_found', 'Unknown feature.');
    const key = `api:${input.idempotency_key ?? crypto.randomUUID()}`;
    const recorded = await this.record(tenantId, [
      { featureKey: input.feature_key, quantity: input.quantity, idempotencyKey: key },
    ]);
    return { duplicate: recorded.length === 0 };
  }

  async getUsage(caller: Caller, tenantId: string): Promise<UsageResponse> {
    tenantId = ownTenant(caller, tenantId);
    const { plan, period } = await this.entitlement(tenantId);
    const db = this.deps.database.db;
    const [totals, seatsUsed, seatLimit, storageUsed] = await Promise.all([
      this.deps.usage.totals(db, tenantId, period.start),
      this.deps.seatsInUse.countSeats(tenantId),
      this.deps.seatLimits.limit(db, tenantId),
      this.deps.storageInUse?.usedBytes(tenantId),
    ]);
    // Stored bytes are not metered either: what the tenant's files take now.
    if (storageUsed !== undefined) totals.set('storage_bytes', storageUsed);
    return {
      period_start: period.start.toISOString(),
      period_end: period.end.toISOString(),
      // Seats are not metered: members + pending invitations against the seat limit (API.md "Billing, more").
      items: plan.features.map((f) =>
        f.key === 'seats'
          ? { feature_key: f.key, used: seatsUsed, hard_limit: seatLimit, soft_limit: f.soft_limit }
          : { feature_key: f.key, used: totals.get(f.key) ?? 0, hard_limit: f.hard_limit, soft_limit: f.soft_limit },
      ),
    };
  }

  private async record(tenantId: string, increments: UsageIncrement[]): Promise<RecordedUsage[]> {
    const { plan, period } = await this.cachedEntitlement(tenantId);
    // Records and totals commit together (one statement); limit events are published after it.
    const recorded = await this.deps.usage.record(this.deps.database.db, tenantId, period.start, increments);
    await this.afterRecorded(tenantId, plan, recorded);
    return recorded;
  }

  /** After increments committed: the limit each one crossed (published once), and the meter reports. */
  private async afterRecorded(tenantId: string, plan: PlanRecord, recorded: RecordedUsage[]): Promise<void> {
    if (!recorded.length) return;
    for (const r of recorded) {
      const feature = plan.features.find((f) => f.key === r.featureKey);
      if (!feature) continue;
      const before = r.used - r.quantity;
      const crossed = (limit: number | null) => limit !== null && before < limit && r.used >= limit;
      // The atomic total makes exactly one increment the one that crosses, however many run at once.
      const type = crossed(feature.hard_limit)
        ? 'usage.hard_limit_reached'
        : crossed(feature.soft_limit)
          ? 'usage.soft_limit_reached'
          : null;
      if (!type) continue;
      const event: BillingEvent = {
        tenant_id: tenantId,
        type,
        stripe_event_id: null,
        occurred_at: this.now().toISOString(),
        summary: `${feature.display_name}: ${r.used} used, ${type === 'usage.hard_limit_reached' ? `hard limit ${feature.hard_limit}` : `soft limit ${feature.soft_limit}`} reached`,
        usage: {
          feature_key: feature.key,
          used: r.used,
          soft_limit: feature.soft_limit,
          hard_limit: feature.hard_limit,
        },
      };
      await this.deps.stream.publish(event);
      this.deps.logger.info(
        { event: 'billing.usage_limit_crossed', tenant_id: tenantId, feature: feature.key, type },
        'usage limit crossed',
      );
    }
    const metered = recorded.filter((r) => plan.features.find((f) => f.key === r.featureKey)?.metered);
    if (metered.length && this.deps.meter) await this.deps.meter.schedule(tenantId, metered);
  }
}
