import type { Metadata } from 'next';
import { ShareId, SharedConversation } from '@agentry/contracts';
import { Markdown } from '@/components/markdown/markdown';
import { AgentLabel, UserBubble } from '@/components/chat/message-bubbles';
import { PublicHeader } from '@/components/shell/brand-link';
import { API_URL } from '@/lib/server/api-origin';

export const dynamic = 'force-dynamic';
// A shared link is a secret: never indexed, never followed.
export const metadata: Metadata = { title: 'Shared conversation', robots: { index: false, follow: false } };

async function load(id: string): Promise<SharedConversation | null> {
  if (!ShareId.safeParse(id).success) return null;
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
      <PublicHeader className="border-b border-zinc-200 dark:border-zinc-800" />
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
              {shared.messages.map((m, i) =>
                m.role === 'user' ? (
                  // biome-ignore lint/suspicious/noArrayIndexKey: a frozen, never-reordered list
                  <UserBubble key={i} text={m.content} />
                ) : (
                  // biome-ignore lint/suspicious/noArrayIndexKey: a frozen, never-reordered list
                  <div key={i} data-testid="assistant-message">
                    <AgentLabel name={m.agent} />
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
