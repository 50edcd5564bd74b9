import type { Approval, ApprovalDecisionRequest, Usage } from '@agentry/contracts';
import type { Logger } from 'pino';
import { actorOf, type AuditLog } from '../../platform/audit.js';
import { ownerIdOf, type Caller } from '../../platform/caller.js';
import type { Database } from '../../platform/db/client.js';
import { AppError } from '../../platform/errors.js';
import type { EventStreams, JobQueue } from '../../platform/ports/types.js';
import type { AgentsService } from '../agents/agents.service.js';
import type { TurnWrites } from '../conversations/turn-writes.js';
import type { ApprovalRow, ApprovalsRepo } from './approvals.repo.js';
import type { ChatRepo } from './chat.repo.js';
import type { RunFailure } from './run-errors.js';
import { runStreamKey, streamIdOf } from './run-events.js';
import type { PausedApproval, RunInput, SavedTranscript } from './run-execution.js';
import type { RunManager } from './run-manager.js';
import type { ChatUsageHooks } from './usage-hooks.js';
import type { AgentInputItem } from '@openai/agents';

export const RESUME_RUN_JOB = 'chat.resume-run';

export const APPROVAL_EXPIRED: RunFailure = {
  code: 'approval_expired',
  message: 'Nobody decided on the tool call in time; the run was stopped.',
  retryable: false,
};
const CANCELLED: RunFailure = { code: 'run_cancelled', message: 'The run was cancelled.', retryable: false };

export interface RunPausesDeps {
  database: Database;
  runsRepo: ChatRepo;
  repo: ApprovalsRepo;
  jobs: JobQueue;
  streams: EventStreams;
  agents: Pick<AgentsService, 'agentToRun' | 'guardrailsOf'>;
  turns: Pick<TurnWrites, 'sessionFor' | 'keepUserItems'>;
  usageHooks?: ChatUsageHooks;
  audit?: AuditLog;
  logger: Logger;
  ttlSeconds: number;
  retentionSeconds: number;
}

export function toApproval(row: ApprovalRow): Approval {
  return {
    approval_id: row.id,
    run_id: row.runId,
    conversation_id: row.conversationId,
    name: row.name,
    arguments: row.arguments,
    status: row.status as Approval['status'],
    requested_at: row.requestedAt.toISOString(),
    decided_at: row.decidedAt ? row.decidedAt.toISOString() : null,
  };
}

/**
 * Runs paused for a person's approval: stored in PostgreSQL when a tool that needs approval is
 * called (the run leaves memory), decided through the API, resumed by a job on whichever worker
 * takes it, ended by cancel or by the reaper once `ttlSeconds` have passed. Every transition that
 * must happen once (resume, end, decision) is a conditional UPDATE.
 */
export class RunPauses {
  private runs?: RunManager;
  constructor(private readonly deps: RunPausesDeps) {}

  /** The run manager resumes runs (set once both exist: each needs the other). */
  attach(runs: RunManager) {
    this.runs = runs;
  }

  /** Stores the paused run, its approvals and the run row's new status, in one transaction (status `pausing`). */
  async pause(
    input: RunInput,
    p: { state: string; transcript: SavedTranscript; approvals: PausedApproval[]; usage: Usage; nextEventId: number },
  ): Promise<void> {
    const { caller, runId, conversationId } = input;
    const userId = ownerIdOf(caller);
    await this.deps.database.db.transaction(async (tx) => {
      await this.deps.repo.upsertPause(tx, {
        runId,
        tenantId: caller.tenantId,
        userId,
        conversationId,
        userMessageId: input.session.turn.userMessageId,
        historyTipId: input.session.turn.historyTipId,
        agent: input.entryAgent ?? input.agent.name,
        state: p.state,
        caller: caller as unknown as Record<string, unknown>,
        stagedItems: JSON.parse(JSON.stringify(input.session.stagedItems())) as unknown,
        transcript: p.transcript as unknown as Record<string, unknown>,
        nextEventId: p.nextEventId,
        expiresAt: new Date(Date.now() + this.deps.ttlSeconds * 1000),
      });
      await this.deps.repo.insertApprovals(
        tx,
        p.approvals.map((a) => ({
          id: a.approvalId,
          tenantId: caller.tenantId,
          userId,
          conversationId,
          runId,
          callId: a.callId,
          name: a.name,
          arguments: a.arguments,
        })),
      );
      await this.deps.runsRepo.pauseRun(tx, caller.tenantId, runId, {
        inputTokens: p.usage.input_tokens,
        outputTokens: p.usage.output_tokens,
      });
    });
  }

  /** The pause's events are in the log: it may be resumed (now, if everything was decided meanwhile). */
  async paused(runId: string): Promise<void> {
    // Not `pausing` any more: ended meanwhile (a cancel from someone who saw `run.paused`, see cancel).
    if (!(await this.deps.repo.markWaiting(this.deps.database.db, runId))) return;
    if ((await this.deps.repo.pendingCount(this.deps.database.db, runId)) === 0) await this.enqueueResume(runId);
  }

  async list(caller: Caller, filter: { status?: string; conversation_id?: string }): Promise<Approval[]> {
    const rows = await this.deps.repo.listOwned(this.deps.database.db, caller.tenantId, ownerIdOf(caller), {
      status: filter.status,
      conversationId: filter.conversation_id,
    });
    return rows.map(toApproval);
  }

  async forRun(runId: string): Promise<Approval[]> {
    return (await this.deps.repo.forRun(this.deps.database.db, runId)).map(toApproval);
  }

  /**
   * The caller decides one of their approvals (404 for anyone else's). Deciding the last pending
   * one of the run enqueues its resume; the count is read after the decision commits, so of two
   * concurrent last decisions at least one sees none left (and the claim lets only one resume).
   */
  async decide(caller: Caller, runId: string, approvalId: string, body: ApprovalDecisionRequest) {
    const { database, repo } = this.deps;
    const db = database.db;
    const row = await repo.findOwned(db, caller.tenantId, ownerIdOf(caller), runId, approvalId);
    if (!row) throw new AppError('not_found', 'Approval not found.');
    const notBefore = new Date(Date.now() - this.deps.ttlSeconds * 1000);
    const status = body.decision === 'approve' ? 'approved' : 'rejected';
    const decided = await db.transaction(async (tx) => {
      const updated = await repo.decide(tx, approvalId, { status, message: body.message ?? null }, notBefore);
      if (updated)
        await this.deps.audit?.record(tx, {
          tenantId: caller.tenantId,
          action: 'approval.decided',
          actor: actorOf(caller),
          target: { type: 'approval', id: approvalId },
          metadata: { run_id: runId, tool: row.name, decision: body.decision },
        });
      return updated;
    });
    if (!decided) {
      const now = await repo.findOwned(db, caller.tenantId, ownerIdOf(caller), runId, approvalId);
      if (now?.status === 'expired' || (now?.status === 'pending' && now.requestedAt <= notBefore))
        throw new AppError('approval_expired', 'This approval expired.');
      throw new AppError('already_decided', 'This approval was already decided.');
    }
    if ((await repo.pendingCount(db, runId)) === 0) await this.enqueueResume(runId);
    return { approval_id: approvalId, decision: body.decision };
  }

  /**
   * Only for a `waiting` pause: a decision made while it is still `pausing` (by someone who saw
   * `run.paused` first) leaves the resume to `paused`, which counts the pending ones after marking
   * it waiting. A resume job enqueued earlier would find nothing to claim, and its job id would
   * keep the later one from being enqueued.
   */
  private async enqueueResume(runId: string) {
    const pause = await this.deps.repo.pauseState(this.deps.database.db, runId);
    if (pause?.status !== 'waiting') return;
    const { nextEventId } = pause;
    await this.deps.jobs.enqueue(
      RESUME_RUN_JOB,
      { runId },
      { jobId: `chat-resume_${runId}_${nextEventId}`, attempts: 3, backoffMs: 1000 },
    );
  }

  /** The job: takes the pause (once, whatever the replicas do) and runs the rest of the run here. */
  async resume(runId: string): Promise<boolean> {
    const { database, repo, runsRepo } = this.deps;
    const claimed = await database.db.transaction(async (tx) => {
      const p = await repo.claimForResume(tx, runId);
      if (!p) return undefined;
      // The tokens used before the pause (stored on the run row by `pause`, in its transaction).
      const run = await runsRepo.findById(tx, runId);
      await runsRepo.resumeRun(tx, runId);
      return { pause: p, tokens: { input: run?.inputTokens ?? 0, output: run?.outputTokens ?? 0 } };
    });
    if (!claimed) return false;
    const { pause, tokens } = claimed;
    const approvals = await repo.forRun(database.db, runId);
    const caller = pause.caller as Caller;
    // The same branch as before the pause: items of the question go with it, the rest with the answer.
    const session = this.deps.turns.sessionFor(
      caller,
      {
        conversationId: pause.conversationId,
        userMessageId: pause.userMessageId,
        historyTipId: pause.historyTipId,
        message: '',
        attachments: [],
        isNew: false,
      },
      runId,
    );
    await session.addItems(pause.stagedItems as AgentInputItem[]);
    if (!this.runs) throw new Error('RunPauses used before attach()');
    await this.runs.resume(
      {
        caller,
        runId,
        conversationId: pause.conversationId,
        agent: await this.deps.agents.agentToRun(pause.agent),
        entryAgent: pause.agent,
        message: '',
        session,
        // The entry agent's guardrail defaults apply after the pause as before it (merged with the
        // tenant's rules as they are now, like every stage of a run).
        agentGuardrails: this.deps.agents.guardrailsOf(pause.agent),
        resume: {
          state: pause.state,
          transcript: pause.transcript as unknown as SavedTranscript,
          decisions: approvals
            .filter((a) => a.status === 'approved' || a.status === 'rejected')
            .map((a) => ({ callId: a.callId, name: a.name, approved: a.status === 'approved', message: a.message })),
          usage: {
            input_tokens: tokens.input,
            output_tokens: tokens.output,
            total_tokens: tokens.input + tokens.output,
          },
        },
      },
      pause.nextEventId,
    );
    return true;
  }

  /**
   * Cancels a paused run (false when it is not paused any more: resumed or ended). The pause's
   * replica marks it `waiting` after its events are in the log, but a follower may see `run.paused`
   * and cancel before that: a pause still `pausing` whose `run.paused` is in the log is ended too
   * (its `run.failed` then goes right after it; `paused` finds it ended and does not resume it).
   */
  async cancel(runId: string): Promise<boolean> {
    if (await this.end(runId, ['waiting'], 'cancelled', CANCELLED)) return true;
    if (!(await this.pauseIsLogged(runId))) return false;
    return this.end(runId, ['pausing', 'waiting'], 'cancelled', CANCELLED);
  }

  /** The pause's last event, `run.paused` (id nextEventId − 1), is in the run's log, so every earlier one is. */
  private async pauseIsLogged(runId: string): Promise<boolean> {
    const next = (await this.deps.repo.pauseState(this.deps.database.db, runId))?.nextEventId;
    if (next === undefined || next < 2) return false;
    const [entry] = await this.deps.streams.read(runStreamKey(runId), streamIdOf(next - 2), 1);
    return entry?.id === streamIdOf(next - 1);
  }

  /** Ends every run waiting past its expiry with `run.failed` `approval_expired`; returns how many. */
  async expireDue(): Promise<number> {
    let total = 0;
    for (;;) {
      const ids = await this.deps.repo.expiredPauses(this.deps.database.db, new Date(), 100);
      let ended = 0;
      for (const id of ids) if (await this.end(id, ['pausing', 'waiting'], 'expired', APPROVAL_EXPIRED)) ended++;
      total += ended;
      if (ids.length < 100 || ended === 0) break;
    }
    return total;
  }

  /**
   * Ends a paused run: the pause (taken conditionally), its pending approvals (`expired`), the user's
   * message into the model's memory and the run row, in one transaction; then `run.failed` after
   * the last event of its log and its usage.
   */
  private async end(runId: string, from: string[], to: 'expired' | 'cancelled', failure: RunFailure) {
    const { database, repo, runsRepo } = this.deps;
    const ended = await database.db.transaction(async (tx) => {
      const pause = await repo.claimToEnd(tx, runId, from, to);
      if (!pause) return undefined;
      await repo.expirePending(tx, runId);
      const caller = pause.caller as Caller;
      // The same branch as before the pause: items of the question go with it, the rest with the answer.
      const session = this.deps.turns.sessionFor(
        caller,
        {
          conversationId: pause.conversationId,
          userMessageId: pause.userMessageId,
          historyTipId: pause.historyTipId,
          message: '',
          attachments: [],
          isNew: false,
        },
        runId,
      );
      await session.addItems(pause.stagedItems as AgentInputItem[]);
      await this.deps.turns.keepUserItems(tx, session);
      const run = await runsRepo.findById(tx, runId);
      const tokens = { inputTokens: run?.inputTokens ?? 0, outputTokens: run?.outputTokens ?? 0 };
      await runsRepo.finishRun(tx, pause.tenantId, runId, { status: 'failed', errorCode: failure.code, ...tokens });
      return { pause, caller, tokens };
    });
    if (!ended) return false;
    const key = runStreamKey(runId);
    try {
      await this.deps.streams.append(
        key,
        JSON.stringify({ event: 'run.failed', data: { run_id: runId, ...failure } }),
        { id: streamIdOf(ended.pause.nextEventId) },
      );
      await this.deps.streams.expire(key, this.deps.retentionSeconds);
    } catch (err) {
      this.deps.logger.error(
        { err, event: 'chat.pause_end_log_failed', run_id: runId },
        'could not end a paused run log',
      );
    }
    try {
      await this.deps.usageHooks?.recordRunUsage(ended.caller, {
        runId,
        conversationId: ended.pause.conversationId,
        messages: 1,
        inputTokens: ended.tokens.inputTokens,
        outputTokens: ended.tokens.outputTokens,
      });
    } catch (err) {
      this.deps.logger.error({ err, event: 'chat.usage_record_failed', run_id: runId }, 'could not record run usage');
    }
    this.deps.logger.info({ event: 'chat.paused_run_ended', run_id: runId, code: failure.code }, 'paused run ended');
    return true;
  }
}
