'use client';
import Link from 'next/link';
import { useAgents, useTools } from '@/lib/client/queries';
import { EmptyState } from '@/components/ui/feedback';
import { QueryView } from '@/components/ui/query-view';

function Chip({ children }: { children: string }) {
  return <span className="rounded-full bg-zinc-100 px-2 py-0.5 font-mono text-xs dark:bg-zinc-800">{children}</span>;
}

/** Every agent with its model, tools and handoffs, then every tool with what it takes. */
export function AgentsCatalog() {
  const agents = useAgents();
  const tools = useTools();
  return (
    <div className="mx-auto max-w-5xl space-y-8 p-4 sm:p-6">
      <header>
        <h1 className="text-2xl font-semibold">Agents and tools</h1>
        <p className="mt-1 text-sm text-zinc-600 dark:text-zinc-400">
          Who answers, what they can call, and whom they hand off to.
        </p>
      </header>
      <section aria-labelledby="agents-heading" className="space-y-3">
        <h2 id="agents-heading" className="text-lg font-semibold">
          Agents
        </h2>
        <QueryView query={agents} loading="Loading agents" empty={<EmptyState title="No agents configured" />}>
          {({ items }) => (
            <ul className="grid gap-3 sm:grid-cols-2">
              {items.map((a) => (
                <li key={a.name} className="rounded-xl border border-zinc-200 p-4 dark:border-zinc-800">
                  <div className="flex items-start justify-between gap-2">
                    <h3 className="font-semibold">{a.display_name}</h3>
                    <span
                      className={`rounded-full px-2 py-0.5 text-xs ${a.model === 'offline' ? 'bg-amber-100 text-amber-900 dark:bg-amber-500/20 dark:text-amber-100' : 'bg-emerald-100 text-emerald-900 dark:bg-emerald-500/20 dark:text-emerald-100'}`}
                    >
                      {a.model === 'offline' ? 'offline model' : a.model}
                    </span>
                  </div>
                  <p className="mt-1 text-sm text-zinc-600 dark:text-zinc-400">{a.description}</p>
                  <dl className="mt-3 space-y-1 text-sm">
                    <div className="flex flex-wrap items-center gap-1">
                      <dt className="mr-1 text-zinc-600 dark:text-zinc-400">Tools:</dt>
                      {a.tools.length ? (
                        a.tools.map((t) => (
                          <dd key={t}>
                            <Chip>{t}</Chip>
                          </dd>
                        ))
                      ) : (
                        <dd>none</dd>
                      )}
                    </div>
                    <div className="flex flex-wrap items-center gap-1">
                      <dt className="mr-1 text-zinc-600 dark:text-zinc-400">Hands off to:</dt>
                      {a.handoffs.length ? (
                        a.handoffs.map((h) => (
                          <dd key={h}>
                            <Chip>{h}</Chip>
                          </dd>
                        ))
                      ) : (
                        <dd>nobody</dd>
                      )}
                    </div>
                  </dl>
                  <Link
                    href="/"
                    className="mt-3 inline-block text-sm font-medium text-brand-700 hover:underline dark:text-brand-100"
                  >
                    Chat →
                  </Link>
                </li>
              ))}
            </ul>
          )}
        </QueryView>
      </section>
      <section aria-labelledby="tools-heading" className="space-y-3">
        <h2 id="tools-heading" className="text-lg font-semibold">
          Tools
        </h2>
        <QueryView query={tools} loading="Loading tools" empty={<EmptyState title="No tools registered" />}>
          {({ items }) => (
            <ul className="divide-y divide-zinc-200 rounded-xl border border-zinc-200 dark:divide-zinc-800 dark:border-zinc-800">
              {items.map((t) => (
                <li key={t.name} className="p-4">
                  <div className="flex flex-wrap items-center gap-2">
                    <h3 className="font-mono font-semibold">{t.name}</h3>
                    {t.core && (
                      <span className="rounded-full bg-brand-100 px-2 py-0.5 text-xs text-brand-700">core</span>
                    )}
                    {t.requires_approval && (
                      <span
                        className="rounded-full bg-amber-100 px-2 py-0.5 text-xs text-amber-900 dark:bg-amber-500/20 dark:text-amber-100"
                        title="A call of this tool waits until a person approves it"
                      >
                        needs approval
                      </span>
                    )}
                    {t.capabilities.map((c) => (
                      <Chip key={c}>{c}</Chip>
                    ))}
                  </div>
                  <p className="mt-1 text-sm text-zinc-600 dark:text-zinc-400">{t.description}</p>
                  <p className="mt-1 text-xs text-zinc-500">Used by: {t.agents.join(', ') || '—'}</p>
                  <details className="mt-2 text-sm">
                    <summary className="cursor-pointer text-zinc-600 dark:text-zinc-400">Parameters</summary>
                    <pre className="mt-1 overflow-x-auto rounded bg-zinc-50 p-2 font-mono text-xs dark:bg-zinc-900">
                      {JSON.stringify(t.parameters, null, 2)}
                    </pre>
                  </details>
                </li>
              ))}
            </ul>
          )}
        </QueryView>
      </section>
    </div>
  );
}
