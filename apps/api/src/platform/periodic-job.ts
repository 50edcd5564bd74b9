import type { Logger } from 'pino';
import type { JobQueue } from './ports/types.js';

export interface PeriodicJob {
  /** Registers the job (worker role only) and schedules the first tick. */
  start(): Promise<void>;
  /** Stops a pending re-try of scheduling (shutdown). */
  stop(): void;
}

/**
 * A job that runs once per `intervalMs` slot however many workers run it: the slot is in the job id,
 * so every worker that schedules the next tick schedules the same job. Each tick schedules the next
 * one first, so a failing run does not break the chain, and never the same slot again (a timer that
 * fires a millisecond early would otherwise compute this slot, whose job id is taken). When the queue
 * is unreachable (a Redis outage) the chain must not die and start-up must not fail: log, and try
 * again after one interval on this worker.
 */
export function periodicJob(options: {
  jobs: JobQueue;
  logger: Logger;
  /** The queue name; the job ids are `<name with - for .>_<slot>`. */
  name: string;
  intervalMs: number;
  run: () => Promise<unknown>;
}): PeriodicJob {
  const { jobs, logger, name, intervalMs, run } = options;
  let retry: NodeJS.Timeout | undefined;

  async function scheduleNext(minSlot = 0): Promise<void> {
    const slot = Math.max(Math.floor(Date.now() / intervalMs) + 1, minSlot);
    const delayMs = Math.max(0, slot * intervalMs - Date.now());
    try {
      await jobs.enqueue(
        name,
        { slot },
        { jobId: `${name.replace(/\./g, '-')}_${slot}`, delayMs, attempts: 3, backoffMs: Math.min(1000, intervalMs) },
      );
    } catch (err) {
      logger.warn({ err, event: 'jobs.schedule_failed', job: name }, 'could not schedule a periodic job; retrying');
      retry = setTimeout(() => void scheduleNext(minSlot), intervalMs);
      retry.unref();
    }
  }

  return {
    async start() {
      jobs.process<{ slot?: number }>(
        name,
        async (job) => {
          await scheduleNext((job.data.slot ?? 0) + 1);
          await run();
        },
        { concurrency: 1 },
      );
      await scheduleNext();
    },
    stop() {
      clearTimeout(retry);
    },
  };
}
