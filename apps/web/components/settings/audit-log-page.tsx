'use client';
import { useState } from 'react';
import Link from 'next/link';
import { useInfiniteQuery } from '@tanstack/react-query';
import { AUDIT_ACTIONS, type AuditAction, type AuditEvent } from '@agentry/contracts';
import { api } from '@/lib/client/api';
import { hasScope, useMe } from '@/lib/client/queries';
import { Alert, Card, EmptyState } from '@/components/ui/feedback';
import { QueryView } from '@/components/ui/query-view';
import { LoadMore } from '@/components/ui/load-more';

const PAGE = 50;

/** Settings → Audit log: the tenant's recorded actions, newest first, filtered by action, exportable. */
export function AuditLogPage() {
  const me = useMe();
  const [action, setAction] = useState<AuditAction | ''>('');
  const allowed = hasScope(me.data, 'audit:read');
  const events = useInfiniteQuery({
    queryKey: ['audit-events', action],
    initialPageParam: null as string | null,
    queryFn: ({ pageParam, signal }) =>
      api.get('/audit-events', {
        query: { limit: PAGE, cursor: pageParam ?? undefined, action: action || undefined },
        signal,
      }),
    getNextPageParam: (last) => last.next_cursor,
    enabled: allowed,
  });
  const items = events.data?.pages.flatMap((p) => p.items) ?? [];

  return (
    <div className="mx-auto max-w-5xl space-y-6 p-4 sm:p-6">
      <header>
        <Link href="/settings" className="text-sm text-brand-700 hover:underline dark:text-brand-100">
          ← Settings
        </Link>
        <h1 className="mt-1 text-2xl font-semibold">Audit log</h1>
        <p className="text-sm text-zinc-600 dark:text-zinc-400">
          Who did what in this workspace. Entries cannot be changed or deleted; they are kept for a year.
        </p>
      </header>
      {me.isPending ? null : !allowed ? (
        <Alert tone="warning" title="Not available">
          Only owners and admins can read the audit log.
        </Alert>
      ) : (
        <Card
          title="Events"
          actions={
            <div className="flex items-center gap-2 text-sm">
              <a
                download
                className="rounded-lg px-2.5 py-1.5 font-medium text-brand-700 hover:bg-zinc-100 dark:text-brand-100 dark:hover:bg-zinc-800"
                href={api.downloadUrl('/audit-events/export', {
                  query: { format: 'csv', action: action || undefined },
                })}
              >
                Export CSV
              </a>
              <a
                download
                className="rounded-lg px-2.5 py-1.5 font-medium text-brand-700 hover:bg-zinc-100 dark:text-brand-100 dark:hover:bg-zinc-800"
                href={api.downloadUrl('/audit-events/export', {
                  query: { format: 'ndjson', action: action || undefined },
                })}
              >
                Export NDJSON
              </a>
            </div>
          }
        >
          <label className="mb-4 flex items-center gap-2 text-sm">
            <span>Action</span>
            <select
              value={action}
              onChange={(e) => setAction(e.target.value as AuditAction | '')}
              className="rounded-lg border border-zinc-300 bg-white px-2 py-1.5 dark:border-zinc-700 dark:bg-zinc-900"
            >
              <option value="">All actions</option>
              {AUDIT_ACTIONS.map((a) => (
                <option key={a} value={a}>
                  {a}
                </option>
              ))}
            </select>
          </label>
          <QueryView
            query={events}
            loading="Loading audit events"
            isEmpty={() => items.length === 0}
            empty={<EmptyState title="No events">Nothing recorded{action ? ` for ${action}` : ''} yet.</EmptyState>}
          >
            {() => (
              <>
                <div className="overflow-x-auto">
                  <table className="w-full text-left text-sm" aria-label="Audit events">
                    <thead className="text-xs uppercase text-zinc-500">
                      <tr>
                        <th className="py-2 pr-3 font-medium">When</th>
                        <th className="py-2 pr-3 font-medium">Action</th>
                        <th className="py-2 pr-3 font-medium">Actor</th>
                        <th className="py-2 pr-3 font-medium">Target</th>
                        <th className="py-2 pr-3 font-medium">IP</th>
                        <th className="py-2 font-medium">Details</th>
                      </tr>
                    </thead>
                    <tbody className="divide-y divide-zinc-200 dark:divide-zinc-800">
                      {items.map((e) => (
                        <EventRow key={e.id} event={e} />
                      ))}
                    </tbody>
                  </table>
                </div>
                <LoadMore query={events} />
              </>
            )}
          </QueryView>
        </Card>
      )}
    </div>
  );
}

function EventRow({ event }: { event: AuditEvent }) {
  const actor =
    event.actor.email ?? (event.actor.id ? `${event.actor.type} ${event.actor.id.slice(0, 8)}` : event.actor.type);
  const details = Object.entries(event.metadata)
    .map(([k, v]) => `${k}: ${typeof v === 'string' ? v : JSON.stringify(v)}`)
    .join(', ');
  return (
    <tr data-testid="audit-row" className="align-top">
      <td className="whitespace-nowrap py-2 pr-3 text-zinc-600 dark:text-zinc-400">
        <time dateTime={event.created_at}>{new Date(event.created_at).toLocaleString()}</time>
      </td>
      <td className="py-2 pr-3 font-mono text-xs">{event.action}</td>
      <td className="py-2 pr-3">{actor}</td>
      <td className="py-2 pr-3 text-xs">{event.target ? `${event.target.type} ${event.target.id ?? ''}` : '—'}</td>
      <td className="py-2 pr-3 text-xs">{event.ip_masked ?? '—'}</td>
      <td className="max-w-xs break-words py-2 text-xs text-zinc-600 dark:text-zinc-400">{details || '—'}</td>
    </tr>
  );
}
