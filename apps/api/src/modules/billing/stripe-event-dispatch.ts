import type Stripe from 'stripe';
import type { Logger } from 'pino';
import type { Database } from '../../platform/db/client.js';
import type { JobQueue } from '../../platform/ports/types.js';
import type { Metrics } from '../../platform/metrics.js';
import type { StripeEventHandlers } from './stripe-event-handlers.js';
import type { StripeEventsRepo } from './stripe-events.repo.js';

export const STRIPE_EVENT_JOB = 'billing-stripe-event';

/**
 * Dispatches stored Stripe events through the job queue: BullMQ with exponential backoff in
 * production, the in-process queue when embedded. The event row, not the job, decides whether
 * work remains, so a duplicated or retried job after success changes nothing.
 */
export class StripeEventDispatcher {
  private readonly outcomes;

  constructor(
    private readonly deps: {
      database: Database;
      events: StripeEventsRepo;
      handlers: StripeEventHandlers;
      jobs: JobQueue;
      maxAttempts: number;
      backoffMs: number;
      logger: Logger;
      metrics: Metrics;
    },
  ) {
    this.outcomes = deps.metrics.counter(
      'stripe_events_processed_total',
      'Stripe webhook events dispatched, by type and outcome',
      ['type', 'outcome'],
    );
  }

  /** Queues an event; `replay` uses a fresh job id so a finished job's id does not swallow it. */
  async enqueue(stripeEventId: string, options: { replay?: boolean } = {}) {
    const jobId = `stripe-event_${stripeEventId}${options.replay ? `_replay_${Date.now()}` : ''}`;
    await this.deps.jobs.enqueue(
      STRIPE_EVENT_JOB,
      { stripeEventId },
      { jobId, attempts: this.deps.maxAttempts, backoffMs: this.deps.backoffMs },
    );
  }

  /** Registers the worker (only on processes with the `worker` role). */
  registerWorker() {
    this.deps.jobs.process<{ stripeEventId: string }>(
      STRIPE_EVENT_JOB,
      async (job) => {
        await this.process(job.data.stripeEventId, { finalAttempt: job.attempt >= this.deps.maxAttempts });
      },
      {
        onFailed: (job, err) =>
          this.deps.logger.error(
            { event: 'stripe.event_failed', stripe_event_id: job.data.stripeEventId, attempts: job.attempt, err },
            'stripe event failed for good',
          ),
      },
    );
  }

  /**
   * Runs the handler for one stored event. Returns what happened; throws (after recording the
   * error) when the handler failed, so the queue retries it.
   */
  async process(
    stripeEventId: string,
    options: { finalAttempt: boolean },
  ): Promise<'processed' | 'ignored' | 'skipped'> {
    const db = this.deps.database.db;
    const row = await this.deps.events.startAttempt(db, stripeEventId);
    if (!row) return 'skipped';
    try {
      const outcome = await this.deps.handlers.handle(row.payload as Stripe.Event);
      const status = outcome.handled ? 'processed' : 'ignored';
      await this.deps.events.finish(db, stripeEventId, status, outcome.tenantId);
      this.outcomes.inc({ type: row.type, outcome: status });
      this.deps.logger.info(
        {
          event: 'stripe.event_processed',
          stripe_event_id: stripeEventId,
          type: row.type,
          status,
          attempt: row.attempts,
        },
        'stripe event processed',
      );
      return status;
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      await this.deps.events.fail(db, stripeEventId, message, options.finalAttempt);
      this.outcomes.inc({ type: row.type, outcome: options.finalAttempt ? 'failed' : 'retry' });
      this.deps.logger.warn(
        {
          event: 'stripe.event_attempt_failed',
          stripe_event_id: stripeEventId,
          type: row.type,
          attempt: row.attempts,
          final: options.finalAttempt,
          error: message,
        },
        'stripe event attempt failed',
      );
      throw err;
    }
  }
}
