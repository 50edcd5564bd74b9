import type { Logger } from 'pino';
import { periodicJob, type PeriodicJob } from '../../platform/periodic-job.js';
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
  private readonly schedule: PeriodicJob;
  constructor(private readonly deps: AuditRetentionDeps) {
    this.schedule = periodicJob({ ...deps, name: PURGE_AUDIT_JOB, run: () => this.purge() });
  }

  /** Registers the job (worker role only) and schedules the next tick. */
  startWorker() {
    return this.schedule.start();
  }

  /** Stops a pending re-try of scheduling (shutdown). */
  stop() {
    this.schedule.stop();
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
