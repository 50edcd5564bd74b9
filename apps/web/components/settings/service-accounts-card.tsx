'use client';
import { useState } from 'react';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type { CreateServiceAccountResponse } from '@agentry/contracts';
import { api } from '@/lib/client/api';
import { describeError } from '@/lib/client/api-error';
import { text, useApiForm } from '@/lib/hooks/use-api-form';
import { Card, EmptyState } from '@/components/ui/feedback';
import { QueryView } from '@/components/ui/query-view';
import { TextField } from '@/components/ui/text-field';
import { Button } from '@/components/ui/button';
import { FormSubmit } from '@/components/auth/form-footer';
import { useToast } from '@/components/ui/toaster';
import { OneTimeSecret } from './one-time-secret';

/** Machine credentials: create one with a subset of your scopes; its token is shown once. */
export function ServiceAccountsCard({ canManage, grantable }: { canManage: boolean; grantable: string[] }) {
  const toast = useToast();
  const queryClient = useQueryClient();
  const [created, setCreated] = useState<CreateServiceAccountResponse | null>(null);
  const accounts = useQuery({
    queryKey: ['service-accounts'],
    enabled: canManage,
    queryFn: () => api.get('/service-accounts'),
  });
  const remove = useMutation({
    mutationFn: (id: string) => api.delete('/service-accounts/:id', { params: { id } }),
    onSuccess: () => {
      toast('Service account deleted; its tokens stopped working.', 'success');
      void queryClient.invalidateQueries({ queryKey: ['service-accounts'] });
    },
    onError: (error) => toast(describeError(error), 'error'),
  });
  const form = useApiForm(
    (data) =>
      api.post('/service-accounts', {
        body: { name: text(data, 'name'), scopes: data.getAll('scopes').map(String) },
      }),
    (result) => {
      setCreated(result);
      void queryClient.invalidateQueries({ queryKey: ['service-accounts'] });
    },
  );

  if (!canManage)
    return (
      <Card title="Service accounts">
        <EmptyState title="Only admins manage service accounts" />
      </Card>
    );
  return (
    <Card title="Service accounts" description="Tokens for scripts and servers calling the API.">
      {created && (
        <div className="mb-4">
          <OneTimeSecret
            title={`Refresh token for ${created.name}`}
            secret={created.refresh_token}
            onDone={() => setCreated(null)}
          />
        </div>
      )}
      <QueryView
        query={accounts}
        loading="Loading service accounts"
        rows={2}
        empty={<EmptyState title="No service accounts yet">Create one below to call the API from a script.</EmptyState>}
      >
        {({ items }) => (
          <ul className="divide-y divide-zinc-200 dark:divide-zinc-800" aria-label="Service accounts">
            {items.map((a) => (
              <li key={a.id} className="flex flex-wrap items-center gap-2 py-3 text-sm">
                <div className="min-w-0 flex-1">
                  <p className="font-medium">{a.name}</p>
                  <p className="text-xs text-zinc-600 dark:text-zinc-400">
                    {a.scopes.join(' ')} ·{' '}
                    {a.last_used_at ? `last used ${new Date(a.last_used_at).toLocaleString()}` : 'never used'}
                  </p>
                </div>
                <Button
                  size="sm"
                  variant="ghost"
                  onClick={() => remove.mutate(a.id)}
                  aria-label={`Delete service account ${a.name}`}
                >
                  Delete
                </Button>
              </li>
            ))}
          </ul>
        )}
      </QueryView>
      <form
        onSubmit={form.onSubmit}
        noValidate
        className="mt-5 space-y-3 border-t border-zinc-200 pt-4 dark:border-zinc-800"
      >
        <h3 className="text-sm font-semibold">New service account</h3>
        <TextField
          label="Name"
          name="name"
          required
          maxLength={100}
          error={form.fieldErrors.name}
          className="sm:max-w-sm"
        />
        <fieldset>
          <legend className="mb-1 text-sm font-medium">Scopes</legend>
          <div className="grid gap-1 sm:grid-cols-2">
            {grantable.map((s) => (
              <label key={s} className="flex items-center gap-2 text-sm">
                <input
                  type="checkbox"
                  name="scopes"
                  value={s}
                  defaultChecked={s.endsWith(':read')}
                  className="size-4"
                />
                <span className="font-mono text-xs">{s}</span>
              </label>
            ))}
          </div>
          {form.fieldErrors.scopes && (
            <p role="alert" className="mt-1 text-sm text-red-700 dark:text-red-400">
              {form.fieldErrors.scopes}
            </p>
          )}
        </fieldset>
        <div className="sm:max-w-xs">
          <FormSubmit label="Create service account" {...form} />
        </div>
      </form>
    </Card>
  );
}
