import type { Logger } from 'pino';
import type { Database } from '../../platform/db/client.js';
import type { JobQueue } from '../../platform/ports/types.js';
import type { PlanCatalog } from './plans.js';
import type { StripeGateway } from './stripe-gateway.js';
import type { SubscriptionsRepo } from './subscriptions.repo.js';
import type { MeterReportScheduler } from './usage.service.js';
import type { RecordedUsage, UsageRepo } from './usage.repo.js';

export const METER_REPORT_JOB = 'billing-usage-report';

/** Stripe meter event name of a metered feature (create meters with these names in Stripe). */
export const meterEventName = (featureKey: string) => `agentry_${featureKey}`;

/**
 * Sends metered usage to Stripe as meter events, from a job (never inside the request that
 * recorded it). Each record is sent with its own id as `identifier` and idempotency key, so a
 * retried job cannot count twice; `reported_at` marks what has been sent.
 */
export class MeterReporter implements MeterReportScheduler {
  constructor(
    private readonly deps: {
      database: Database;
      jobs: JobQueue;
      usage: UsageRepo;
      subscriptions: SubscriptionsRepo;
      plans: PlanCatalog;
      gateway: StripeGateway;
      logger: Logger;
    },
  ) {}

  async schedule(tenantId: string, recorded: RecordedUsage[]) {
    if (!recorded.length) return;
    await this.deps.jobs.enqueue(
      METER_REPORT_JOB,
      { tenantId },
      { jobId: `usage-report_${recorded[0].recordId}`, attempts: 6, backoffMs: 5000 },
    );
  }

  registerWorker() {
    this.deps.jobs.process<{ tenantId: string }>(METER_REPORT_JOB, async (job) => {
      await this.report(job.data.tenantId);
    });
  }

  /** Reports every unreported metered record of the tenant; returns how many were sent. */
  async report(tenantId: string): Promise<number> {
    const db = this.deps.database.db;
    const customerId = await this.deps.subscriptions.findCustomer(db, tenantId);
    if (!customerId) return 0; // no Stripe customer yet: the backlog goes with the next report
    const metered = new Set(
      (await this.deps.plans.list()).flatMap((p) => p.features.filter((f) => f.metered).map((f) => f.key)),
    );
    const records = await this.deps.usage.unreported(db, tenantId, [...metered]);
    for (const record of records) {
      await this.deps.gateway.createMeterEvent({
        eventName: meterEventName(record.featureKey),
        customerId,
        value: record.quantity,
        identifier: record.id,
        timestamp: record.createdAt,
      });
      await this.deps.usage.markReported(db, tenantId, record.id);
    }
    if (records.length)
      this.deps.logger.info(
        { event: 'billing.usage_reported', tenant_id: tenantId, records: records.length },
        'usage reported to Stripe',
      );
    return records.length;
  }
}
