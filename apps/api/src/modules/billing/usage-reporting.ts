import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { Database } from '../../platform/db/client.js';
import type { JobQueue, Leases } from '../../platform/ports/types.js';
import type { PlanCatalog } from './plans.js';
import { StripeGatewayError, type StripeGateway } from './stripe-gateway.js';
import type { SubscriptionsRepo } from './subscriptions.repo.js';
import type { MeterReportScheduler } from './usage.service.js';
import type { RecordedUsage, UsageRepo } from './usage.repo.js';

export const METER_REPORT_JOB = 'billing-usage-report';

/** Stripe meter event name of a metered feature (create meters with these names in Stripe). */
export const meterEventName = (featureKey: string) => `agentry_${featureKey}`;

/** Stripe accepts meter events with timestamps up to 35 days in the past. */
export const METER_EVENT_MAX_AGE_MS = 35 * 86_400_000;

/** How long one reporter holds a tenant's report lease without renewing it (renewed every batch). */
const REPORT_LEASE_TTL_MS = 60_000;

/**
 * Sends metered usage to Stripe as meter events, from a job (never inside the request that
 * recorded it). Each record is sent with its own id as `identifier` and idempotency key, so a
 * retried job cannot count twice; `reported_at` marks what has been sent.
 *
 * One reporter at a time per tenant (a lease shared by every worker): two jobs for the same tenant,
 * on one worker or two, would otherwise read the same unreported records and both send them. A job
 * that finds the lease taken leaves the work to the holder, which drains in batches and, after
 * letting go, looks once more for records that arrived meanwhile.
 */
export class MeterReporter implements MeterReportScheduler {
  constructor(
    private readonly deps: {
      database: Database;
      jobs: JobQueue;
      leases: Leases;
      usage: UsageRepo;
      subscriptions: SubscriptionsRepo;
      plans: PlanCatalog;
      gateway: StripeGateway;
      logger: Logger;
      /** Records read and sent per batch. */
      batchSize?: number;
      /** Base of the job's exponential backoff after a failure (Stripe unavailable). */
      backoffMs?: number;
    },
  ) {}

  async schedule(tenantId: string, recorded: RecordedUsage[]) {
    if (!recorded.length) return;
    await this.deps.jobs.enqueue(
      METER_REPORT_JOB,
      { tenantId },
      { jobId: `usage-report_${recorded[0].recordId}`, attempts: 6, backoffMs: this.deps.backoffMs ?? 5000 },
    );
  }

  registerWorker() {
    this.deps.jobs.process<{ tenantId: string }>(METER_REPORT_JOB, async (job) => {
      await this.report(job.data.tenantId);
    });
  }

  /**
   * Reports every unreported metered record of the tenant, in batches; returns how many this call
   * sent (0 when another reporter holds the tenant: it sends them).
   *
   * A record Stripe refuses for good (`rejected`/`not_found`: say a timestamp outside its window) is
   * logged and left unreported, and the others go on: one bad record must not stall a tenant's
   * metering. Records older than Stripe accepts (`METER_EVENT_MAX_AGE_MS`) are not sent at all.
   * Stripe unavailable or our key refused: the job fails and the queue retries it.
   */
  async report(tenantId: string): Promise<number> {
    const key = `billing:usage-report:${tenantId}`;
    const refused = new Set<string>();
    let sent = 0;
    for (;;) {
      const leaseId = randomUUID();
      const grant = await this.deps.leases.acquire(key, leaseId, { limit: 1, ttlMs: REPORT_LEASE_TTL_MS });
      if (!grant.acquired) return sent;
      try {
        sent += await this.drain(tenantId, refused, () => this.deps.leases.renew(key, leaseId, REPORT_LEASE_TTL_MS));
      } finally {
        await this.deps.leases.release(key, leaseId);
      }
      // A job that ran while we held the lease left its records to us: look once more, unlocked.
      if (!(await this.pending(tenantId, refused))) return sent;
    }
  }

  private async metered() {
    return [
      ...new Set((await this.deps.plans.list()).flatMap((p) => p.features.filter((f) => f.metered).map((f) => f.key))),
    ];
  }

  private filter(refused: Set<string>) {
    return { since: new Date(Date.now() - METER_EVENT_MAX_AGE_MS), exclude: [...refused] };
  }

  private async pending(tenantId: string, refused: Set<string>) {
    const db = this.deps.database.db;
    if (!(await this.deps.subscriptions.findCustomer(db, tenantId))) return 0;
    return (await this.deps.usage.unreported(db, tenantId, await this.metered(), 1, this.filter(refused))).length;
  }

  private async drain(tenantId: string, refused: Set<string>, renew: () => Promise<boolean>): Promise<number> {
    const db = this.deps.database.db;
    const customerId = await this.deps.subscriptions.findCustomer(db, tenantId);
    if (!customerId) return 0; // no Stripe customer yet: the backlog goes with the next report
    const metered = await this.metered();
    const batchSize = this.deps.batchSize ?? 100;
    let sent = 0;
    for (;;) {
      const records = await this.deps.usage.unreported(db, tenantId, metered, batchSize, this.filter(refused));
      let batchSent = 0;
      for (const record of records) {
        try {
          await this.deps.gateway.createMeterEvent({
            eventName: meterEventName(record.featureKey),
            customerId,
            value: record.quantity,
            identifier: record.id,
            timestamp: record.createdAt,
          });
        } catch (err) {
          if (!(err instanceof StripeGatewayError) || (err.kind !== 'rejected' && err.kind !== 'not_found')) throw err;
          refused.add(record.id);
          this.deps.logger.error(
            {
              event: 'billing.usage_report_refused',
              tenant_id: tenantId,
              record_id: record.id,
              feature: record.featureKey,
              stripe_code: err.stripeCode,
              err: err.message,
            },
            'Stripe refused a meter event; the record stays unreported',
          );
          continue;
        }
        await this.deps.usage.markReported(db, tenantId, record.id);
        batchSent++;
      }
      sent += batchSent;
      if (batchSent)
        this.deps.logger.info(
          { event: 'billing.usage_reported', tenant_id: tenantId, records: batchSent },
          'usage reported to Stripe',
        );
      if (records.length < batchSize) return sent;
      if (!(await renew())) return sent; // the lease lapsed: another reporter may be at it now
    }
  }
}
