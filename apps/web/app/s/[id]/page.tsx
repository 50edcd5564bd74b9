import type { Metadata } from 'next';
import Link from 'next/link';
import { SharedConversation } from '@agentry/contracts';
import { Markdown } from '@/components/markdown/markdown';
import { ThemeToggle } from '@/components/ui/theme-toggle';
import { API_URL } from '@/lib/server/api-origin';

export const dynamic = 'force-dynamic';
// A shared link is a secret: never indexed, never followed.
export const metadata: Metadata = { title: 'Shared conversation', robots: { index: false, follow: false } };

async function load(id: string): Promise<SharedConversation | null> {
  if (!/^[A-Za-z0-9_-]{22,64}$/.test(id)) return null;
  const res = await fetch(`${API_URL}/api/v1/shared/${id}`, { cache: 'no-store' });
  if (!res.ok) return null;
  return SharedConversation.parse(await res.json());
}

/** A conversation someone shared: readable signed out, read-only (no composer). */
export default async function SharedPage({ params }: { params: Promise<{ id: string }> }) {
  const { id } = await params;
  const shared = await load(id);
  return (
    <div className="min-h-dvh bg-zinc-50 dark:bg-zinc-950">
      <header className="flex items-center justify-between border-b border-zinc-200 px-4 py-3 dark:border-zinc-800 sm:px-6">
        <Link href="/" className="flex items-center gap-2 font-semibold">
          <span aria-hidden className="grid size-7 place-items-center rounded-lg bg-brand-600 text-sm text-white">
            A
          </span>
          Agentry
        </Link>
        <ThemeToggle />
      </header>
      <main id="main" className="mx-auto max-w-3xl space-y-6 px-3 py-8 sm:px-6">
        {shared ? (
          <>
            <div>
              <h1 className="text-xl font-semibold">{shared.title}</h1>
              <p className="text-sm text-zinc-600 dark:text-zinc-400">
                Shared {new Date(shared.shared_at).toUTCString()} · read-only
              </p>
            </div>
            <div role="log" aria-label="Messages" className="space-y-6">
              {shared.messages.map((m) =>
                m.role === 'user' ? (
                  <div key={m.created_at + m.content.slice(0, 16)} className="flex justify-end">
                    <div
                      className="max-w-[85%] whitespace-pre-wrap rounded-2xl rounded-br-sm bg-brand-600 px-4 py-2 text-white"
                      data-testid="user-message"
                    >
                      {m.content}
                    </div>
                  </div>
                ) : (
                  <div key={m.created_at + m.content.slice(0, 16)} data-testid="assistant-message">
                    <p className="mb-1 text-xs font-medium text-zinc-600 dark:text-zinc-400">
                      {m.agent ?? 'assistant'}
                    </p>
                    <Markdown source={m.content} />
                  </div>
                ),
              )}
            </div>
          </>
        ) : (
          <div role="alert" className="space-y-2 text-center">
            <h1 className="text-xl font-semibold">This link does not work</h1>
            <p className="text-zinc-600 dark:text-zinc-400">It may have been revoked, or it was mistyped.</p>
          </div>
        )}
      </main>
    </div>
  );
}
