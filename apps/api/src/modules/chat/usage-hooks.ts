import type { SQL } from 'drizzle-orm';
import type { Caller } from '../../platform/caller.js';
import type { GuardPart, StatementPart } from '../../platform/db/statement.js';

/**
 * What chat asks of billing, without knowing billing: the chat module calls these around each run,
 * and the billing module provides the implementation (plan limits, usage records). Embedded or
 * with billing off, the implementation still records usage and applies the plan's limits.
 */
export interface RunUsage {
  runId: string;
  conversationId: string;
  /** Messages this run adds to the tenant's usage (the user's message counts as one). */
  messages: number;
  inputTokens: number;
  outputTokens: number;
}

/** A run's usage as a part of the run's final statement, and what follows once that committed. */
export interface RunUsageWrite {
  part: StatementPart;
  /** With the value the part returned: limit events and meter reports (after the commit, never before). */
  committed(value: unknown): Promise<void>;
}

export interface ChatUsageHooks {
  /**
   * The plan's hard limits as a precondition of the run's start statement (one round trip with
   * it); its `check` throws AppError `usage_limit_exceeded` (429, the feature in `details`) when a
   * hard limit is reached, and the refused statement wrote nothing. Undefined: no limits apply.
   */
  runStartGuard(caller: Caller): Promise<GuardPart | undefined>;
  /**
   * The run's usage, written with the run's end in one statement. Idempotent per `runId`.
   * `allows`: the statement's precondition (the run's end); when false, nothing is recorded.
   */
  runUsageWrite(caller: Caller, usage: RunUsage, allows?: SQL): Promise<RunUsageWrite>;
  /** Records a run's usage on its own (a paused run that ended). Idempotent per `runId`. */
  recordRunUsage(caller: Caller, usage: RunUsage): Promise<void>;
}
