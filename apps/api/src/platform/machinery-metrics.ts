import { Gauge } from 'prom-client';
import type { Logger } from 'pino';
import { LATENCY_BUCKETS, type Metrics } from './metrics.js';
import type { Job, JobHandler, JobQueue } from './ports/types.js';
import type { SseRegistry } from './sse.js';

/**
 * Metrics of the platform's own machinery, the same for every module: background jobs and open
 * SSE streams. Modules add their own business metrics (chat runs, Stripe events…) beside these.
 *
 *   jobs_enqueued_total{job_name}            jobs handed to the queue by this process
 *   jobs_processed_total{job_name,outcome}   attempts run here: completed | failed (may retry)
 *   jobs_dead_total{job_name}                jobs that failed their last attempt
 *   job_duration_seconds{job_name,outcome}   time per attempt
 *
 * The label is `job_name`, not `job`: Prometheus owns `job` (the scrape job) and would rename ours.
 *   sse_streams_open                         SSE responses open on this process
 */
export function instrumentJobQueue(jobs: JobQueue, metrics: Metrics, logger: Logger): JobQueue {
  const enqueued = metrics.counter('jobs_enqueued_total', 'Jobs enqueued by this process, by job name', ['job_name']);
  const processed = metrics.counter(
    'jobs_processed_total',
    'Job attempts run by this process, by job name and outcome',
    ['job_name', 'outcome'],
  );
  const dead = metrics.counter('jobs_dead_total', 'Jobs that failed their last attempt, by job name', ['job_name']);
  const duration = metrics.histogram(
    'job_duration_seconds',
    'Duration of one job attempt',
    ['job_name', 'outcome'],
    LATENCY_BUCKETS,
  );
  return {
    async enqueue(name, data, options) {
      await jobs.enqueue(name, data, options);
      enqueued.inc({ job_name: name });
    },
    process<T>(
      name: string,
      handler: JobHandler<T>,
      options: { concurrency?: number; onFailed?: (job: Job<T>, err: unknown) => void } = {},
    ) {
      jobs.process<T>(
        name,
        async (job) => {
          const end = duration.startTimer({ job_name: name });
          try {
            await handler(job);
            end({ outcome: 'completed' });
            processed.inc({ job_name: name, outcome: 'completed' });
          } catch (err) {
            end({ outcome: 'failed' });
            processed.inc({ job_name: name, outcome: 'failed' });
            logger.warn(
              { event: 'job.attempt_failed', job: name, job_id: job.id, attempt: job.attempt, err },
              'job attempt failed',
            );
            throw err; // the queue decides whether to retry
          }
        },
        {
          ...options,
          onFailed: (job, err) => {
            dead.inc({ job_name: name });
            logger.error(
              { event: 'job.dead', job: name, job_id: job.id, attempt: job.attempt, err },
              'job failed its last attempt',
            );
            options.onFailed?.(job, err);
          },
        },
      );
    },
    close: () => jobs.close(),
  };
}

/** `sse_streams_open`, read from the registry whenever /metrics is scraped. */
export function registerStreamGauge(metrics: Metrics, sse: SseRegistry): void {
  if (metrics.registry.getSingleMetric('sse_streams_open')) return;
  new Gauge({
    name: 'sse_streams_open',
    help: 'SSE responses (chat, run events, billing) open on this process',
    registers: [metrics.registry],
    collect() {
      this.set(sse.size);
    },
  });
}
