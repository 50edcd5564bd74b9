import type { RunFailureCode } from '@agentry/contracts';
import { loadedAgentsSdk, loadedOpenAI, type AgentsSdk } from '../../platform/ai-sdks.js';
import { GuardrailTripped } from '../guardrails/run-guard.js';
import { IncompleteModelStream } from '../agents/models/stream-end-check.js';

/** Why the server stopped a run itself (the abort reason of its signal). */
export class RunAbort extends Error {
  override name = 'RunAbort';
  constructor(readonly code: 'run_cancelled' | 'run_timeout' | 'server_shutdown' | 'run_lost' | 'tenant_suspended') {
    super(code);
  }
}

/** A run the server ends before calling the model, with a failure of its own (e.g. `image_input_unsupported`). */
export class RunRefused extends Error {
  override name = 'RunRefused';
  constructor(readonly failure: RunFailure) {
    super(failure.message);
  }
}

/** What a `run.failed` event says. Messages are written for users: no internals, no provider bodies. */
export interface RunFailure {
  code: RunFailureCode;
  message: string;
  retryable: boolean;
  /** `guardrail_tripped`: which guardrail, at which stage. */
  details?: { guardrail: string; stage: string };
}

/** A run whose replica stopped heartbeating: the reaper ends it with this, and so does the replica if it comes back. */
export const RUN_LOST: RunFailure = {
  code: 'run_lost',
  message: 'The server running this run stopped; please try again.',
  retryable: true,
};

/**
 * The one place SDK, provider and abort errors become `run.failed` codes. Everything not
 * recognised is `internal_error` (and is logged by the caller with the run id).
 */
export function toRunFailure(err: unknown, abortReason?: unknown): RunFailure {
  const reason = abortReason instanceof RunAbort ? abortReason : err instanceof RunAbort ? err : undefined;
  if (reason?.code === 'run_cancelled')
    return { code: 'run_cancelled', message: 'The run was cancelled.', retryable: false };
  if (reason?.code === 'run_timeout')
    return { code: 'run_timeout', message: 'The run took too long and was stopped.', retryable: true };
  if (reason?.code === 'run_lost') return RUN_LOST;
  if (reason?.code === 'tenant_suspended')
    return { code: 'tenant_suspended', message: 'This workspace was suspended.', retryable: false };
  if (reason?.code === 'server_shutdown')
    return { code: 'internal_error', message: 'The server restarted during the run.', retryable: true };

  if (err instanceof RunRefused) return err.failure;
  // The SDKs load with the first run (platform/ai-sdks.ts): before that, no error can be one of theirs.
  const sdk = loadedAgentsSdk();
  const openai = loadedOpenAI();
  const tripped = guardrailIn(err, sdk);
  if (tripped)
    return {
      code: 'guardrail_tripped',
      message: `The ${tripped.guardrail.replace('_', ' ')} guardrail stopped the run (${tripped.stage.replace('_', ' ')}).`,
      retryable: false,
      details: { guardrail: tripped.guardrail, stage: tripped.stage },
    };
  if (sdk && err instanceof sdk.MaxTurnsExceededError)
    return {
      code: 'max_turns_exceeded',
      message: 'The agents took too many turns without answering.',
      retryable: false,
    };
  if (
    sdk &&
    (err instanceof sdk.InputGuardrailTripwireTriggered ||
      err instanceof sdk.OutputGuardrailTripwireTriggered ||
      err instanceof sdk.ToolInputGuardrailTripwireTriggered ||
      err instanceof sdk.ToolOutputGuardrailTripwireTriggered ||
      err instanceof sdk.GuardrailExecutionError)
  ) {
    return { code: 'guardrail_tripped', message: 'A guardrail stopped the run.', retryable: false };
  }
  if (sdk && err instanceof sdk.ModelTimeoutError)
    return { code: 'run_timeout', message: 'The model did not answer in time.', retryable: true };
  if (sdk && err instanceof sdk.ModelRefusalError)
    return { code: 'model_behavior_error', message: 'The model refused to answer.', retryable: false };
  if (sdk && err instanceof sdk.ModelBehaviorError)
    return { code: 'model_behavior_error', message: 'The model produced an invalid response.', retryable: true };
  if (sdk && (err instanceof sdk.ToolTimeoutError || err instanceof sdk.ToolCallError))
    return { code: 'tool_error', message: 'A tool failed during the run.', retryable: true };
  if (openai && err instanceof openai.APIConnectionError)
    return { code: 'model_error', message: 'The model provider could not be reached.', retryable: true };
  if (brokenModelStream(err))
    return { code: 'model_error', message: 'The model provider’s answer broke off.', retryable: true };
  if (openai && err instanceof openai.APIError) {
    const status = err.status ?? 0;
    const retryable = status === 408 || status === 409 || status === 429 || status >= 500 || status === 0;
    return {
      code: 'model_error',
      message: `The model provider returned an error${status ? ` (status ${status})` : ''}.`,
      retryable,
    };
  }
  return { code: 'internal_error', message: 'The run failed unexpectedly.', retryable: false };
}

/**
 * A model response that broke after it began (the SDK raises these as they are, not as API errors):
 * the connection cut while its body streams (undici's `terminated`, caused by a socket error), or a
 * streamed chunk that is not JSON (the openai client's parse error), or a Chat Completions body
 * that ended before `[DONE]` (stream-end-check.ts).
 */
function brokenModelStream(err: unknown): boolean {
  if (err instanceof IncompleteModelStream) return true;
  if (err instanceof SyntaxError) return err.message.startsWith('Error reading response');
  let e = err;
  for (let depth = 0; e && depth < 5; depth++) {
    if (e instanceof TypeError && e.message === 'terminated') return true;
    if (/^(UND_ERR_SOCKET|ECONNRESET|EPIPE)$/.test(String((e as { code?: unknown }).code))) return true;
    e = (e as { cause?: unknown }).cause;
  }
  return false;
}

/**
 * Our guardrails' block, thrown directly or wrapped by the SDK (a tool's invoke failing becomes a
 * ToolCallError holding it in `error`).
 */
function guardrailIn(err: unknown, sdk: AgentsSdk | undefined): GuardrailTripped | undefined {
  let e = err;
  for (let depth = 0; e && depth < 5; depth++) {
    if (e instanceof GuardrailTripped) return e;
    e = sdk && e instanceof sdk.ToolCallError ? e.error : (e as { cause?: unknown }).cause;
  }
  return undefined;
}
