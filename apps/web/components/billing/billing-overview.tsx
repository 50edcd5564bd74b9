'use client';
import { useState } from 'react';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { api } from '@/lib/client/api';
import { ApiError, describeError } from '@/lib/client/api-error';
import { hasScope, useMe } from '@/lib/client/queries';
import { useBillingStream } from '@/lib/client/use-billing-stream';
import { Alert, Card, EmptyState } from '@/components/ui/feedback';
import { QueryView } from '@/components/ui/query-view';
import { Button } from '@/components/ui/button';
import { useToast } from '@/components/ui/toaster';
import { PlanGrid, type PlanChangeTiming } from './plan-grid';
import { PaymentMethodsCard } from './payment-methods-card';
import { UpcomingInvoiceCard } from './upcoming-invoice-card';
import { UsageMeters } from './usage-meters';
import { BillingFeed } from './billing-feed';
import { formatDate, formatMoney } from './format';

/** Plans, the current subscription, usage against limits, invoices and the live event feed. */
export function BillingOverview() {
  const me = useMe();
  const tenantId = me.data?.tenant.id;
  const canManage = hasScope(me.data, 'billing:manage');
  const toast = useToast();
  const queryClient = useQueryClient();
  const [disabledByAction, setDisabledByAction] = useState(false);
  const [redirecting, setRedirecting] = useState<string | null>(null);

  const plans = useQuery({ queryKey: ['plans'], queryFn: () => api.get('/billing/plans') });
  const subscription = useQuery({
    queryKey: ['subscription', tenantId],
    enabled: Boolean(tenantId),
    // No subscription yet is a 404: treat it as "none", not as an error.
    queryFn: () =>
      api
        .get('/billing/tenants/:tenant_id/subscription', { params: { tenant_id: tenantId ?? '' } })
        .catch((e) => (e instanceof ApiError && e.status === 404 ? null : Promise.reject(e))),
  });
  const usage = useQuery({
    queryKey: ['usage', tenantId],
    enabled: Boolean(tenantId),
    queryFn: () => api.get('/billing/tenants/:tenant_id/usage', { params: { tenant_id: tenantId ?? '' } }),
  });
  const invoices = useQuery({
    queryKey: ['invoices', tenantId],
    enabled: Boolean(tenantId),
    queryFn: () => api.get('/billing/tenants/:tenant_id/invoices', { params: { tenant_id: tenantId ?? '' } }),
  });
  // Every billing event can change what this page shows: refetch it all (the event is the notification).
  const refreshAll = () => {
    for (const key of ['subscription', 'usage', 'invoices', 'upcoming-invoice', 'payment-methods'])
      void queryClient.invalidateQueries({ queryKey: [key] });
  };
  const feed = useBillingStream(refreshAll);

  const billingDisabled =
    disabledByAction ||
    feed.state === 'disabled' ||
    [subscription.error, usage.error, invoices.error].some(
      (e) => e instanceof ApiError && e.code === 'billing_disabled',
    );

  const goTo = async (kind: 'checkout-session' | 'portal-session', planCode?: string) => {
    if (!tenantId) return;
    setRedirecting(planCode ?? kind);
    try {
      const params = { tenant_id: tenantId };
      const { url } =
        kind === 'checkout-session'
          ? await api.post('/billing/tenants/:tenant_id/checkout-session', {
              params,
              body: {
                plan_code: planCode,
                success_url: `${window.location.origin}/billing?checkout=success`,
                cancel_url: `${window.location.origin}/billing`,
              },
            })
          : await api.post('/billing/tenants/:tenant_id/portal-session', {
              params,
              body: { return_url: `${window.location.origin}/billing` },
            });
      window.location.assign(url);
    } catch (error) {
      if (error instanceof ApiError && error.code === 'billing_disabled') setDisabledByAction(true);
      toast(describeError(error), 'error');
      setRedirecting(null);
    }
  };

  const switchPlan = async (planCode: string, timing: PlanChangeTiming) => {
    if (!tenantId || !current) return;
    setRedirecting(`${planCode}:${timing}`);
    try {
      // A plan with fewer seats than the current count keeps as many as it allows (the server
      // refuses fewer than the seats in use, with a message saying so).
      const cap = plans.data?.items
        .find((p) => p.code === planCode)
        ?.features.find((f) => f.key === 'seats')?.hard_limit;
      const seats = cap != null && current.seat_count > cap ? { seat_count: cap } : {};
      await api.patch('/billing/tenants/:tenant_id/subscription', {
        params: { tenant_id: tenantId },
        body: { plan_code: planCode, timing, ...seats },
      });
      toast(timing === 'now' ? 'Plan changed' : 'Plan change scheduled for the period end', 'success');
      refreshAll();
    } catch (error) {
      toast(describeError(error), 'error');
    } finally {
      setRedirecting(null);
    }
  };

  const cancelPendingChange = async () => {
    if (!tenantId) return;
    try {
      await api.delete('/billing/tenants/:tenant_id/subscription/pending-change', { params: { tenant_id: tenantId } });
      toast('Scheduled change canceled', 'success');
      refreshAll();
    } catch (error) {
      toast(describeError(error), 'error');
    }
  };

  const featureNames = Object.fromEntries(
    (plans.data?.items ?? []).flatMap((p) => p.features.map((f) => [f.key, f.display_name])),
  );
  const current = subscription.data ?? null;
  const noSubscription = (
    <EmptyState title="No paid subscription">You are on the free allowance. Pick a plan below to upgrade.</EmptyState>
  );

  return (
    <div className="mx-auto max-w-5xl space-y-6 p-4 sm:p-6">
      <header>
        <h1 className="text-2xl font-semibold">Billing</h1>
        <p className="mt-1 text-sm text-zinc-600 dark:text-zinc-400">
          {me.data ? `Workspace ${me.data.tenant.name}` : '\u00a0'}
        </p>
      </header>
      {current?.pending_plan_code && (
        <div data-testid="pending-change">
          <Alert tone="info" title="Plan change scheduled">
            <div className="flex flex-wrap items-center justify-between gap-2">
              <span>
                Changes to{' '}
                {plans.data?.items.find((p) => p.code === current.pending_plan_code)?.name ?? current.pending_plan_code}{' '}
                on {formatDate(current.pending_change_at)}. Until then nothing changes.
              </span>
              {canManage && (
                <Button size="sm" variant="secondary" onClick={cancelPendingChange}>
                  Cancel scheduled change
                </Button>
              )}
            </div>
          </Alert>
        </div>
      )}
      {billingDisabled && (
        <Alert tone="warning" title="Billing is not configured on this server">
          Plans and usage are shown, but checkout, the customer portal and live billing events need Stripe: set{' '}
          <code>STRIPE_SECRET_KEY</code> and <code>STRIPE_WEBHOOK_SECRET</code> on the API and restart it.
        </Alert>
      )}
      <div className="grid gap-6 lg:grid-cols-2">
        <Card
          title="Current subscription"
          actions={
            canManage && current ? (
              <Button
                variant="secondary"
                size="sm"
                loading={redirecting === 'portal-session'}
                disabled={billingDisabled}
                onClick={() => goTo('portal-session')}
              >
                Manage in portal
              </Button>
            ) : null
          }
        >
          <QueryView
            query={subscription}
            loading="Loading subscription"
            rows={2}
            // Without billing there is no subscription to show, only the free allowance.
            renderError={() => (billingDisabled ? noSubscription : undefined)}
          >
            {(current) =>
              current ? (
                <dl className="grid grid-cols-2 gap-2 text-sm" data-testid="subscription">
                  <dt className="text-zinc-600 dark:text-zinc-400">Plan</dt>
                  <dd className="font-medium">
                    {plans.data?.items.find((p) => p.code === current.plan_code)?.name ?? current.plan_code}
                  </dd>
                  <dt className="text-zinc-600 dark:text-zinc-400">Status</dt>
                  <dd className="capitalize">{current.status.replace(/_/g, ' ')}</dd>
                  <dt className="text-zinc-600 dark:text-zinc-400">Seats</dt>
                  <dd>{current.seat_count}</dd>
                  <dt className="text-zinc-600 dark:text-zinc-400">Renews</dt>
                  <dd>
                    {current.cancel_at
                      ? `Cancels ${formatDate(current.cancel_at)}`
                      : formatDate(current.current_period_end)}
                  </dd>
                  {current.trial_ends_at && (
                    <>
                      <dt className="text-zinc-600 dark:text-zinc-400">Trial ends</dt>
                      <dd>{formatDate(current.trial_ends_at)}</dd>
                    </>
                  )}
                </dl>
              ) : (
                noSubscription
              )
            }
          </QueryView>
        </Card>
        <Card title="Usage this period" description="Counted from your chats, against your plan’s limits.">
          <QueryView query={usage} loading="Loading usage">
            {(data) => <UsageMeters usage={data} names={featureNames} />}
          </QueryView>
        </Card>
      </div>
      <Card title="Plans">
        <QueryView query={plans} loading="Loading plans" empty={<EmptyState title="No plans published" />}>
          {({ items }) => (
            <PlanGrid
              plans={items}
              currentCode={current?.plan_code ?? null}
              canManage={canManage}
              disabled={billingDisabled}
              pendingCode={redirecting}
              onChoose={(code) => goTo('checkout-session', code)}
              onSwitch={current && current.status !== 'canceled' ? switchPlan : undefined}
              periodEnd={current?.current_period_end}
            />
          )}
        </QueryView>
      </Card>
      <div className="grid gap-6 lg:grid-cols-2">
        <Card title="Invoices">
          <QueryView
            query={invoices}
            loading="Loading invoices"
            rows={2}
            renderError={() =>
              billingDisabled ? (
                <EmptyState title="No invoices">Invoices appear once billing is configured.</EmptyState>
              ) : undefined
            }
            empty={<EmptyState title="No invoices yet" />}
          >
            {({ items }) => (
              <ul className="divide-y divide-zinc-200 text-sm dark:divide-zinc-800">
                {items.map((inv) => (
                  <li key={inv.id} className="flex items-center justify-between gap-2 py-2">
                    <span>
                      {formatDate(inv.period_start)} – {formatDate(inv.period_end)}
                    </span>
                    <span className="capitalize text-zinc-600 dark:text-zinc-400">{inv.status}</span>
                    <span className="tabular-nums">{formatMoney(inv.amount_due_cents, inv.currency)}</span>
                    {inv.hosted_invoice_url && (
                      <a
                        href={inv.hosted_invoice_url}
                        target="_blank"
                        rel="noopener noreferrer"
                        className="text-brand-700 underline dark:text-brand-100"
                      >
                        View
                      </a>
                    )}
                  </li>
                ))}
              </ul>
            )}
          </QueryView>
        </Card>
        <BillingFeed events={feed.events} state={feed.state} />
      </div>
      {tenantId && (
        <div className="grid gap-6 lg:grid-cols-2">
          <UpcomingInvoiceCard tenantId={tenantId} enabled={!billingDisabled && Boolean(current)} />
          <PaymentMethodsCard tenantId={tenantId} canManage={canManage} disabled={billingDisabled} />
        </div>
      )}
    </div>
  );
}
