'use client';
import type { AgentSummary } from '@agentry/contracts';

/** The empty state of a new chat: what the agents do, so a newcomer knows what to ask. */
export function ChatWelcome({ agents, onPick }: { agents: AgentSummary[]; onPick: (name: string) => void }) {
  return (
    <div className="py-8 text-center">
      <h1 className="text-2xl font-semibold">What can the agents do for you?</h1>
      <p className="mt-2 text-sm text-zinc-600 dark:text-zinc-400">
        Ask anything. The triage agent hands your question to a specialist when one fits.
      </p>
      <p data-testid="files-hint" className="mt-1 text-sm text-zinc-600 dark:text-zinc-400">
        Add “in my files” to ask about the documents on the{' '}
        <a href="/knowledge" className="font-medium text-brand-700 hover:underline dark:text-brand-100">
          Knowledge
        </a>{' '}
        page.
      </p>
      {agents.length > 0 && (
        <ul className="mt-6 grid gap-2 text-left sm:grid-cols-2">
          {agents.map((a) => (
            <li key={a.name}>
              <button
                type="button"
                onClick={() => onPick(a.name)}
                className="h-full w-full rounded-xl border border-zinc-200 p-3 text-left hover:border-brand-500 dark:border-zinc-800"
              >
                <span className="block text-sm font-medium">{a.display_name}</span>
                <span className="mt-0.5 block text-xs text-zinc-600 dark:text-zinc-400">{a.description}</span>
              </button>
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
