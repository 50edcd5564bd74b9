'use client';
import { useState } from 'react';
import Link from 'next/link';
import { useRouter } from 'next/navigation';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api } from '@/lib/client/api';
import { describeError } from '@/lib/client/api-error';
import { Alert, Card } from '@/components/ui/feedback';
import { QueryView } from '@/components/ui/query-view';
import { Button } from '@/components/ui/button';
import { TextField } from '@/components/ui/text-field';
import { useToast } from '@/components/ui/toaster';
import { OperatorOnly } from './operator-only';
import { StatusBadge } from './platform-tenants';

/** One tenant for an operator: members, plan and usage; suspend (with a reason) or reactivate. */
export function PlatformTenant({ id }: { id: string }) {
  return (
    <OperatorOnly>
      <TenantDetail id={id} />
    </OperatorOnly>
  );
}

function TenantDetail({ id }: { id: string }) {
  const tenant = useQuery({
    queryKey: ['platform-tenant', id],
    queryFn: () => api.get('/platform/tenants/:id', { params: { id } }),
  });
  return (
    <div className="mx-auto max-w-4xl space-y-6 p-4 sm:p-6">
      <Link href="/platform" className="text-sm text-brand-700 hover:underline dark:text-brand-100">
        ← All tenants
      </Link>
      <QueryView query={tenant} loading="Loading tenant">
        {(t) => (
          <>
            <header className="flex flex-wrap items-center gap-3">
              <h1 className="text-2xl font-semibold">{t.name}</h1>
              <StatusBadge status={t.status} />
              <span className="font-mono text-xs text-zinc-500">{t.slug}</span>
            </header>
            {t.status === 'suspended' && (
              <Alert tone="warning" title="Suspended">
                Since {t.suspended_at ? new Date(t.suspended_at).toLocaleString() : '—'}: {t.suspend_reason}
              </Alert>
            )}
            {t.status === 'deprovisioned' && (
              <Alert tone="error" title="Deprovisioned">
                {t.suspend_reason}. Every row of this workspace is deleted on{' '}
                {t.delete_after ? new Date(t.delete_after).toLocaleString() : '—'}.
              </Alert>
            )}
            <Card title="Plan and usage">
              <p className="text-sm">
                Plan: <strong>{t.subscription?.plan_code ?? t.plan_code ?? 'none'}</strong>
                {t.subscription && ` (${t.subscription.status}, ${t.subscription.seat_count} seats)`}
              </p>
              {t.usage && (
                <ul className="mt-2 space-y-1 text-sm" aria-label="Usage">
                  {t.usage.items.map((u) => (
                    <li key={u.feature_key}>
                      {u.feature_key}: {u.used}
                      {u.hard_limit !== null ? ` / ${u.hard_limit}` : ''}
                    </li>
                  ))}
                </ul>
              )}
            </Card>
            <Card title={`Members (${t.members.length})`}>
              <ul className="divide-y divide-zinc-200 text-sm dark:divide-zinc-800" aria-label="Members">
                {t.members.map((m) => (
                  <li key={m.user_id} className="flex justify-between py-2">
                    <span>{m.display_name ? `${m.display_name} · ${m.email}` : m.email}</span>
                    <span className="text-zinc-600 dark:text-zinc-400">{m.role}</span>
                  </li>
                ))}
              </ul>
            </Card>
            <StatusActions id={t.id} status={t.status} name={t.name} />
            {t.status !== 'deprovisioned' && <DeprovisionCard id={t.id} slug={t.slug} name={t.name} />}
          </>
        )}
      </QueryView>
    </div>
  );
}

function StatusActions({
  id,
  status,
  name,
}: {
  id: string;
  status: 'active' | 'suspended' | 'deprovisioned';
  name: string;
}) {
  const toast = useToast();
  const queryClient = useQueryClient();
  const [reason, setReason] = useState('');
  const [confirming, setConfirming] = useState(false);
  const done = (message: string) => {
    toast(message, 'success');
    setConfirming(false);
    setReason('');
    void queryClient.invalidateQueries({ queryKey: ['platform-tenant', id] });
    void queryClient.invalidateQueries({ queryKey: ['platform-tenants'] });
  };
  const suspend = useMutation({
    mutationFn: () => api.post('/platform/tenants/:id/suspend', { params: { id }, body: { reason: reason.trim() } }),
    onSuccess: () => done(`${name} is suspended`),
    onError: (error) => toast(describeError(error), 'error'),
  });
  const reactivate = useMutation({
    mutationFn: () => api.post('/platform/tenants/:id/reactivate', { params: { id } }),
    onSuccess: () => done(`${name} is active again`),
    onError: (error) => toast(describeError(error), 'error'),
  });

  if (status === 'deprovisioned') return null;
  if (status === 'suspended')
    return (
      <Card
        title="Reactivate"
        description="Its people can sign in again; the sessions ended by the suspension stay ended."
      >
        {confirming ? (
          <div className="flex gap-2">
            <Button onClick={() => reactivate.mutate()} disabled={reactivate.isPending}>
              Confirm reactivation
            </Button>
            <Button variant="secondary" onClick={() => setConfirming(false)}>
              Cancel
            </Button>
          </div>
        ) : (
          <Button onClick={() => setConfirming(true)}>Reactivate</Button>
        )}
      </Card>
    );
  return (
    <Card
      title="Suspend"
      description="Ends every session and running run of this workspace at once; nobody can sign in until it is reactivated."
    >
      <label className="mb-3 block text-sm">
        <span className="mb-1 block font-medium">Reason</span>
        <textarea
          value={reason}
          onChange={(e) => setReason(e.target.value)}
          maxLength={500}
          rows={2}
          className="w-full rounded-lg border border-zinc-300 bg-white px-3 py-2 dark:border-zinc-700 dark:bg-zinc-900"
        />
      </label>
      {confirming ? (
        <div className="flex flex-wrap gap-2">
          <Button onClick={() => suspend.mutate()} disabled={suspend.isPending}>
            Confirm suspension of {name}
          </Button>
          <Button variant="secondary" onClick={() => setConfirming(false)}>
            Cancel
          </Button>
        </div>
      ) : (
        <Button onClick={() => setConfirming(true)} disabled={!reason.trim()}>
          Suspend
        </Button>
      )}
    </Card>
  );
}

/**
 * Deprovisioning: refused at once like a suspension, the subscription cancelled, and every row
 * deleted on `delete_after`. Takes a reason and the workspace's slug typed out as confirmation.
 */
function DeprovisionCard({ id, slug, name }: { id: string; slug: string; name: string }) {
  const toast = useToast();
  const queryClient = useQueryClient();
  const router = useRouter();
  const [reason, setReason] = useState('');
  const [typed, setTyped] = useState('');
  const [deleteAfter, setDeleteAfter] = useState<string | null>(null);
  const deprovision = useMutation({
    mutationFn: () =>
      api.post('/platform/tenants/:id/deprovision', { params: { id }, body: { reason: reason.trim() } }),
    onSuccess: (r) => {
      setDeleteAfter(r.delete_after);
      toast(`${name} is deprovisioned; its data is deleted on ${new Date(r.delete_after).toLocaleString()}`, 'success');
      void queryClient.invalidateQueries({ queryKey: ['platform-tenants'] });
      // With no retention the workspace is gone already: back to the list rather than a 404.
      if (new Date(r.delete_after).getTime() <= Date.now()) router.push('/platform');
      else void queryClient.invalidateQueries({ queryKey: ['platform-tenant', id] });
    },
    onError: (error) => toast(describeError(error), 'error'),
  });
  const confirmed = typed.trim() === slug;
  return (
    <Card
      title="Deprovision"
      description="Offboards this workspace for good: nobody can sign in, its subscription is cancelled at once, and every row and file of it is deleted after the retention period."
    >
      {deleteAfter ? (
        <p className="text-sm" role="status">
          Deprovisioned; its data is deleted on <strong>{new Date(deleteAfter).toLocaleString()}</strong>.
        </p>
      ) : (
        <form
          className="space-y-3"
          onSubmit={(e) => {
            e.preventDefault();
            if (confirmed && reason.trim()) deprovision.mutate();
          }}
        >
          <label className="block text-sm">
            <span className="mb-1 block font-medium">Reason for deprovisioning</span>
            <textarea
              value={reason}
              onChange={(e) => setReason(e.target.value)}
              maxLength={500}
              rows={2}
              className="w-full rounded-lg border border-zinc-300 bg-white px-3 py-2 dark:border-zinc-700 dark:bg-zinc-900"
            />
          </label>
          <TextField
            label={`Type ${slug} to confirm`}
            value={typed}
            onChange={(e) => setTyped(e.target.value)}
            autoComplete="off"
            spellCheck={false}
          />
          <Button
            type="submit"
            variant="danger"
            disabled={!confirmed || !reason.trim()}
            loading={deprovision.isPending}
          >
            Deprovision {name}
          </Button>
        </form>
      )}
    </Card>
  );
}
