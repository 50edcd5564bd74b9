'use client';
import { useState } from 'react';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import type { MeResponse, SsoConfigResponse } from '@agentry/contracts';
import { api } from '@/lib/client/api';
import { ApiError, describeError } from '@/lib/client/api-error';
import { field, text, useApiForm } from '@/lib/hooks/use-api-form';
import { Alert, Card, Skeleton } from '@/components/ui/feedback';
import { Button } from '@/components/ui/button';
import { TextField } from '@/components/ui/text-field';
import { FormSubmit } from '@/components/auth/form-footer';
import { useToast } from '@/components/ui/toaster';

const SSO_KEY = ['sso-config'] as const;
const selectClass =
  'w-full rounded-lg border border-zinc-300 bg-transparent px-3 py-2 text-sm dark:border-zinc-700 dark:bg-zinc-900';

/**
 * Settings → Security → Single sign-on (owners): the tenant's OpenID Connect provider. The client
 * secret is write-only (the API answers `client_secret_set`); "Test sign-in" runs the real flow and
 * comes back here signed in through the IdP.
 */
export function SsoCard({ me }: { me: MeResponse | undefined }) {
  const toast = useToast();
  const queryClient = useQueryClient();
  const [removing, setRemoving] = useState(false);
  const config = useQuery({
    queryKey: SSO_KEY,
    queryFn: async (): Promise<SsoConfigResponse | null> => {
      try {
        return await api.get('/tenants/current/sso');
      } catch (error) {
        if (error instanceof ApiError && error.status === 404) return null;
        throw error;
      }
    },
  });
  const form = useApiForm(
    (data) =>
      api.put('/tenants/current/sso', {
        body: {
          issuer: text(data, 'issuer'),
          client_id: text(data, 'client_id'),
          client_secret: text(data, 'client_secret'),
          allowed_domains: text(data, 'allowed_domains')
            .split(/[\s,]+/)
            .map((d) => d.trim())
            .filter(Boolean),
          auto_provision: (field(data, 'auto_provision') ?? 'invited') as 'invited' | 'domain' | 'off',
          default_role: (field(data, 'default_role') ?? 'member') as 'admin' | 'member' | 'viewer',
          enforce: data.get('enforce') === 'on',
        },
      }),
    (saved) => {
      queryClient.setQueryData(SSO_KEY, saved);
      toast('Single sign-on saved.', 'success');
    },
  );
  const current = config.data ?? null;
  const slug = me?.tenant.slug;
  return (
    <Card
      title="Single sign-on"
      description="Let members sign in with your OpenID Connect identity provider (Okta, Entra ID, Google Workspace, Keycloak…)."
    >
      {config.isPending ? (
        <Skeleton className="h-10 w-64" />
      ) : config.isError ? (
        <Alert tone="error">{describeError(config.error)}</Alert>
      ) : (
        <div className="space-y-4">
          {current ? (
            <Alert tone="success">
              Configured for {current.issuer}. Register this redirect URI at your provider:{' '}
              <code className="break-all" data-testid="sso-redirect-uri">
                {current.redirect_uri}
              </code>
            </Alert>
          ) : (
            <Alert tone="info">Not configured: members sign in with their password.</Alert>
          )}
          <form
            onSubmit={form.onSubmit}
            noValidate
            className="grid gap-4 sm:max-w-md"
            aria-label="Single sign-on settings"
          >
            <TextField
              label="Issuer URL"
              name="issuer"
              type="url"
              required
              defaultValue={current?.issuer}
              error={form.fieldErrors.issuer}
            />
            <TextField
              label="Client ID"
              name="client_id"
              required
              defaultValue={current?.client_id}
              error={form.fieldErrors.client_id}
            />
            <TextField
              label="Client secret"
              name="client_secret"
              type="password"
              autoComplete="off"
              required
              hint={current ? 'A secret is stored; enter it again to save changes.' : undefined}
              error={form.fieldErrors.client_secret}
            />
            <TextField
              label="Allowed email domains"
              name="allowed_domains"
              hint="Comma-separated, e.g. example.com"
              defaultValue={current?.allowed_domains.join(', ')}
              error={form.fieldErrors.allowed_domains}
            />
            <label className="grid gap-1 text-sm">
              <span className="font-medium">New people</span>
              <select name="auto_provision" defaultValue={current?.auto_provision ?? 'invited'} className={selectClass}>
                <option value="invited">Only invited people and existing members</option>
                <option value="domain">Anyone with a verified email in the allowed domains</option>
                <option value="off">Nobody new (existing members only)</option>
              </select>
            </label>
            <label className="grid gap-1 text-sm">
              <span className="font-medium">Role for people joining by domain</span>
              <select name="default_role" defaultValue={current?.default_role ?? 'member'} className={selectClass}>
                <option value="admin">Admin</option>
                <option value="member">Member</option>
                <option value="viewer">Viewer</option>
              </select>
            </label>
            <label className="flex items-center gap-2 text-sm">
              <input type="checkbox" name="enforce" defaultChecked={current?.enforce ?? false} />
              Require single sign-on (owners keep password sign-in)
            </label>
            <FormSubmit label="Save single sign-on" {...form} />
          </form>
          {current && slug && (
            <div className="flex flex-wrap gap-3">
              <a
                href={`/bff/auth/sso/start?slug=${encodeURIComponent(slug)}&next=${encodeURIComponent('/settings#security')}`}
                className="inline-flex items-center rounded-lg border border-zinc-300 px-3 py-2 text-sm font-medium hover:bg-zinc-50 dark:border-zinc-700 dark:hover:bg-zinc-900"
              >
                Test sign-in
              </a>
              <Button
                variant="secondary"
                loading={removing}
                onClick={async () => {
                  setRemoving(true);
                  try {
                    await api.delete('/tenants/current/sso');
                    queryClient.setQueryData(SSO_KEY, null);
                    toast('Single sign-on removed.', 'success');
                  } catch (error) {
                    toast(describeError(error), 'error');
                  } finally {
                    setRemoving(false);
                  }
                }}
              >
                Remove single sign-on
              </Button>
            </div>
          )}
        </div>
      )}
    </Card>
  );
}
