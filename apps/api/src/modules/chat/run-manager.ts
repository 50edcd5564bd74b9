import type { Logger } from 'pino';
import type { Ports } from '../../platform/ports/index.js';
import { executeRun, type RunExecutionDeps, type RunInput, type RunOutcome } from './run-execution.js';
import { LiveRun } from './live-runs.js';
import { RUN_LOST, RunAbort } from './run-errors.js';
import { leasedRunLog } from './run-lease.js';
import { RunEventWriter, type LoggedRunEvent } from './run-events.js';
import type { ChatMetrics } from './chat.metrics.js';
import type { RunEvent } from '@agentry/contracts';

const CANCEL_CHANNEL = 'chat:runs:cancel';
/** A tenant id: every replica ends that tenant's runs (a suspension). */
const END_TENANT_CHANNEL = 'chat:runs:end-tenant';

/**
 * Owns the runs of this replica. A run belongs to the server, not to the HTTP connection that
 * started it: it keeps going when the client leaves, writes its events to the run event log, and
 * is cancelled through pub/sub so a cancel sent to any replica reaches the one running it.
 */
export class RunManager {
  private readonly active = new Map<
    string,
    { controller: AbortController; done: Promise<RunOutcome>; live: LiveRun; tenantId: string }
  >();
  private unsubscribe?: () => Promise<void>;
  private unsubscribeTenants?: () => Promise<void>;
  private heartbeat?: NodeJS.Timeout;
  private beating?: Promise<void>;

  constructor(
    private readonly deps: RunExecutionDeps & {
      ports: Pick<Ports, 'streams' | 'pubsub'>;
      logger: Logger;
      runTimeoutMs: number;
      retentionSeconds: number;
      /** How often the heartbeat of this replica's runs is refreshed (the reaper ends runs whose heartbeat went stale). */
      heartbeatMs: number;
      /** How long a paused run waits for its approvals (its event log is kept that long). */
      approvalTtlSeconds: number;
      metrics?: ChatMetrics;
    },
  ) {}

  async init() {
    this.unsubscribe = await this.deps.ports.pubsub.subscribe(CANCEL_CHANNEL, (runId) =>
      this.abortLocal(runId, new RunAbort('run_cancelled')),
    );
    this.unsubscribeTenants = await this.deps.ports.pubsub.subscribe(END_TENANT_CHANNEL, (tenantId) =>
      this.endLocalTenantRuns(tenantId),
    );
    this.heartbeat = setInterval(() => {
      if (this.beating || this.active.size === 0) return;
      this.beating = this.beat().finally(() => (this.beating = undefined));
    }, this.deps.heartbeatMs);
    this.heartbeat.unref();
  }

  /**
   * One heartbeat for all runs of this replica (one UPDATE), on the database's liveness connection:
   * a pool saturated by request traffic must not delay it past the stale limit. A run the reaper
   * already ended (this replica stalled longer than the stale limit) is stopped here: its log is
   * already closed. A run whose end is recorded but whose last events are still being appended (a
   * title under way) is not lost, and is left to finish.
   */
  private async beat() {
    const ids = [...this.active.keys()];
    try {
      const lost = await this.deps.repo.heartbeat(this.deps.database.liveness, ids);
      for (const id of lost) this.abortLocal(id, new RunAbort('run_lost'));
    } catch (err) {
      this.deps.logger.warn(
        { err, event: 'chat.run_heartbeat_failed', runs: ids.length },
        'could not refresh run heartbeats',
      );
    }
  }

  /**
   * The events of a run running on this replica, straight from memory (see LiveRun); undefined
   * when it does not run here (follow the shared log instead).
   */
  followLocal(runId: string, after: number, signal: AbortSignal): AsyncGenerator<LoggedRunEvent> | undefined {
    const live = this.active.get(runId)?.live;
    // A resumed run holds only the events after its pause in memory; earlier ones are in the log.
    if (!live || after < live.base) return undefined;
    return live.follow(after, signal);
  }

  get size() {
    return this.active.size;
  }

  /**
   * Appends `run.started` (so every follower sees it first) and runs in the background; resolves once
   * the log has `run.started` (rejects, the run stopped, when it could not be written).
   * `done` settles with the outcome; it never rejects.
   */
  async start(input: RunInput): Promise<{ done: Promise<RunOutcome> }> {
    return this.launch(input, 1, {
      event: 'run.started',
      data: { run_id: input.runId, conversation_id: input.conversationId, agent: input.agent.name },
    });
  }

  /**
   * Goes on with a paused run (`input.resume`) on this replica: appends `run.resumed` at
   * `nextEventId`, then runs as `start` does.
   */
  async resume(input: RunInput, nextEventId: number): Promise<{ done: Promise<RunOutcome> }> {
    return this.launch(input, nextEventId, { event: 'run.resumed', data: { run_id: input.runId } });
  }

  private async launch(input: RunInput, firstId: number, first: RunEvent): Promise<{ done: Promise<RunOutcome> }> {
    const live = new LiveRun(firstId - 1);
    const controller = new AbortController();
    // A write refused because the reaper ended the run stops it (run_lost): nothing after its terminal event.
    const log = leasedRunLog(this.deps.ports.streams, input.runId, () => controller.abort(new RunAbort('run_lost')));
    const runningSeconds = Math.ceil(this.deps.runTimeoutMs / 1000) + this.deps.retentionSeconds;
    const retention = {
      // Kept until the end even if this replica dies mid-run; shortened to the retention once it ends.
      runningSeconds,
      endedSeconds: this.deps.retentionSeconds,
      // A paused run's log must outlive the wait for approvals, and the resumed run after it.
      pausedSeconds: this.deps.approvalTtlSeconds + runningSeconds,
    };
    // The writer sets these TTLs in the appends of the first event and of the response's end.
    const writer = new RunEventWriter(log, input.runId, live, this.deps.metrics?.trackRun(), firstId, retention);
    await writer.append(first);
    // The first event goes to the log now and the run starts beside it: its model request does not
    // wait for that round trip. Followers still get nothing before the log confirmed it (the writer
    // hands events on in order, once in the log), and the run records nothing before it either.
    const started = writer.flush();
    let startFailed = false;

    const timer = setTimeout(() => controller.abort(new RunAbort('run_timeout')), this.deps.runTimeoutMs);
    let outcome: RunOutcome | undefined;
    const done = executeRun(this.deps, input, controller.signal, writer, started)
      .catch((err: unknown): RunOutcome => {
        const failed: RunOutcome = {
          status: 'failed',
          failure: { code: 'internal_error', message: 'The run failed unexpectedly.', retryable: true },
        };
        // Never started (below answers the caller): nothing to log here.
        if (startFailed) return failed;
        // The reaper ended the run meanwhile: its run.failed run_lost is the log's last event.
        if (isRunLost(err)) return this.lost(input.runId);
        // Only the event log itself failing gets here (executeRun handles everything else).
        this.deps.logger.error({ err, event: 'chat.run_log_failed', run_id: input.runId }, 'run event log failed');
        return failed;
      })
      .then((o) => (outcome = o))
      .finally(async () => {
        clearTimeout(timer);
        live.end();
        this.active.delete(input.runId);
        // The end's append set the retention, unless the log failed or the reaper ended the run.
        if (writer.retainedAfterEnd || startFailed) return;
        try {
          await writer.expire(outcome?.status === 'paused' ? retention.pausedSeconds : retention.endedSeconds);
        } catch (err) {
          this.deps.logger.warn(
            { err, event: 'chat.run_expire_failed', run_id: input.runId },
            'could not set run log retention',
          );
        }
      });
    this.active.set(input.runId, { controller, done, live, tenantId: input.caller.tenantId });
    try {
      // The log must work before the run goes on: a failure here is the caller's error, not a silent run.
      await started;
    } catch (err) {
      startFailed = true;
      // The run stops where it is (its model request too) without recording anything, as if never started.
      controller.abort(err);
      await done;
      // Reaped before its first event: the log already ends with run.failed run_lost, which followers read.
      if (isRunLost(err)) return { done: Promise.resolve(this.lost(input.runId)) };
      throw err;
    }
    return { done };
  }

  /** The outcome of a run that lost its lease to the reaper. */
  private lost(runId: string): RunOutcome {
    this.deps.logger.warn({ event: 'chat.run_lost', run_id: runId }, 'run ended by the reaper while running here');
    return { status: 'failed', failure: RUN_LOST };
  }

  /** Asks whichever replica runs `runId` to cancel it. */
  async cancel(runId: string): Promise<void> {
    if (this.abortLocal(runId, new RunAbort('run_cancelled'))) return;
    await this.deps.ports.pubsub.publish(CANCEL_CHANNEL, runId);
  }

  /**
   * Ends every running run of the tenant on every replica with `run.failed` `tenant_suspended`;
   * resolves once this replica's have ended (the others end on the broadcast).
   */
  async endTenantRuns(tenantId: string): Promise<void> {
    const ending = this.endLocalTenantRuns(tenantId);
    await this.deps.ports.pubsub.publish(END_TENANT_CHANNEL, tenantId);
    await Promise.allSettled(ending);
  }

  private endLocalTenantRuns(tenantId: string): Promise<RunOutcome>[] {
    const ending: Promise<RunOutcome>[] = [];
    for (const run of this.active.values()) {
      if (run.tenantId !== tenantId) continue;
      run.controller.abort(new RunAbort('tenant_suspended'));
      ending.push(run.done);
    }
    return ending;
  }

  private abortLocal(runId: string, reason: RunAbort): boolean {
    const run = this.active.get(runId);
    if (!run) return false;
    run.controller.abort(reason);
    return true;
  }

  /** Lets running runs finish for up to `graceMs`, then stops the rest (they end with run.failed). */
  async shutdown(graceMs: number) {
    clearInterval(this.heartbeat);
    await this.beating;
    await this.unsubscribe?.();
    await this.unsubscribeTenants?.();
    const pending = [...this.active.values()].map((r) => r.done);
    if (pending.length === 0) return;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([Promise.allSettled(pending), new Promise((r) => (timer = setTimeout(r, graceMs)))]);
    clearTimeout(timer);
    for (const run of this.active.values()) run.controller.abort(new RunAbort('server_shutdown'));
    await Promise.allSettled([...this.active.values()].map((r) => r.done));
  }
}

const isRunLost = (err: unknown) => err instanceof RunAbort && err.code === 'run_lost';
