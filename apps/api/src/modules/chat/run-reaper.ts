import type { Logger } from 'pino';
import { periodicJob, type PeriodicJob } from '../../platform/periodic-job.js';
import type { Database } from '../../platform/db/client.js';
import type { EventStreams, JobQueue, StreamEntry } from '../../platform/ports/types.js';
import type { ChatRepo } from './chat.repo.js';
import { RUN_LOST } from './run-errors.js';
import { isTerminalEntry, runStreamKey, sequenceOf, streamIdOf } from './run-events.js';

export const REAP_RUNS_JOB = 'chat.reap-runs';
const BATCH = 100;
/** A live run writing while it is reaped can take the id of its end a few times in a row. */
const END_LOG_ATTEMPTS = 3;

export interface RunReaperDeps {
  database: Database;
  repo: ChatRepo;
  streams: EventStreams;
  jobs: JobQueue;
  logger: Logger;
  staleMs: number;
  intervalMs: number;
  retentionSeconds: number;
  /** Paused runs: those waiting past APPROVAL_TTL_SECONDS are ended (`approval_expired`) on each tick. */
  pauses?: { expireDue(): Promise<number> };
}

/**
 * Ends runs whose replica died mid-run: their row stays `running` and their followers would wait
 * until the log expires. A run whose heartbeat is older than `staleMs` is marked failed
 * (`run_lost`) and gets a terminal `run.failed` (retryable) appended to its log, so followers on
 * every replica end. Runs as a job on worker processes: one job per interval slot, with the slot
 * in its job id, so however many workers schedule the next tick, it runs once.
 */
export class RunReaper {
  private readonly schedule: PeriodicJob;
  constructor(private readonly deps: RunReaperDeps) {
    this.schedule = periodicJob({ ...deps, name: REAP_RUNS_JOB, run: () => this.reap() });
  }

  /** Registers the job (worker role only) and schedules the next tick. */
  startWorker() {
    return this.schedule.start();
  }

  /** Stops a pending re-try of scheduling (shutdown). */
  stop() {
    this.schedule.stop();
  }

  /** Ends every stale run; returns how many. */
  async reap(): Promise<number> {
    let total = 0;
    for (;;) {
      const runs = await this.deps.repo.reapStale(
        this.deps.database.db,
        new Date(Date.now() - this.deps.staleMs),
        BATCH,
      );
      for (const run of runs) {
        try {
          await this.endLog(run.id);
        } catch (err) {
          // The row is already failed (new followers end at once); only live followers keep waiting, until the log expires.
          this.deps.logger.error(
            { err, event: 'chat.run_reap_log_failed', run_id: run.id },
            'could not append run.failed to a lost run',
          );
        }
      }
      total += runs.length;
      if (runs.length < BATCH) break;
    }
    if (total) this.deps.logger.warn({ event: 'chat.runs_reaped', count: total }, 'ended runs lost with their replica');
    const expired = (await this.deps.pauses?.expireDue()) ?? 0;
    if (expired)
      this.deps.logger.info(
        { event: 'chat.paused_runs_expired', count: expired },
        'ended runs waiting too long for approval',
      );
    return total + expired;
  }

  /**
   * Appends `run.failed` after the last event in the run's log (ids stay consecutive). A run that is
   * in fact alive (its replica stalled) may take that id first: then the end is appended after its
   * newer events, and the run's next write, refused, stops it (run-lease.ts).
   */
  private async endLog(runId: string) {
    const key = runStreamKey(runId);
    for (let attempt = 1; ; attempt++) {
      let last: StreamEntry | undefined;
      for (;;) {
        const batch = await this.deps.streams.read(key, last?.id ?? null, 500);
        if (batch.length) last = batch[batch.length - 1];
        if (batch.length < 500) break;
      }
      if (last && isTerminalEntry(last)) break; // the run ended itself (its own run.failed run_lost)
      const { code, message, retryable } = RUN_LOST;
      try {
        await this.deps.streams.append(
          key,
          JSON.stringify({ event: 'run.failed', data: { run_id: runId, code, message, retryable } }),
          { id: streamIdOf(last ? sequenceOf(last.id) + 1 : 1) },
        );
        break;
      } catch (err) {
        if (attempt >= END_LOG_ATTEMPTS) throw err;
      }
    }
    await this.deps.streams.expire(key, this.deps.retentionSeconds);
  }
}
