import type { Caller } from '../../platform/caller.js';

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

export interface ChatUsageHooks {
  /** Throws AppError `usage_limit_exceeded` (429, the feature in `details`) when a hard limit is reached. */
  assertCanStartRun(caller: Caller): Promise<void>;
  /** Records a finished run's usage for billing. Must be idempotent per `runId`. */
  recordRunUsage(caller: Caller, usage: RunUsage): Promise<void>;
}
