import type { Usage } from '@agentry/contracts';
import type { Caller } from '../../platform/caller.js';
import type { SQL } from 'drizzle-orm';
import type { GuardPart, StatementPart } from '../../platform/db/statement.js';
import type { RunResultRecord } from '../conversations/turn-writes.js';
import { RunAbort, type RunFailure } from './run-errors.js';
import type { RunExecutionDeps, RunInput } from './run-execution.js';
import type { RunUsage, RunUsageWrite } from './usage-hooks.js';

/** What recording a run's end needs of the run's dependencies. */
type RunRecordDeps = Pick<RunExecutionDeps, 'database' | 'repo' | 'turns' | 'usageHooks' | 'logger'>;

/**
 * The run's final unit of work, in one statement (no transaction): the conversation's new rows (assistant message,
 * tool calls, handoffs, the SDK items staged during the run, counters), the run row's end and the
 * run's usage (records and totals; limit events follow the commit) and the automatic title when
 * `result.title` holds one. Returns the assistant message id and whether the title was set.
 */
export async function recordCompletedRun(
  deps: RunRecordDeps,
  caller: Caller,
  result: RunResultRecord,
): Promise<{ messageId: string; titled: boolean }> {
  const { input_tokens: inputTokens, output_tokens: outputTokens } = result.usage;
  // The reaper may have ended the run meanwhile (its lease is gone): then nothing of it is kept and it
  // ends as run_lost. Every write of the statement is conditioned on the run's end (no transaction).
  const end = deps.repo.finishRunPart(caller.tenantId, result.runId, {
    status: 'completed',
    inputTokens,
    outputTokens,
  });
  const guard: GuardPart = {
    ...end,
    check: (ended) => {
      if (ended !== true) throw new RunAbort('run_lost');
    },
  };
  const usage = await usageWrite(
    deps,
    caller,
    { runId: result.runId, conversationId: result.conversationId, messages: 2, inputTokens, outputTokens },
    end.allows,
  );
  const { messageId, returned, titled } = await deps.turns.recordRunResult(
    caller,
    result,
    usage ? [usage.part] : [],
    guard,
  );
  await usageCommitted(deps, result.runId, usage, returned[0]);
  return { messageId, titled };
}

/** A failed run's unit of work, in one statement: the user's message joins the model's memory, the run row is failed, its usage recorded. */
export async function recordFailedRun(
  deps: RunRecordDeps,
  input: RunInput,
  failure: RunFailure,
  usage: Usage,
): Promise<void> {
  const { caller, runId, conversationId } = input;
  const write = await usageWrite(deps, caller, {
    runId,
    conversationId,
    messages: 1,
    inputTokens: usage.input_tokens,
    outputTokens: usage.output_tokens,
  });
  const end = deps.repo.finishRunPart(caller.tenantId, runId, {
    status: 'failed',
    errorCode: failure.code,
    inputTokens: usage.input_tokens,
    outputTokens: usage.output_tokens,
  });
  const returned = await deps.turns.recordFailedRun(input.session, withUsage(end, write));
  await usageCommitted(deps, runId, write, returned[1]);
}

const withUsage = (end: StatementPart, usage: RunUsageWrite | undefined) => (usage ? [end, usage.part] : [end]);

/** The run's usage as a part of its final statement; a billing outage must not fail a finished run (it is then left out). */
async function usageWrite(
  deps: RunRecordDeps,
  caller: Caller,
  usage: RunUsage,
  allows?: SQL,
): Promise<RunUsageWrite | undefined> {
  if (!deps.usageHooks) return undefined;
  try {
    return await deps.usageHooks.runUsageWrite(caller, usage, allows);
  } catch (err) {
    deps.logger.error({ err, event: 'chat.usage_record_failed', run_id: usage.runId }, 'could not record run usage');
    return undefined;
  }
}

/** After the commit: the usage's limit events and meter reports (their failure is logged, the run stands). */
async function usageCommitted(deps: RunRecordDeps, runId: string, usage: RunUsageWrite | undefined, value: unknown) {
  try {
    await usage?.committed(value);
  } catch (err) {
    deps.logger.error({ err, event: 'chat.usage_record_failed', run_id: runId }, 'could not report run usage');
  }
}
