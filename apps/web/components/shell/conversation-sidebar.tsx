'use client';
import Link from 'next/link';
import { usePathname } from 'next/navigation';
import { useEffect, useRef, useState } from 'react';
import { useConversationList } from '@/lib/client/queries';
import { EmptyState } from '@/components/ui/feedback';
import { QueryView } from '@/components/ui/query-view';
import { ConversationRow } from './conversation-row';

/** Conversation list: search, rename, delete, and the next page when the end scrolls into view. */
export function ConversationSidebar({ onClose }: { onClose: () => void }) {
  const pathname = usePathname();
  const [search, setSearch] = useState('');
  const [q, setQ] = useState('');
  useEffect(() => {
    const timer = setTimeout(() => setQ(search.trim()), 300);
    return () => clearTimeout(timer);
  }, [search]);
  const list = useConversationList(q);
  const items = list.data?.pages.flatMap((p) => p.items) ?? [];
  const sentinel = useRef<HTMLDivElement>(null);
  const { hasNextPage, isFetchingNextPage, fetchNextPage } = list;

  useEffect(() => {
    const el = sentinel.current;
    if (!el || !hasNextPage || typeof IntersectionObserver === 'undefined') return;
    const observer = new IntersectionObserver((entries) => {
      if (entries.some((e) => e.isIntersecting) && !isFetchingNextPage) void fetchNextPage();
    });
    observer.observe(el);
    return () => observer.disconnect();
  }, [hasNextPage, isFetchingNextPage, fetchNextPage]);

  const activeId = pathname.startsWith('/c/') ? pathname.slice(3) : null;

  return (
    <div className="flex h-full flex-col">
      <div className="flex items-center gap-2 p-3">
        <Link
          href="/"
          className="flex-1 rounded-lg bg-brand-600 px-3 py-2 text-center text-sm font-medium text-white hover:bg-brand-700"
        >
          + New chat
        </Link>
        <button
          type="button"
          onClick={onClose}
          aria-label="Close conversations"
          className="rounded-lg p-2 hover:bg-zinc-200 dark:hover:bg-zinc-800 md:hidden"
        >
          ×
        </button>
      </div>
      <div className="px-3 pb-2">
        <label htmlFor="conversation-search" className="sr-only">
          Search conversations
        </label>
        <input
          id="conversation-search"
          type="search"
          placeholder="Search conversations"
          value={search}
          onChange={(e) => setSearch(e.target.value)}
          className="w-full rounded-lg border border-zinc-300 bg-white px-3 py-1.5 text-sm dark:border-zinc-700 dark:bg-zinc-950"
        />
      </div>
      <div className="min-h-0 flex-1 overflow-y-auto px-2 pb-3">
        <QueryView
          query={list}
          loading="Loading conversations"
          rows={6}
          isEmpty={() => items.length === 0}
          empty={
            <EmptyState title={q ? 'No matches' : 'No conversations yet'}>
              {q ? `Nothing mentions “${q}”.` : 'Ask something to start your first one.'}
            </EmptyState>
          }
        >
          {() => (
            <ul className="space-y-0.5" aria-label="Conversation list">
              {items.map((c) => (
                <ConversationRow key={c.id} conversation={c} active={c.id === activeId} />
              ))}
            </ul>
          )}
        </QueryView>
        <div ref={sentinel} />
        {hasNextPage && (
          <button
            type="button"
            onClick={() => void fetchNextPage()}
            disabled={isFetchingNextPage}
            className="mt-2 w-full rounded-lg px-3 py-1.5 text-sm text-zinc-600 hover:bg-zinc-200 dark:text-zinc-400 dark:hover:bg-zinc-800"
          >
            {isFetchingNextPage ? 'Loading…' : 'Load more'}
          </button>
        )}
      </div>
    </div>
  );
}
