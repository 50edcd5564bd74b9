import type { Logger } from 'pino';
import type { Database } from '../../platform/db/client.js';
import type { JobQueue } from '../../platform/ports/types.js';
import type { AuditRepo } from './audit.repo.js';

export const PURGE_AUDIT_JOB = 'audit.purge';
const BATCH = 5000;

export interface AuditRetentionDeps {
  database: Database;
  repo: AuditRepo;
  jobs: JobQueue;
  logger: Logger;
  retentionDays: number;
  intervalMs: number;
}

/**
 * The audit log's retention (`AUDIT_RETENTION_DAYS`, 365): events older than that are deleted, in
 * batches, by the only DELETE the append-only trigger lets through. Runs as a job on worker
 * processes, one per interval slot (the slot is in the job id, so several workers run it once).
 */
export class AuditRetention {
  private retry?: NodeJS.Timeout;
  constructor(private readonly deps: AuditRetentionDeps) {}

  async startWorker() {
    this.deps.jobs.process<{ slot?: number }>(
      PURGE_AUDIT_JOB,
      async (job) => {
        await this.scheduleNext((job.data.slot ?? 0) + 1);
        await this.purge();
      },
      { concurrency: 1 },
    );
    await this.scheduleNext();
  }

  private async scheduleNext(minSlot = 0) {
    const slot = Math.max(Math.floor(Date.now() / this.deps.intervalMs) + 1, minSlot);
    const delayMs = Math.max(0, slot * this.deps.intervalMs - Date.now());
    try {
      await this.deps.jobs.enqueue(
        PURGE_AUDIT_JOB,
        { slot },
        { jobId: `audit-purge_${slot}`, delayMs, attempts: 3, backoffMs: 1000 },
      );
    } catch (err) {
      this.deps.logger.warn(
        { err, event: 'audit.purge_schedule_failed' },
        'could not schedule the audit purge; retrying',
      );
      this.retry = setTimeout(() => void this.scheduleNext(minSlot), this.deps.intervalMs);
      this.retry.unref();
    }
  }

  stop() {
    clearTimeout(this.retry);
  }

  /** Deletes every event older than the retention (as of `now`); returns how many. */
  async purge(now = new Date()): Promise<number> {
    const cutoff = new Date(now.getTime() - this.deps.retentionDays * 86_400_000);
    let total = 0;
    for (;;) {
      const n = await this.deps.repo.purgeBatch(this.deps.database.db, cutoff, BATCH);
      total += n;
      if (n < BATCH) break;
    }
    if (total)
      this.deps.logger.info(
        { event: 'audit.purged', count: total, cutoff: cutoff.toISOString() },
        'audit events purged',
      );
    return total;
  }
}
