import type { Runner, RunStreamEvent } from '@openai/agents';
import type { Logger } from 'pino';
import type { Usage } from '@agentry/contracts';
import type { Caller } from '../../platform/caller.js';
import type { Database } from '../../platform/db/client.js';
import type { ChatAgent } from '../agents/agent-registry.js';
import type { AgentRunContext, RunToolProvider } from '../agents/run-context.js';
import type { ConversationsService, RunResultRecord } from '../conversations/conversations.service.js';
import type { PostgresSession } from '../conversations/postgres-session.js';
import type { GuardrailsService, InputCheck } from '../guardrails/guardrails.service.js';
import type { GuardrailNotice, RunGuard } from '../guardrails/run-guard.js';
import type { ChatRepo } from './chat.repo.js';
import { toRunFailure, type RunFailure } from './run-errors.js';
import type { RunEventWriter } from './run-events.js';
import type { ChatUsageHooks } from './usage-hooks.js';

export interface RunInput {
  caller: Caller;
  runId: string;
  conversationId: string;
  agent: ChatAgent;
  message: string;
  session: PostgresSession;
  /** What the `input` guardrails decided before the message was stored (the message is already masked). */
  inputGuardrails?: InputCheck;
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
  | { status: 'failed'; failure: RunFailure };

export interface RunExecutionDeps {
  runner: Runner;
  database: Database;
  conversations: Pick<ConversationsService, 'recordRunResult' | 'recordFailedRun' | 'search'>;
  repo: ChatRepo;
  usageHooks?: ChatUsageHooks;
  logger: Logger;
  maxTurns: number;
  /** The tenant's guardrails at every stage (absent: none). */
  guardrails?: Pick<GuardrailsService, 'forRun'>;
  /** Tools each run adds for the caller (the tenant's MCP servers); opened at the start, closed at the end. */
  runTools?: RunToolProvider;
}

const stringify = (v: unknown) => (typeof v === 'string' ? v : JSON.stringify(v ?? null));

/** What the stream told us so far; persisted at the end. */
class RunTranscript {
  text = '';
  agent: string;
  handoffs: { from: string; to: string }[] = [];
  toolCalls: { callId: string; name: string; arguments: string; output: string | null }[] = [];
  constructor(entry: string) {
    this.agent = entry;
  }
}

/** Turns one SDK stream event into run events (none for those the contract does not show). */
async function forward(e: RunStreamEvent, t: RunTranscript, writer: RunEventWriter) {
  if (e.type === 'raw_model_stream_event') {
    if (e.data.type === 'output_text_delta' && e.data.delta) {
      t.text += e.data.delta;
      await writer.append({ event: 'message.delta', data: { delta: e.data.delta } });
    }
    return;
  }
  if (e.type !== 'run_item_stream_event') return;
  const item = e.item as unknown as {
    type: string;
    rawItem: Record<string, unknown>;
    output?: unknown;
    sourceAgent?: { name: string };
    targetAgent?: { name: string };
  };
  if (e.name === 'handoff_occurred' && item.sourceAgent && item.targetAgent) {
    const handoff = { from: item.sourceAgent.name, to: item.targetAgent.name };
    t.handoffs.push(handoff);
    t.agent = handoff.to;
    await writer.append({ event: 'agent.updated', data: handoff });
  } else if (e.name === 'tool_called' && item.rawItem.type === 'function_call') {
    const call = {
      callId: String(item.rawItem.callId),
      name: String(item.rawItem.name),
      arguments: String(item.rawItem.arguments ?? ''),
    };
    t.toolCalls.push({ ...call, output: null });
    await writer.append({
      event: 'tool.called',
      data: { call_id: call.callId, name: call.name, arguments: call.arguments },
    });
  } else if (e.name === 'tool_output' && item.rawItem.type === 'function_call_result') {
    const callId = String(item.rawItem.callId);
    const output = stringify(item.output ?? item.rawItem.output);
    const call = t.toolCalls.find((c) => c.callId === callId);
    if (call) call.output = output;
    await writer.append({ event: 'tool.output', data: { call_id: callId, name: String(item.rawItem.name), output } });
  }
}

/**
 * Runs one chat run to its end: streams the SDK run into the event log, then persists the result
 * in one transaction and only then appends `run.completed`; any failure becomes `run.failed`
 * (the user's message, stored before the run, stays). Never throws.
 */
export async function executeRun(
  deps: RunExecutionDeps,
  input: RunInput,
  signal: AbortSignal,
  writer: RunEventWriter,
): Promise<RunOutcome> {
  const { caller, runId, conversationId } = input;
  const transcript = new RunTranscript(input.agent.name);
  let usage: Usage = { input_tokens: 0, output_tokens: 0, total_tokens: 0 };
  const context: AgentRunContext = { caller, conversationId, runId, conversations: deps.conversations };
  // Set once the result is committed: a failure after that (the event log) must not re-record the run as failed.
  let recorded = false;
  try {
    const guard = await guardRun(deps, input, writer);
    context.guardrails = guard;
    if (deps.runTools) context.runTools = await deps.runTools.open(caller);
    const result = await deps.runner.run(input.agent, input.message, {
      stream: true,
      context,
      session: input.session,
      maxTurns: deps.maxTurns,
      signal,
    });
    try {
      for await (const e of result) await forward(e, transcript, writer);
      await result.completed;
    } finally {
      const u = result.state.usage;
      usage = { input_tokens: u.inputTokens, output_tokens: u.outputTokens, total_tokens: u.totalTokens };
    }
    if (signal.aborted) throw signal.reason;
    if (result.error) throw result.error;
    // A model that answers without streaming deltas still gets its text into the stream once.
    const final = typeof result.finalOutput === 'string' ? result.finalOutput : stringify(result.finalOutput);
    if (!transcript.text && final) {
      transcript.text = final;
      await writer.append({ event: 'message.delta', data: { delta: final } });
    }
    // The answer's guardrails run on the whole answer: a block ends the run without storing it, a
    // mask stores (and `run.completed` carries) the masked text that replaces the streamed one.
    const response = guard ? await guard.text('output', transcript.text) : transcript.text;
    // Every delta is in the log (or the log failed) before the result is persisted.
    await writer.flush();
    const agent = result.lastAgent?.name ?? transcript.agent;
    const messageId = await recordCompletedRun(deps, caller, {
      conversationId,
      runId,
      agent,
      response,
      usage,
      toolCalls: transcript.toolCalls,
      handoffs: transcript.handoffs,
      session: input.session,
    });
    recorded = true;
    await recordUsage(deps, caller, {
      runId,
      conversationId,
      messages: 2,
      inputTokens: usage.input_tokens,
      outputTokens: usage.output_tokens,
    });
    await writer.append({
      event: 'run.completed',
      data: { run_id: runId, conversation_id: conversationId, message_id: messageId, response, agent, usage },
    });
    await writer.flush();
    return { status: 'completed', messageId, response, agent, handoffs: transcript.handoffs, usage };
  } catch (err) {
    const failure = toRunFailure(err, signal.aborted ? signal.reason : undefined);
    if (failure.code === 'internal_error' || failure.code === 'model_error') {
      deps.logger.error({ err, event: 'chat.run_failed', run_id: runId, code: failure.code }, 'chat run failed');
    } else {
      deps.logger.info({ event: 'chat.run_failed', run_id: runId, code: failure.code }, 'chat run ended early');
    }
    if (!recorded) {
      try {
        await recordFailedRun(deps, input, failure, usage);
        await recordUsage(deps, caller, {
          runId,
          conversationId,
          messages: 1,
          inputTokens: usage.input_tokens,
          outputTokens: usage.output_tokens,
        });
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
    await context.runTools?.close().catch(() => {});
  }
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
  for (const notice of input.inputGuardrails?.notices ?? []) await report(notice);
  if (input.inputGuardrails?.tripped) throw input.inputGuardrails.tripped;
  return deps.guardrails.forRun(input.caller.tenantId, report);
}

/**
 * The run's final unit of work, in one transaction: the conversation's new rows (assistant message,
 * tool calls, handoffs, the SDK items staged during the run, counters) and the run row. Returns
 * the assistant message id.
 */
function recordCompletedRun(deps: RunExecutionDeps, caller: Caller, result: RunResultRecord): Promise<string> {
  const { input_tokens: inputTokens, output_tokens: outputTokens } = result.usage;
  return deps.database.db.transaction(async (tx) => {
    const messageId = await deps.conversations.recordRunResult(tx, caller, result);
    await deps.repo.finishRun(tx, caller.tenantId, result.runId, { status: 'completed', inputTokens, outputTokens });
    return messageId;
  });
}

/** A failed run's unit of work: the user's message joins the model's memory, the run row is failed. */
function recordFailedRun(deps: RunExecutionDeps, input: RunInput, failure: RunFailure, usage: Usage): Promise<void> {
  return deps.database.db.transaction(async (tx) => {
    await deps.conversations.recordFailedRun(tx, input.session);
    await deps.repo.finishRun(tx, input.caller.tenantId, input.runId, {
      status: 'failed',
      errorCode: failure.code,
      inputTokens: usage.input_tokens,
      outputTokens: usage.output_tokens,
    });
  });
}

/** Usage goes to billing after the transaction; a billing outage must not fail a finished run. */
async function recordUsage(
  deps: RunExecutionDeps,
  caller: Caller,
  usage: Parameters<ChatUsageHooks['recordRunUsage']>[1],
) {
  if (!deps.usageHooks) return;
  try {
    await deps.usageHooks.recordRunUsage(caller, usage);
  } catch (err) {
    deps.logger.error({ err, event: 'chat.usage_record_failed', run_id: usage.runId }, 'could not record run usage');
  }
}
