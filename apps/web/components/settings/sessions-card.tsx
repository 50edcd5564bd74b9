'use client';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api } from '@/lib/client/api';
import { bffRaw } from '@/lib/client/bff-fetch';
import { describeError } from '@/lib/client/api-error';
import { Card, EmptyState } from '@/components/ui/feedback';
import { QueryView } from '@/components/ui/query-view';
import { Button } from '@/components/ui/button';
import { useToast } from '@/components/ui/toaster';

/** A readable device name from a user agent, without a parsing library. */
function deviceName(ua: string | null): string {
  if (!ua) return 'Unknown device';
  const browser = /Edg\//.test(ua)
    ? 'Edge'
    : /Firefox\//.test(ua)
      ? 'Firefox'
      : /Chrom(e|ium)\//.test(ua)
        ? 'Chrome'
        : /Safari\//.test(ua)
          ? 'Safari'
          : /curl|node|undici/i.test(ua)
            ? 'API client'
            : 'Browser';
  const os = /Windows/.test(ua)
    ? 'Windows'
    : /Mac OS X/.test(ua)
      ? 'macOS'
      : /Android/.test(ua)
        ? 'Android'
        : /iPhone|iPad/.test(ua)
          ? 'iOS'
          : /Linux/.test(ua)
            ? 'Linux'
            : '';
  return os ? `${browser} on ${os}` : browser;
}

export function SessionsCard() {
  const toast = useToast();
  const queryClient = useQueryClient();
  const sessions = useQuery({ queryKey: ['sessions'], queryFn: () => api.get('/auth/sessions') });
  const revoke = useMutation({
    mutationFn: (id: string) => api.delete('/auth/sessions/:id', { params: { id } }),
    onSuccess: () => {
      toast('Session signed out', 'success');
      void queryClient.invalidateQueries({ queryKey: ['sessions'] });
    },
    onError: (error) => toast(describeError(error), 'error'),
  });
  const logoutAll = async () => {
    await bffRaw('/bff/auth/logout?all=1', { method: 'POST', allowUnauthenticated: true }).catch(() => undefined);
    window.location.assign('/login');
  };
  return (
    <Card
      title="Sessions"
      description="Where you are signed in."
      actions={
        <Button variant="secondary" size="sm" onClick={logoutAll}>
          Sign out everywhere
        </Button>
      }
    >
      <QueryView query={sessions} loading="Loading sessions" rows={2} empty={<EmptyState title="No active sessions" />}>
        {({ items }) => (
          <ul className="divide-y divide-zinc-200 dark:divide-zinc-800" aria-label="Active sessions">
            {items.map((s) => (
              <li key={s.id} className="flex flex-wrap items-center gap-2 py-3 text-sm" data-testid="session-row">
                <div className="min-w-0 flex-1">
                  <p className="font-medium">
                    {deviceName(s.user_agent)}
                    {s.current && (
                      <span className="ml-2 rounded-full bg-brand-100 px-2 py-0.5 text-xs text-brand-700">
                        This device
                      </span>
                    )}
                  </p>
                  <p className="text-xs text-zinc-600 dark:text-zinc-400">
                    {s.ip_masked ?? 'unknown IP'} · signed in {new Date(s.created_at).toLocaleString()}
                    {s.last_used_at && ` · last active ${new Date(s.last_used_at).toLocaleString()}`}
                  </p>
                </div>
                {!s.current && (
                  <Button
                    size="sm"
                    variant="secondary"
                    loading={revoke.isPending && revoke.variables === s.id}
                    onClick={() => revoke.mutate(s.id)}
                    aria-label={`Revoke session ${deviceName(s.user_agent)} from ${s.ip_masked ?? 'unknown IP'}`}
                  >
                    Revoke
                  </Button>
                )}
              </li>
            ))}
          </ul>
        )}
      </QueryView>
    </Card>
  );
}
