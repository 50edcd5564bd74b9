import { randomUUID } from 'node:crypto';
import type { Runner } from '@openai/agents';
import type { Logger } from 'pino';
import type { GuardrailRule, Usage } from '@agentry/contracts';
import type { Caller } from '../../platform/caller.js';
import type { Database } from '../../platform/db/client.js';
import type { ChatAgent } from '../agents/agent-registry.js';
import type { AgentRunContext, RunToolProvider } from '../agents/run-context.js';
import { loadAgentsSdk } from '../../platform/ai-sdks.js';
import type { ConversationAssistant } from '../conversations/conversation-memory.js';
import type { ConversationsService } from '../conversations/conversations.service.js';
import type { TurnWrites } from '../conversations/turn-writes.js';
import type { PostgresSession } from '../conversations/postgres-session.js';
import type { GuardrailsService, InputCheck } from '../guardrails/guardrails.service.js';
import type { GuardrailNotice, RunGuard } from '../guardrails/run-guard.js';
import type { RunAttachments } from './attachments.js';
import type { ChatRepo } from './chat.repo.js';
import { findAgent, goneTools, withGoneTools } from './gone-tools.js';
import { toRunFailure, type RunFailure } from './run-errors.js';
import type { RunEventWriter } from './run-events.js';
import { forward, RunTranscript, stringify } from './run-transcript.js';
import { recordCompletedRun, recordFailedRun } from './run-records.js';
import { appendTitled, RunTitle, storeTitle } from './run-title.js';
import type { ChatUsageHooks } from './usage-hooks.js';

export interface RunInput {
  caller: Caller;
  runId: string;
  conversationId: string;
  agent: ChatAgent;
  /** The agent name the run was started with (`agentToRun` key); defaults to `agent.name`. */
  entryAgent?: string;
  message: string;
  /** The files of the user message (documents as text, images as image input). */
  attachments?: RunAttachments;
  session: PostgresSession;
  /** The conversation was created for this run: it gets its title when the run completes. */
  firstRun?: boolean;
  /** What the `input` guardrails decided before the message was stored (the message is already masked). */
  inputGuardrails?: InputCheck;
  /** The guardrails of the agent the run starts with (merged with the tenant's). */
  agentGuardrails?: GuardrailRule[];
  /** Set when the run goes on after a pause: its saved state and the decisions taken. */
  resume?: ResumeInput;
}

export interface ResumeInput {
  state: string;
  transcript: SavedTranscript;
  /** The decided calls: the tool they call (`name`) and what the person decided. */
  decisions: { callId: string; name: string; approved: boolean; message: string | null }[];
  /**
   * The tokens the run used before it paused. The SDK does not restore a state's usage into the
   * context a resume hands in, so the run adds them back: it is metered whole.
   */
  usage: Usage;
}

/** What a paused run had produced (stored with the pause). */
export interface SavedTranscript {
  text: string;
  agent: string;
  handoffs: { from: string; to: string }[];
  toolCalls: { callId: string; name: string; arguments: string; output: string | null }[];
}

export interface PausedApproval {
  approvalId: string;
  callId: string;
  name: string;
  arguments: string;
}

export type RunOutcome =
  | {
      status: 'completed';
      messageId: string;
      response: string;
      agent: string;
      handoffs: { from: string; to: string }[];
      usage: Usage;
    }
  | { status: 'failed'; failure: RunFailure }
  /** Waiting for approvals: stored, the run left memory (the event log goes on from `nextEventId`). */
  | { status: 'paused'; approvals: PausedApproval[]; nextEventId: number };

export interface RunExecutionDeps {
  /** The SDK runner (chat.module.ts makes it when the first run needs it). */
  runner: Pick<Runner, 'run'>;
  /** Stores a paused run (run-pauses.ts); without it a tool that needs approval fails the run. */
  pauses?: {
    pause(
      input: RunInput,
      pause: {
        state: string;
        transcript: SavedTranscript;
        approvals: PausedApproval[];
        usage: Usage;
        nextEventId: number;
      },
    ): Promise<void>;
    paused(runId: string): Promise<void>;
  };
  database: Database;
  conversations: Pick<ConversationsService, 'search' | 'setAutoTitle'>;
  /** What the run writes into its conversation (its result in one statement with the run's end and usage). */
  turns: Pick<TurnWrites, 'recordRunResult' | 'recordFailedRun' | 'compactMemory'>;
  /** Titles and memory summaries; without it, neither is made. */
  assistant?: ConversationAssistant;
  /** How long the title may take before the run ends without it. */
  titleTimeoutMs?: number;
  repo: ChatRepo;
  usageHooks?: ChatUsageHooks;
  logger: Logger;
  maxTurns: number;
  /** The tenant's guardrails at every stage (absent: none). */
  guardrails?: Pick<GuardrailsService, 'forRun'>;
  /** An agent's guardrail defaults, merged in when a run is handed off to it. */
  guardrailsOfAgent?: (agent: string) => GuardrailRule[];
  /** Tools each run adds for the caller (the tenant's MCP servers); opened at the start, closed at the end. */
  runTools?: RunToolProvider;
}

/**
 * Runs one chat run to its end: streams the SDK run into the event log, then persists the result
 * in one statement and only then appends `run.completed`; any failure becomes `run.failed`
 * (the user's message, stored before the run, stays). Throws only when the log failed, and when
 * `started` (the first event's append, under way beside the run's start) failed: then the run
 * records nothing (RunManager answers the caller with that error, as if it had never started).
 */
export async function executeRun(
  deps: RunExecutionDeps,
  input: RunInput,
  signal: AbortSignal,
  writer: RunEventWriter,
  started: Promise<void> = Promise.resolve(),
): Promise<RunOutcome> {
  const { caller, runId, conversationId } = input;
  const transcript = new RunTranscript(input.agent.name, input.resume?.transcript);
  const before: Usage = input.resume?.usage ?? { input_tokens: 0, output_tokens: 0, total_tokens: 0 };
  let usage: Usage = { ...before };
  const context = { caller, conversationId, runId } as AgentRunContext;
  // Not serialized with a paused run's state (a service): a resume hands in its own context.
  Object.defineProperty(context, 'conversations', { value: deps.conversations, enumerable: false });
  // Set once the result is committed: a failure after that (the event log) must not re-record the run as failed.
  let recorded = false;
  // A new conversation's title is made beside the answer (from the question), not after it.
  const title =
    input.firstRun && deps.assistant
      ? new RunTitle(deps.assistant, input.message, {
          signal,
          timeoutMs: deps.titleTimeoutMs ?? 5000,
          logger: deps.logger,
          runId,
        })
      : undefined;
  try {
    const guard = await guardRun(deps, input, writer);
    const runTools = deps.runTools ? await deps.runTools.open(caller) : undefined;
    // Services, not state: left out of a paused run's serialized state (a resume opens its own).
    Object.defineProperties(context, {
      guardrails: { value: guard, enumerable: false, configurable: true },
      runTools: { value: runTools, enumerable: false, configurable: true },
    });
    // A resumed run's history was compacted (or not) before it paused. Compaction writes: only once started.
    if (!input.firstRun && !input.resume) {
      await started;
      await compactMemory(deps, input, signal, writer);
    }
    const start = input.resume
      ? await resumedState({ ...input, resume: input.resume }, context)
      : input.attachments
        ? await input.attachments.modelInput(input.message)
        : input.message;
    const result = await deps.runner.run(input.agent, start, {
      stream: true,
      context,
      session: input.session,
      maxTurns: deps.maxTurns,
      signal,
    });
    try {
      const onHandoff = (to: string) => guard?.addAgentRules(deps.guardrailsOfAgent?.(to) ?? []);
      for await (const e of result) {
        await forward(e, transcript, writer, onHandoff);
        // Once the first token is on its way: the title call never delays it.
        if (title && transcript.text) title.start();
      }
      await result.completed;
    } finally {
      const u = result.state.usage;
      usage = {
        input_tokens: before.input_tokens + u.inputTokens,
        output_tokens: before.output_tokens + u.outputTokens,
        total_tokens: before.total_tokens + u.totalTokens,
      };
    }
    if (signal.aborted) throw signal.reason;
    if (result.error) throw result.error;
    if (result.interruptions?.length) {
      if (!deps.pauses) throw new Error('a tool needs approval but approvals are not wired');
      await writer.flush();
      const approvals: PausedApproval[] = result.interruptions.map((item) => {
        const raw = item.rawItem as { callId?: string; id?: string; name?: string; arguments?: string };
        return {
          approvalId: randomUUID(),
          callId: String(raw.callId ?? raw.id),
          name: String(item.name ?? raw.name),
          arguments: String(raw.arguments ?? ''),
        };
      });
      const nextEventId = writer.nextId + approvals.length + 1;
      await deps.pauses.pause(input, {
        state: result.state.toString(),
        transcript: {
          text: transcript.text,
          agent: result.lastAgent?.name ?? transcript.agent,
          handoffs: transcript.handoffs,
          toolCalls: transcript.toolCalls,
        },
        approvals,
        usage,
        nextEventId,
      });
      for (const a of approvals) {
        await writer.append({
          event: 'approval.requested',
          data: { approval_id: a.approvalId, call_id: a.callId, name: a.name, arguments: a.arguments },
        });
      }
      await writer.append({
        event: 'run.paused',
        data: { run_id: runId, approvals: approvals.map((a) => a.approvalId) },
      });
      await writer.flush();
      await deps.pauses.paused(runId);
      return { status: 'paused', approvals, nextEventId };
    }
    // A model that answers without streaming deltas still gets its text into the stream once.
    const final = typeof result.finalOutput === 'string' ? result.finalOutput : stringify(result.finalOutput);
    if (!transcript.text && final) {
      transcript.text = final;
      await writer.append({ event: 'message.delta', data: { delta: final } });
    }
    // The answer's guardrails run on the whole answer: a block ends the run without storing it, a
    // mask stores (and `run.completed` carries) the masked text that replaces the streamed one.
    const response = guard ? await guard.text('output', transcript.text) : transcript.text;
    if (response !== transcript.text) input.session.replaceAnswer(response);
    // Every delta is in the log (or the log failed) before the result is persisted.
    await writer.flush();
    const agent = result.lastAgent?.name ?? transcript.agent;
    // A title already made is stored with the answer (one statement); one still under way is awaited after it.
    const madeTitle = await title?.readySoon();
    const { messageId, titled } = await recordCompletedRun(deps, caller, {
      conversationId,
      runId,
      agent,
      response,
      usage,
      toolCalls: transcript.toolCalls,
      handoffs: transcript.handoffs,
      session: input.session,
      ...(madeTitle ? { title: madeTitle } : {}),
    });
    recorded = true;
    if (madeTitle) {
      if (titled) await appendTitled(writer, conversationId, madeTitle);
    } else if (title) await storeTitle(deps, input, await title.wait(), writer);
    await writer.append({
      event: 'run.completed',
      data: { run_id: runId, conversation_id: conversationId, message_id: messageId, response, agent, usage },
    });
    await writer.flush();
    return { status: 'completed', messageId, response, agent, handoffs: transcript.handoffs, usage };
  } catch (err) {
    // The first event never reached the log: nothing is recorded (the caller gets that error).
    if ((await started.catch(() => false)) === false) throw err;
    const failure = toRunFailure(err, signal.aborted ? signal.reason : undefined);
    if (failure.code === 'internal_error' || failure.code === 'model_error') {
      deps.logger.error({ err, event: 'chat.run_failed', run_id: runId, code: failure.code }, 'chat run failed');
    } else {
      deps.logger.info({ event: 'chat.run_failed', run_id: runId, code: failure.code }, 'chat run ended early');
    }
    if (!recorded) {
      try {
        await recordFailedRun(deps, input, failure, usage);
      } catch (persistErr) {
        deps.logger.error(
          { err: persistErr, event: 'chat.run_persist_failed', run_id: runId },
          'could not persist a failed run',
        );
      }
    }
    await writer.append({
      event: 'run.failed',
      data: {
        run_id: runId,
        code: failure.code,
        message: failure.message,
        retryable: failure.retryable,
        ...(failure.details ? { details: failure.details } : {}),
      },
    });
    await writer.flush();
    return { status: 'failed', failure };
  } finally {
    // A run that failed or paused gets no title: a call still under way stops.
    title?.cancel();
    await context.runTools?.close().catch(() => {});
  }
}

/** The paused run's state with the decisions applied, in this process's run context. */
async function resumedState(input: RunInput & { resume: ResumeInput }, context: AgentRunContext) {
  const { resume } = input;
  const { RunContext, RunState } = await loadAgentsSdk();
  // A waiting call whose tool went away meanwhile gets a stand-in answering an error (not a failed run).
  const caller = findAgent(input.agent, resume.transcript.agent) ?? input.agent;
  const gone = await goneTools(caller, resume.decisions, context);
  if (gone.size)
    Object.defineProperty(context, 'runTools', { value: withGoneTools(context.runTools, gone), configurable: true });
  const state = await RunState.fromStringWithContext(input.agent, resume.state, new RunContext(context), {
    contextStrategy: 'replace',
  });
  for (const item of state.getInterruptions()) {
    const raw = item.rawItem as { callId?: string; id?: string };
    const decision = resume.decisions.find((d) => d.callId === String(raw.callId ?? raw.id));
    if (decision?.approved) state.approve(item);
    else state.reject(item, decision?.message ? { message: decision.message } : undefined);
  }
  return state;
}

/**
 * The run's guardrails: reports what the `input` stage did before the run existed, ends the run when
 * it blocked, and guards the tools and the answer from here on.
 */
async function guardRun(
  deps: RunExecutionDeps,
  input: RunInput,
  writer: RunEventWriter,
): Promise<RunGuard | undefined> {
  if (!deps.guardrails) return undefined;
  const report = async (data: GuardrailNotice) => {
    await writer.append({ event: 'guardrail.applied', data });
  };
  // A resumed run's input was checked (and its notices reported) before it paused.
  if (!input.resume) {
    for (const notice of input.inputGuardrails?.notices ?? []) await report(notice);
    if (input.inputGuardrails?.tripped) throw input.inputGuardrails.tripped;
  }
  const guard = await deps.guardrails.forRun(input.caller.tenantId, report, input.agentGuardrails);
  // A run that was handed off before it paused goes on under the defaults of those agents too.
  for (const handoff of input.resume?.transcript.handoffs ?? [])
    guard.addAgentRules(deps.guardrailsOfAgent?.(handoff.to) ?? []);
  return guard;
}

/**
 * Before the model is called: older turns that no longer fit AGENT_MEMORY_MAX_TOKENS are
 * summarized (once; later runs reuse the summary). A summarizer failure only costs the summary:
 * the run goes on with the newest turns within the budget.
 */
async function compactMemory(deps: RunExecutionDeps, input: RunInput, signal: AbortSignal, writer: RunEventWriter) {
  if (!deps.assistant) return;
  let compacted: { summarizedMessages: number } | null = null;
  try {
    compacted = await deps.turns.compactMemory(
      input.caller,
      input.conversationId,
      input.session.historyTipId,
      deps.assistant,
      signal,
    );
  } catch (err) {
    if (signal.aborted) throw signal.reason;
    deps.logger.warn(
      { err, event: 'chat.memory_compaction_failed', run_id: input.runId },
      'could not summarize memory',
    );
    return;
  }
  if (compacted)
    await writer.append({
      event: 'memory.compacted',
      data: { conversation_id: input.conversationId, summarized_messages: compacted.summarizedMessages },
    });
}
