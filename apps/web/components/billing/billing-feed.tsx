'use client';
import type { BillingEvent } from '@agentry/contracts';
import type { FeedState } from '@/lib/client/use-billing-stream';
import { Card, EmptyState } from '@/components/ui/feedback';

const STATE_TEXT: Record<FeedState, string> = {
  connecting: 'Connecting…',
  live: 'Live',
  reconnecting: 'Reconnecting…',
  disabled: 'Off: billing not configured',
  error: 'Unavailable',
};

/** Billing events as they happen (subscription changes, invoices, usage thresholds). */
export function BillingFeed({ events, state }: { events: BillingEvent[]; state: FeedState }) {
  return (
    <Card
      title="Live billing events"
      actions={
        <span className="flex items-center gap-1.5 text-xs text-zinc-600 dark:text-zinc-400" role="status">
          <span
            aria-hidden
            className={`size-2 rounded-full ${state === 'live' ? 'bg-emerald-500' : state === 'disabled' || state === 'error' ? 'bg-zinc-400' : 'animate-pulse bg-amber-500'}`}
          />
          {STATE_TEXT[state]}
        </span>
      }
    >
      {events.length === 0 ? (
        <EmptyState title="No events yet">
          {state === 'disabled'
            ? 'Events appear here once Stripe is configured.'
            : 'Subscription, invoice and usage events will appear here as they happen.'}
        </EmptyState>
      ) : (
        <ol className="max-h-72 space-y-2 overflow-y-auto text-sm" aria-live="polite">
          {events.map((e, i) => (
            <li
              // biome-ignore lint/suspicious/noArrayIndexKey: the feed only appends; the index makes repeated ids unique
              key={`${e.stripe_event_id ?? e.occurred_at}-${i}`}
              className="rounded-lg border border-zinc-200 px-3 py-2 dark:border-zinc-800"
            >
              <div className="flex justify-between gap-2">
                <span className="font-mono text-xs">{e.type}</span>
                <time className="text-xs text-zinc-500" dateTime={e.occurred_at}>
                  {new Date(e.occurred_at).toLocaleTimeString()}
                </time>
              </div>
              <p className="mt-0.5">{e.summary}</p>
            </li>
          ))}
        </ol>
      )}
    </Card>
  );
}
