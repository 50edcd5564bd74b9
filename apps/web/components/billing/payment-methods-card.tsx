'use client';
import { useEffect, useRef, useState } from 'react';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api } from '@/lib/client/api';
import { describeError } from '@/lib/client/api-error';
import { loadStripeJs, type StripeElements, type StripeJs } from '@/lib/client/stripe-js';
import { Alert, Card, EmptyState } from '@/components/ui/feedback';
import { QueryView } from '@/components/ui/query-view';
import { Button } from '@/components/ui/button';
import { useToast } from '@/components/ui/toaster';

/** The workspace's cards (kept by Stripe): default marked, make default, remove, add with Stripe Elements. */
export function PaymentMethodsCard({
  tenantId,
  canManage,
  disabled,
}: {
  tenantId: string;
  canManage: boolean;
  disabled: boolean;
}) {
  const toast = useToast();
  const queryClient = useQueryClient();
  const [adding, setAdding] = useState(false);
  const params = { tenant_id: tenantId };
  const methods = useQuery({
    queryKey: ['payment-methods', tenantId],
    enabled: !disabled,
    queryFn: () => api.get('/billing/tenants/:tenant_id/payment-methods', { params }),
  });
  const refresh = () => void queryClient.invalidateQueries({ queryKey: ['payment-methods'] });
  const makeDefault = useMutation({
    mutationFn: (pmId: string) =>
      api.post('/billing/tenants/:tenant_id/payment-methods/:pm_id/default', { params: { ...params, pm_id: pmId } }),
    onSuccess: () => {
      toast('Default card updated', 'success');
      refresh();
    },
    onError: (error) => toast(describeError(error), 'error'),
  });
  const remove = useMutation({
    mutationFn: (pmId: string) =>
      api.delete('/billing/tenants/:tenant_id/payment-methods/:pm_id', { params: { ...params, pm_id: pmId } }),
    onSuccess: () => {
      toast('Card removed', 'success');
      refresh();
    },
    onError: (error) => toast(describeError(error), 'error'),
  });

  return (
    <Card
      title="Payment methods"
      description="Cards are kept by Stripe; invoices are charged to the default one."
      actions={
        canManage && !disabled && !adding ? (
          <Button size="sm" variant="secondary" onClick={() => setAdding(true)}>
            Add a card
          </Button>
        ) : null
      }
    >
      <div data-testid="payment-methods">
        {disabled ? (
          <EmptyState title="No payment methods">Cards can be added once billing is configured.</EmptyState>
        ) : (
          <QueryView
            query={methods}
            loading="Loading payment methods"
            rows={2}
            empty={<EmptyState title="No cards yet">Add a card to pay invoices when a trial ends.</EmptyState>}
          >
            {({ items }) => (
              <ul className="divide-y divide-zinc-200 text-sm dark:divide-zinc-800">
                {items.map((pm) => (
                  <li key={pm.id} className="flex flex-wrap items-center gap-2 py-2" data-testid="payment-method">
                    <span className="min-w-0 flex-1">
                      <span className="capitalize">{pm.brand}</span> •••• {pm.last4}
                      <span className="ml-2 text-xs text-zinc-500">
                        expires {String(pm.exp_month).padStart(2, '0')}/{pm.exp_year}
                      </span>
                      {pm.is_default && (
                        <span className="ml-2 rounded-full bg-brand-100 px-2 py-0.5 text-xs text-brand-700">
                          Default
                        </span>
                      )}
                    </span>
                    {canManage && !pm.is_default && (
                      <Button size="sm" variant="ghost" onClick={() => makeDefault.mutate(pm.id)}>
                        Make default
                      </Button>
                    )}
                    {canManage && (
                      <Button
                        size="sm"
                        variant="ghost"
                        onClick={() => remove.mutate(pm.id)}
                        aria-label={`Remove ${pm.brand} ending ${pm.last4}`}
                      >
                        Remove
                      </Button>
                    )}
                  </li>
                ))}
              </ul>
            )}
          </QueryView>
        )}
        {adding && (
          <AddCard
            tenantId={tenantId}
            onDone={(added) => {
              setAdding(false);
              if (added) {
                toast('Card added', 'success');
                refresh();
              }
            }}
          />
        )}
      </div>
    </Card>
  );
}

/** Stripe's Payment Element for a SetupIntent: the card goes from the browser to Stripe, never through us. */
function AddCard({ tenantId, onDone }: { tenantId: string; onDone: (added: boolean) => void }) {
  const mount = useRef<HTMLDivElement>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const [ready, setReady] = useState<{ stripe: StripeJs; elements: StripeElements } | null>(null);
  const [saving, setSaving] = useState(false);

  useEffect(() => {
    let element: { destroy(): void } | undefined;
    let cancelled = false;
    (async () => {
      try {
        const intent = await api.post('/billing/tenants/:tenant_id/payment-methods/setup-intent', {
          params: { tenant_id: tenantId },
        });
        if (!intent.publishable_key) {
          setProblem(
            'Adding cards here needs STRIPE_PUBLISHABLE_KEY on the API; the customer portal can add them meanwhile.',
          );
          return;
        }
        const stripe = await loadStripeJs(intent.publishable_key);
        if (cancelled || !mount.current) return;
        const elements = stripe.elements({ clientSecret: intent.client_secret });
        const payment = elements.create('payment');
        payment.mount(mount.current);
        element = payment;
        setReady({ stripe, elements });
      } catch (error) {
        setProblem(describeError(error));
      }
    })();
    return () => {
      cancelled = true;
      element?.destroy();
    };
  }, [tenantId]);

  const save = async () => {
    if (!ready) return;
    setSaving(true);
    const result = await ready.stripe.confirmSetup({ elements: ready.elements, redirect: 'if_required' });
    setSaving(false);
    if (result.error) setProblem(result.error.message ?? 'The card was not accepted.');
    else onDone(true);
  };

  return (
    <div className="mt-4 space-y-3 border-t border-zinc-200 pt-4 dark:border-zinc-800">
      {problem && <Alert tone="warning">{problem}</Alert>}
      <div ref={mount} />
      <div className="flex gap-2">
        <Button size="sm" disabled={!ready} loading={saving} onClick={save}>
          Save card
        </Button>
        <Button size="sm" variant="ghost" onClick={() => onDone(false)}>
          Cancel
        </Button>
      </div>
    </div>
  );
}
