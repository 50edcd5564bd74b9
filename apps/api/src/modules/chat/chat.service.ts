import { randomUUID } from 'node:crypto';
import {
  RESPONSE_END_EVENTS,
  type ChatPausedResponse,
  type ChatRequest,
  type ChatResponse,
  type ErrorCode,
  type RunFailureCode,
} from '@agentry/contracts';
import { AppError } from '../../platform/errors.js';
import { ownerIdOf, type Caller } from '../../platform/caller.js';
import { followStream } from '../../platform/ports/follow.js';
import type { Database } from '../../platform/db/client.js';
import type { EventStreams } from '../../platform/ports/types.js';
import type { AgentsService } from '../agents/agents.service.js';
import type { TurnWrites } from '../conversations/turn-writes.js';
import type { GuardrailsService } from '../guardrails/guardrails.service.js';
import type { RunSlots } from '../ratelimit/ratelimit.hooks.js';
import { checkAttachments, RunAttachments, type AttachmentSettings, type AttachmentSource } from './attachments.js';
import type { ChatRepo } from './chat.repo.js';
import type { RunOutcome } from './run-execution.js';
import { isResponseEndEntry, parseEntry, runStreamKey, streamIdOf, type LoggedRunEvent } from './run-events.js';
import type { RunManager } from './run-manager.js';
import type { RunPauses } from './run-pauses.js';
import type { ChatUsageHooks } from './usage-hooks.js';

/** How `POST /chat` (which waits for the end) answers a run that failed. */
const FAILURE_STATUS: Record<RunFailureCode, ErrorCode> = {
  run_cancelled: 'conflict',
  run_timeout: 'unavailable',
  max_turns_exceeded: 'bad_gateway',
  model_error: 'bad_gateway',
  model_behavior_error: 'bad_gateway',
  tool_error: 'bad_gateway',
  guardrail_tripped: 'bad_request',
  internal_error: 'internal_error',
  run_lost: 'unavailable',
  approval_expired: 'conflict',
  tenant_suspended: 'tenant_suspended',
  image_input_unsupported: 'validation_failed',
};

/** How long a follower of a finished run waits for its last events before giving up. */
const FINISHED_RUN_FOLLOW_MS = 5000;

export interface ChatServiceDeps {
  database: Database;
  agents: Pick<AgentsService, 'agentToRun' | 'guardrailsOf'>;
  turns: Pick<TurnWrites, 'startTurn' | 'sessionFor'>;
  repo: ChatRepo;
  runs: RunManager;
  streams: EventStreams;
  /** Plan limits and usage records (billing); without it, no limits. */
  usageHooks?: ChatUsageHooks;
  /** The tenant's guardrails (the `input` stage runs here, before the message is stored). */
  guardrails?: Pick<GuardrailsService, 'checkInput'>;
  /** Runs paused for approval (cancel, `POST /chat` answering 202). */
  pauses?: RunPauses;
  /** Files messages may carry (the files module); without it, `attachments` are refused. */
  attachments?: { source: AttachmentSource; settings: AttachmentSettings };
}

/** Chat runs: start, wait, follow, cancel. Takes the caller first; runs are the caller's own. */
export class ChatService {
  constructor(private readonly deps: ChatServiceDeps) {}

  /**
   * `POST /chat/stream` and `POST /chat`: checks the agent and the plan, stores the user's message
   * and the run row in one statement, then starts the run, owned by the server (RunManager).
   */
  async startRun(
    caller: Caller,
    request: ChatRequest,
    slots?: RunSlots,
  ): Promise<{ runId: string; conversationId: string; done: Promise<RunOutcome> }> {
    let started: Awaited<ReturnType<ChatService['launchRun']>>;
    try {
      started = await this.launchRun(caller, request);
    } catch (err) {
      await slots?.release();
      throw err;
    }
    if (!slots) return started;
    // The caller's concurrency slots follow the run: freed when it stops executing here (completed,
    // failed, cancelled, paused for approval), before `done` settles, whoever still listens.
    return { ...started, done: started.done.finally(() => slots.release()) };
  }

  private async launchRun(
    caller: Caller,
    request: ChatRequest,
  ): Promise<{ runId: string; conversationId: string; done: Promise<RunOutcome> }> {
    const { turns, repo, runs } = this.deps;
    const agent = await this.deps.agents.agentToRun(request.agent);
    // The plan's limits are checked in the turn's statement (one round trip; refused: nothing written).
    const guard = await this.deps.usageHooks?.runStartGuard(caller);
    const agentGuardrails = this.deps.agents.guardrailsOf(request.agent);
    // The `input` guardrails run before anything is stored: a masked message is stored masked. A
    // regenerated answer brings no new message (its question passed them when it was sent).
    const inputGuardrails =
      request.message === undefined
        ? undefined
        : await this.deps.guardrails?.checkInput(caller.tenantId, request.message, agentGuardrails);
    const message = inputGuardrails?.text ?? request.message;
    const attachments = await this.checkAttachments(caller, request.attachments);
    const runId = randomUUID();
    // The turn and the run row: one statement (the run row only when the turn is stored).
    const turn = await turns.startTurn(
      caller,
      {
        conversationId: request.conversation_id,
        agent: request.agent,
        message,
        editOf: request.edit_of,
        regenerate: request.regenerate,
        attachments,
      },
      ({ conversationId, stored }) =>
        repo.insertRunPart(
          { id: runId, tenantId: caller.tenantId, userId: ownerIdOf(caller), conversationId, agent: request.agent },
          stored,
        ),
      guard,
    );
    const files = this.deps.attachments;
    const runAttachments = files
      ? new RunAttachments(files.source, caller.tenantId, turn.attachments, files.settings)
      : undefined;
    const session = turns.sessionFor(caller, turn, runId, runAttachments);
    const { done } = await runs.start({
      caller,
      runId,
      conversationId: turn.conversationId,
      agent,
      entryAgent: request.agent,
      message: turn.message,
      ...(runAttachments ? { attachments: runAttachments } : {}),
      session,
      firstRun: turn.isNew,
      inputGuardrails,
      agentGuardrails,
    });
    return { runId, conversationId: turn.conversationId, done };
  }

  /** The request's files, checked (422 `attachments` for any that is not a ready file of the tenant). */
  private async checkAttachments(caller: Caller, ids: string[] | undefined) {
    if (!ids?.length) return [];
    if (!this.deps.attachments)
      throw new AppError('validation_failed', 'Attachments are not available on this server.', {
        errors: [{ path: 'attachments', message: 'not available' }],
      });
    return checkAttachments(this.deps.attachments.source, caller.tenantId, ids, this.deps.attachments.settings);
  }

  /** `POST /chat`: runs to the end and answers with the result (a failed run is an error). */
  async chat(caller: Caller, request: ChatRequest, slots?: RunSlots): Promise<ChatResponse | ChatPausedResponse> {
    const { runId, conversationId, done } = await this.startRun(caller, request, slots);
    const outcome = await done;
    if (outcome.status === 'paused') {
      const approvals = (await this.deps.pauses?.forRun(runId)) ?? [];
      return { conversation_id: conversationId, run_id: runId, status: 'awaiting_approval', approvals };
    }
    if (outcome.status === 'failed') {
      const { code, message, retryable } = outcome.failure;
      throw new AppError(FAILURE_STATUS[code], message, {
        details: { run_id: runId, conversation_id: conversationId, run_failure_code: code, retryable },
      });
    }
    return {
      conversation_id: conversationId,
      run_id: runId,
      message_id: outcome.messageId,
      response: outcome.response,
      agent: outcome.agent,
      handoffs: outcome.handoffs,
      usage: outcome.usage,
    };
  }

  /** The caller's run, or 404 (another user's or tenant's run does not exist for them). */
  async getRun(caller: Caller, runId: string) {
    const run = await this.deps.repo.findOwned(this.deps.database.db, caller.tenantId, ownerIdOf(caller), runId);
    if (!run) throw new AppError('not_found', 'Run not found.');
    return run;
  }

  /**
   * The run's events after `after` (0: from the start), then live until its terminal event.
   * Authorize with `getRun` first. Works on any replica: the replica running it serves it from memory, the others read the shared
   * event log.
   */
  async *followEvents(
    runId: string,
    status: string,
    after: number,
    signal: AbortSignal,
  ): AsyncGenerator<LoggedRunEvent> {
    // The run runs here: its events come from memory, in order, without a round trip to the log.
    const local = this.deps.runs.followLocal(runId, after, signal);
    if (local) {
      for await (const e of local) {
        yield e;
        after = e.id;
        if (RESPONSE_END_EVENTS.includes(e.event)) return;
      }
      // The run stopped here without its terminal event (its log failed, or the reaper ended it
      // first): whatever ended it is in the shared log, after the last id sent.
      if (signal.aborted) return;
      status = 'finished';
    }
    const key = runStreamKey(runId);
    let followSignal = signal;
    // A paused run goes on later (after its decisions): followers wait for it as for a running one.
    if (status !== 'running' && status !== 'paused') {
      // Finished: the log may already have expired, and nothing new will come after its end.
      if ((await this.deps.streams.read(key, null, 1)).length === 0) return;
      followSignal = AbortSignal.any([signal, AbortSignal.timeout(FINISHED_RUN_FOLLOW_MS)]);
    }
    for await (const entry of followStream(this.deps.streams, key, after > 0 ? streamIdOf(after) : null, {
      signal: followSignal,
      isLast: isResponseEndEntry,
    })) {
      yield parseEntry(entry);
    }
  }

  /** Cancels the caller's run if it is still running (202 either way: cancel is idempotent). */
  async cancel(caller: Caller, runId: string): Promise<void> {
    const run = await this.getRun(caller, runId);
    if (run.status === 'running') await this.deps.runs.cancel(runId);
    // A paused run holds no memory anywhere: it ends here (unless a resume took it first).
    else if (run.status === 'paused' && !(await this.deps.pauses?.cancel(runId))) {
      const now = await this.getRun(caller, runId);
      if (now.status === 'running') await this.deps.runs.cancel(runId);
    }
  }
}
