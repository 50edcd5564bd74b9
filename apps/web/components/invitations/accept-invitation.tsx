'use client';
import { useState } from 'react';
import type { AcceptInvitationResponse } from '@agentry/contracts';
import { useQueryClient } from '@tanstack/react-query';
import { acceptInvitation, describeInvitationError, invitationCode, switchToWorkspace } from '@/lib/client/invitation';
import { useMe } from '@/lib/client/queries';
import { describeError } from '@/lib/client/api-error';
import { useApiForm } from '@/lib/hooks/use-api-form';
import { TextField } from '@/components/ui/text-field';
import { Button } from '@/components/ui/button';
import { Alert } from '@/components/ui/feedback';

/**
 * Joins the workspace of an invitation with the signed-in account. With `token` (the e-mail's
 * link) it is one button; without, the person pastes the code or link from the e-mail.
 */
export function AcceptInvitation({ token }: { token?: string }) {
  const me = useMe();
  const queryClient = useQueryClient();
  const [joined, setJoined] = useState<AcceptInvitationResponse | null>(null);
  const [switching, setSwitching] = useState(false);
  const form = useApiForm(
    (data) => acceptInvitation(token ?? invitationCode(String(data.get('code') ?? ''))),
    (result) => {
      setJoined(result);
      void queryClient.invalidateQueries({ queryKey: ['members'] });
    },
    describeInvitationError,
  );

  if (joined) {
    return (
      <div className="space-y-3">
        <Alert tone="success" title={`You joined ${joined.tenant.name}`}>
          You are a {joined.role} there. A session opens one workspace at a time: to use {joined.tenant.name}, sign in
          to it again
          {me.data ? ` (you stay a member of ${me.data.tenant.name})` : ''}.
          <span className="mt-1 block text-xs">
            Workspace ID: <code className="break-all">{joined.tenant.id}</code>
          </span>
        </Alert>
        <Button
          loading={switching}
          onClick={() => {
            setSwitching(true);
            void switchToWorkspace(joined.tenant.id);
          }}
        >
          Switch to {joined.tenant.name}
        </Button>
      </div>
    );
  }
  return (
    <form onSubmit={form.onSubmit} noValidate className="space-y-4" aria-label="Accept invitation">
      {me.data && (
        <p className="text-sm text-zinc-600 dark:text-zinc-400">
          Signed in as <strong className="font-medium text-zinc-900 dark:text-zinc-100">{me.data.user.email}</strong>.
          The invitation must be addressed to this e-mail.
        </p>
      )}
      {!token && (
        <TextField
          label="Invitation code or link"
          name="code"
          required
          autoComplete="off"
          spellCheck={false}
          error={form.fieldErrors.token ?? form.fieldErrors.code}
          hint="From the invitation e-mail: the code starting with inv_, or the whole link."
        />
      )}
      {form.formError && <Alert tone="error">{form.formError}</Alert>}
      <Button type="submit" loading={form.pending} disabled={form.retryIn > 0}>
        {token ? 'Join the workspace' : 'Join workspace'}
      </Button>
      {me.isError && <p className="text-sm text-zinc-600">{describeError(me.error)}</p>}
    </form>
  );
}
