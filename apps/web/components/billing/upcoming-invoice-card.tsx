'use client';
import { useQuery } from '@tanstack/react-query';
import { api } from '@/lib/client/api';
import { ApiError } from '@/lib/client/api-error';
import { Card, EmptyState } from '@/components/ui/feedback';
import { QueryView } from '@/components/ui/query-view';
import { formatDate, formatMoney } from './format';

/** The next invoice as Stripe previews it now: a scheduled plan change and prorations included. */
export function UpcomingInvoiceCard({ tenantId, enabled }: { tenantId: string; enabled: boolean }) {
  const upcoming = useQuery({
    queryKey: ['upcoming-invoice', tenantId],
    enabled,
    // No subscription is a 404: nothing is coming, not an error.
    queryFn: () =>
      api
        .get('/billing/tenants/:tenant_id/invoices/upcoming', { params: { tenant_id: tenantId } })
        .catch((e) => (e instanceof ApiError && e.status === 404 ? null : Promise.reject(e))),
  });
  const none = <EmptyState title="Nothing due">An invoice appears here once you subscribe.</EmptyState>;
  return (
    <Card title="Upcoming invoice">
      {!enabled ? (
        none
      ) : (
        <QueryView query={upcoming} loading="Loading upcoming invoice" rows={2}>
          {(invoice) =>
            invoice ? (
              <div className="space-y-2 text-sm" data-testid="upcoming-invoice">
                <p className="flex justify-between">
                  <span>
                    {formatDate(invoice.period_start)} – {formatDate(invoice.period_end)}
                  </span>
                  <span className="font-semibold tabular-nums">
                    {formatMoney(invoice.amount_due_cents, invoice.currency)}
                  </span>
                </p>
                <ul className="divide-y divide-zinc-200 text-zinc-600 dark:divide-zinc-800 dark:text-zinc-400">
                  {invoice.lines.map((line, i) => (
                    // biome-ignore lint/suspicious/noArrayIndexKey: lines have no id in a preview
                    <li key={i} className="flex justify-between gap-2 py-1">
                      <span>{line.description}</span>
                      <span className="tabular-nums">{formatMoney(line.amount_cents, invoice.currency)}</span>
                    </li>
                  ))}
                </ul>
              </div>
            ) : (
              none
            )
          }
        </QueryView>
      )}
    </Card>
  );
}
