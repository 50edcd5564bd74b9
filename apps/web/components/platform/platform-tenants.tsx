'use client';
import { useState } from 'react';
import Link from 'next/link';
import { useInfiniteQuery } from '@tanstack/react-query';
import { api } from '@/lib/client/api';
import { Card, EmptyState } from '@/components/ui/feedback';
import { QueryView } from '@/components/ui/query-view';
import { Button } from '@/components/ui/button';
import { LoadMore } from '@/components/ui/load-more';
import { OperatorOnly } from './operator-only';

type Status = 'active' | 'suspended' | 'deprovisioned' | '';

/** The operator console: every tenant, searchable by name, slug or id, filtered by status. */
export function PlatformTenants() {
  return (
    <OperatorOnly>
      <TenantSearch />
    </OperatorOnly>
  );
}

function TenantSearch() {
  const [draft, setDraft] = useState('');
  const [q, setQ] = useState('');
  const [status, setStatus] = useState<Status>('');
  const tenants = useInfiniteQuery({
    queryKey: ['platform-tenants', q, status],
    initialPageParam: null as string | null,
    queryFn: ({ pageParam, signal }) =>
      api.get('/platform/tenants', {
        query: { q: q || undefined, status: status || undefined, limit: 50, cursor: pageParam ?? undefined },
        signal,
      }),
    getNextPageParam: (last) => last.next_cursor,
  });
  const items = tenants.data?.pages.flatMap((p) => p.items) ?? [];
  return (
    <div className="mx-auto max-w-5xl space-y-6 p-4 sm:p-6">
      <header>
        <h1 className="text-2xl font-semibold">Platform</h1>
        <p className="text-sm text-zinc-600 dark:text-zinc-400">Every workspace on this service.</p>
      </header>
      <Card title="Tenants">
        <form
          className="mb-4 flex flex-wrap items-end gap-2 text-sm"
          onSubmit={(e) => {
            e.preventDefault();
            setQ(draft.trim());
          }}
        >
          <label className="flex flex-col gap-1">
            <span className="font-medium">Search</span>
            <input
              value={draft}
              onChange={(e) => setDraft(e.target.value)}
              placeholder="Name, slug or id"
              className="w-64 rounded-lg border border-zinc-300 bg-white px-3 py-2 dark:border-zinc-700 dark:bg-zinc-900"
            />
          </label>
          <label className="flex flex-col gap-1">
            <span className="font-medium">Status</span>
            <select
              value={status}
              onChange={(e) => setStatus(e.target.value as Status)}
              className="rounded-lg border border-zinc-300 bg-white px-2 py-2 dark:border-zinc-700 dark:bg-zinc-900"
            >
              <option value="">Any</option>
              <option value="active">Active</option>
              <option value="suspended">Suspended</option>
              <option value="deprovisioned">Deprovisioned</option>
            </select>
          </label>
          <Button type="submit" size="sm">
            Search
          </Button>
        </form>
        <QueryView
          query={tenants}
          loading="Loading tenants"
          isEmpty={() => items.length === 0}
          empty={<EmptyState title="No tenants match" />}
        >
          {() => (
            <>
              <table className="w-full text-left text-sm" aria-label="Tenants">
                <thead className="text-xs uppercase text-zinc-500">
                  <tr>
                    <th className="py-2 pr-3 font-medium">Name</th>
                    <th className="py-2 pr-3 font-medium">Slug</th>
                    <th className="py-2 pr-3 font-medium">Status</th>
                    <th className="py-2 pr-3 font-medium">Members</th>
                    <th className="py-2 pr-3 font-medium">Plan</th>
                    <th className="py-2 font-medium">Created</th>
                  </tr>
                </thead>
                <tbody className="divide-y divide-zinc-200 dark:divide-zinc-800">
                  {items.map((t) => (
                    <tr key={t.id} data-testid="tenant-row">
                      <td className="py-2 pr-3">
                        <Link href={`/platform/${t.id}`} className="text-brand-700 hover:underline dark:text-brand-100">
                          {t.name}
                        </Link>
                      </td>
                      <td className="py-2 pr-3 font-mono text-xs">{t.slug}</td>
                      <td className="py-2 pr-3">
                        <StatusBadge status={t.status} />
                      </td>
                      <td className="py-2 pr-3">{t.member_count}</td>
                      <td className="py-2 pr-3">{t.plan_code ?? '—'}</td>
                      <td className="py-2 text-zinc-600 dark:text-zinc-400">
                        {new Date(t.created_at).toLocaleDateString()}
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
              <LoadMore query={tenants} />
            </>
          )}
        </QueryView>
      </Card>
    </div>
  );
}

export function StatusBadge({ status }: { status: 'active' | 'suspended' | 'deprovisioned' }) {
  return (
    <span
      className={`rounded-full px-2 py-0.5 text-xs ${
        status !== 'active'
          ? 'bg-red-100 text-red-800 dark:bg-red-500/20 dark:text-red-200'
          : 'bg-emerald-100 text-emerald-800 dark:bg-emerald-500/20 dark:text-emerald-200'
      }`}
    >
      {status}
    </span>
  );
}
