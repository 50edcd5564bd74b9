'use client';
import { useState } from 'react';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { ROLES, type InvitationResponse, type Role } from '@agentry/contracts';
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
import { invitationLink } from '@/lib/client/invitation';

export function TeamCard({ canManage, selfId }: { canManage: boolean; selfId: string | undefined }) {
  const toast = useToast();
  const queryClient = useQueryClient();
  const [invite, setInvite] = useState<InvitationResponse | null>(null);
  const members = useQuery({
    queryKey: ['members'],
    enabled: canManage,
    queryFn: () => api.get('/tenants/current/members'),
  });
  const invitations = useQuery({
    queryKey: ['invitations'],
    enabled: canManage,
    queryFn: () => api.get('/tenants/current/invitations'),
  });
  // Pending invitations hold seats: both lists and the seat count change together.
  const refresh = () => {
    void queryClient.invalidateQueries({ queryKey: ['members'] });
    void queryClient.invalidateQueries({ queryKey: ['invitations'] });
  };
  const revoke = useMutation({
    mutationFn: (invitationId: string) =>
      api.delete('/tenants/current/invitations/:invitation_id', { params: { invitation_id: invitationId } }),
    onSuccess: () => {
      toast('Invitation revoked', 'success');
      refresh();
    },
    onError: (error) => toast(describeError(error), 'error'),
  });
  const changeRole = useMutation({
    mutationFn: ({ userId, role }: { userId: string; role: Role }) =>
      api.patch('/tenants/current/members/:user_id', { params: { user_id: userId }, body: { role } }),
    onSuccess: () => {
      toast('Role updated', 'success');
      refresh();
    },
    onError: (error) => {
      toast(describeError(error), 'error');
      refresh();
    },
  });
  const remove = useMutation({
    mutationFn: (userId: string) => api.delete('/tenants/current/members/:user_id', { params: { user_id: userId } }),
    onSuccess: () => {
      toast('Member removed', 'success');
      refresh();
    },
    onError: (error) => toast(describeError(error), 'error'),
  });
  const form = useApiForm(
    (data) =>
      api.post('/tenants/current/invitations', {
        body: { email: text(data, 'email'), role: ROLES.find((r) => r === data.get('role')) },
      }),
    (result) => {
      setInvite(result);
      refresh();
    },
  );

  if (!canManage) {
    return (
      <Card title="Team">
        <EmptyState title="Only admins manage the team">
          Ask an owner or admin of your workspace to invite people.
        </EmptyState>
      </Card>
    );
  }
  const inviteLink =
    invite && typeof window !== 'undefined' ? invitationLink(window.location.origin, invite.token) : '';
  return (
    <Card title="Team" description="Members of this workspace and their roles.">
      <QueryView query={members} loading="Loading members" rows={2} empty={<EmptyState title="No members yet" />}>
        {({ items, seats }) => (
          <>
            <p className="mb-2 text-sm text-zinc-600 dark:text-zinc-400" data-testid="seats">
              Seats: {seats.used} of {seats.limit} used (members and pending invitations)
            </p>
            <ul className="divide-y divide-zinc-200 dark:divide-zinc-800" aria-label="Members">
              {items.map((m) => (
                <li key={m.user_id} className="flex flex-wrap items-center gap-2 py-3 text-sm">
                  <div className="min-w-0 flex-1">
                    <p className="font-medium">
                      {m.display_name ?? m.email}
                      {m.user_id === selfId && <span className="ml-1 text-zinc-500">(you)</span>}
                    </p>
                    <p className="truncate text-xs text-zinc-600 dark:text-zinc-400">{m.email}</p>
                  </div>
                  <label className="sr-only" htmlFor={`role-${m.user_id}`}>
                    Role of {m.email}
                  </label>
                  <select
                    id={`role-${m.user_id}`}
                    value={m.role}
                    onChange={(e) => changeRole.mutate({ userId: m.user_id, role: e.target.value as Role })}
                    className="rounded-md border border-zinc-300 bg-white px-2 py-1 text-sm dark:border-zinc-700 dark:bg-zinc-950"
                  >
                    {ROLES.map((r) => (
                      <option key={r} value={r}>
                        {r}
                      </option>
                    ))}
                  </select>
                  {m.user_id !== selfId && (
                    <Button
                      size="sm"
                      variant="ghost"
                      onClick={() => remove.mutate(m.user_id)}
                      aria-label={`Remove ${m.email}`}
                    >
                      Remove
                    </Button>
                  )}
                </li>
              ))}
            </ul>
          </>
        )}
      </QueryView>
      {!!invitations.data?.items.length && (
        <div className="mt-4">
          <h3 className="mb-1 text-sm font-semibold">Pending invitations</h3>
          <ul className="divide-y divide-zinc-200 dark:divide-zinc-800" aria-label="Pending invitations">
            {invitations.data.items.map((inv) => (
              <li key={inv.id} className="flex flex-wrap items-center gap-2 py-2 text-sm">
                <span className="min-w-0 flex-1 truncate">
                  {inv.email} <span className="text-zinc-500">({inv.role})</span>
                </span>
                <span className="text-xs text-zinc-500">expires {new Date(inv.expires_at).toLocaleDateString()}</span>
                <Button
                  size="sm"
                  variant="ghost"
                  onClick={() => revoke.mutate(inv.id)}
                  aria-label={`Revoke ${inv.email}`}
                >
                  Revoke
                </Button>
              </li>
            ))}
          </ul>
        </div>
      )}
      <div className="mt-5 border-t border-zinc-200 pt-4 dark:border-zinc-800">
        <h3 className="mb-3 text-sm font-semibold">Invite someone</h3>
        {invite ? (
          <>
            <OneTimeSecret
              title={`Invitation for ${invite.email} (${invite.role})`}
              secret={inviteLink}
              onDone={() => setInvite(null)}
            />
            <p className="mt-2 text-xs text-zinc-600 dark:text-zinc-400">
              It was also e-mailed. New people create their account from the link; someone who already has an account
              opens it signed in, or pastes it under Join a workspace.
            </p>
          </>
        ) : (
          <form onSubmit={form.onSubmit} noValidate className="grid gap-3 sm:grid-cols-[1fr_auto_auto] sm:items-end">
            <TextField label="Email" name="email" type="email" required error={form.fieldErrors.email} />
            <div>
              <label htmlFor="invite-role" className="mb-1 block text-sm font-medium">
                Role
              </label>
              <select
                id="invite-role"
                name="role"
                defaultValue="member"
                className="rounded-lg border border-zinc-300 bg-white px-2 py-2 text-sm dark:border-zinc-700 dark:bg-zinc-900"
              >
                {ROLES.filter((r) => r !== 'owner').map((r) => (
                  <option key={r} value={r}>
                    {r}
                  </option>
                ))}
              </select>
            </div>
            <FormSubmit label="Send invite" {...form} />
          </form>
        )}
      </div>
    </Card>
  );
}
