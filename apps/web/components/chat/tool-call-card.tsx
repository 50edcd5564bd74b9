'use client';

/** A tool call shown inline in the answer: name, arguments, and its output once it arrives. */
export function ToolCallCard({ name, args, output }: { name: string; args: string; output: string | null }) {
  return (
    <details
      className="rounded-lg border border-zinc-200 bg-zinc-50 text-sm dark:border-zinc-700 dark:bg-zinc-900"
      data-testid="tool-call"
    >
      <summary className="flex cursor-pointer list-none items-center gap-2 px-3 py-2">
        <span aria-hidden>⚙</span>
        <span>
          Used <span className="font-mono font-medium">{name}</span>
        </span>
        <span
          className={`ml-auto text-xs ${output === null ? 'text-amber-700 dark:text-amber-300' : 'text-emerald-700 dark:text-emerald-400'}`}
        >
          {output === null ? 'running…' : 'done'}
        </span>
      </summary>
      <div className="space-y-2 border-t border-zinc-200 px-3 py-2 dark:border-zinc-700">
        <div>
          <p className="text-xs font-medium text-zinc-600 dark:text-zinc-400">Arguments</p>
          <pre className="overflow-x-auto font-mono text-xs">{prettyJson(args)}</pre>
        </div>
        {output !== null && (
          <div>
            <p className="text-xs font-medium text-zinc-600 dark:text-zinc-400">Output</p>
            <pre className="overflow-x-auto whitespace-pre-wrap font-mono text-xs">{prettyJson(output)}</pre>
          </div>
        )}
      </div>
    </details>
  );
}

function prettyJson(text: string): string {
  try {
    return JSON.stringify(JSON.parse(text), null, 2);
  } catch {
    return text;
  }
}

/** A handoff between agents, shown where it happened in the answer. */
export function HandoffNotice({ from, to }: { from: string; to: string }) {
  return (
    <p className="flex items-center gap-2 text-xs text-zinc-600 dark:text-zinc-400" data-testid="handoff">
      <span aria-hidden className="h-px flex-1 bg-zinc-200 dark:bg-zinc-700" />
      <span>
        Handed off from <strong className="font-medium text-zinc-800 dark:text-zinc-200">{from}</strong> to{' '}
        <strong className="font-medium text-zinc-800 dark:text-zinc-200">{to}</strong>
      </span>
      <span aria-hidden className="h-px flex-1 bg-zinc-200 dark:bg-zinc-700" />
    </p>
  );
}

const GUARDRAIL_NAMES: Record<string, string> = {
  pii: 'Personal data',
  secrets: 'A secret',
  prompt_injection: 'An injected instruction',
  blocked_terms: 'A blocked term',
  moderation: 'Flagged content',
};
const STAGE_PLACES: Record<string, string> = {
  input: 'your message',
  output: 'the answer',
  tool_input: "a tool's input",
  tool_output: "a tool's result",
};

/** A guardrail that masked or reported something during the run: said once, quietly. */
export function GuardrailNotice({ guardrail, stage, action }: { guardrail: string; stage: string; action: string }) {
  const what = GUARDRAIL_NAMES[guardrail] ?? guardrail;
  const where = STAGE_PLACES[stage] ?? stage;
  return (
    <p className="text-xs text-zinc-600 dark:text-zinc-400" data-testid="guardrail-notice">
      <span aria-hidden>🛡 </span>
      {action === 'mask' ? `${what} in ${where} was masked.` : `${what} was noticed in ${where}.`}
    </p>
  );
}

const GUARDRAIL_TITLES: Record<string, string> = {
  pii: 'Personal data',
  secrets: 'Secrets',
  prompt_injection: 'Prompt injection',
  blocked_terms: 'Blocked terms',
  moderation: 'Moderation',
};
/** What a block at each stage withheld, in the user's terms. */
const BLOCKED_AT: Record<string, string> = {
  input: 'Your message was not sent to the assistant.',
  output: 'The answer was withdrawn and not saved.',
  tool_input: 'The tool was not called.',
  tool_output: "The tool's result was not passed to the assistant.",
};

/**
 * A run a guardrail blocked: says so plainly, naming the guardrail and where it tripped, in place of
 * the answer (a blocked answer's streamed text is dropped before this shows).
 */
export function GuardrailBlockedNotice({ details }: { details?: { guardrail: string; stage: string } }) {
  const what = details ? (GUARDRAIL_TITLES[details.guardrail] ?? details.guardrail) : null;
  const where = details ? (STAGE_PLACES[details.stage] ?? details.stage) : null;
  return (
    <div
      role="alert"
      className="rounded-lg border border-red-500/50 bg-red-50 px-3 py-2 text-sm text-red-950 dark:bg-red-500/10 dark:text-red-100"
      data-testid="guardrail-blocked"
    >
      <p className="font-medium">
        <span aria-hidden>🛡 </span>Blocked by guardrail
      </p>
      <p>
        {what && where ? (
          <>
            The <strong className="font-medium">{what}</strong> guardrail stopped this run when checking {where}.{' '}
            {BLOCKED_AT[details?.stage ?? ''] ?? ''}
          </>
        ) : (
          'A guardrail of this workspace stopped this run.'
        )}
      </p>
    </div>
  );
}
