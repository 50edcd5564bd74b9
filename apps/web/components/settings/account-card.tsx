'use client';
import { useRef, useState } from 'react';
import type { MeResponse } from '@agentry/contracts';
import { api } from '@/lib/client/api';
import { bffRaw } from '@/lib/client/bff-fetch';
import { ApiError } from '@/lib/client/api-error';
import { text, useApiForm } from '@/lib/hooks/use-api-form';
import { Alert, Card } from '@/components/ui/feedback';
import { Button } from '@/components/ui/button';
import { TextField } from '@/components/ui/text-field';
import { FormSubmit } from '@/components/auth/form-footer';
import { useToast } from '@/components/ui/toaster';
import { describeReauthError, SecondFactorField, secondFactorOf } from './second-factor-field';

/** Settings → Security → E-mail address: a link goes to the new address, a notice to the old one. */
export function EmailChangeCard({ me }: { me: MeResponse | undefined }) {
  const toast = useToast();
  const formRef = useRef<HTMLFormElement>(null);
  const [sentTo, setSentTo] = useState<string | null>(null);
  const form = useApiForm(
    async (data) => {
      const newEmail = text(data, 'new_email');
      await api.post('/auth/email/change', {
        body: { new_email: newEmail, password: text(data, 'password'), ...secondFactorOf(data) },
      });
      return newEmail;
    },
    (newEmail) => {
      formRef.current?.reset();
      setSentTo(newEmail);
      toast('Check the new mailbox for the confirmation link.', 'success');
    },
    (error) =>
      error instanceof ApiError && error.code === 'email_taken'
        ? 'Another account already uses that address.'
        : describeReauthError(error),
  );
  return (
    <div data-testid="email-change-card">
      <Card
        title="E-mail address"
        description={`You sign in with ${me?.user.email ?? 'your address'}. Changing it needs your password and a link sent to the new address; other sessions are signed out.`}
      >
        {sentTo && (
          <Alert tone="success" title="Confirmation sent">
            Open the link we sent to {sentTo} to finish. Nothing changes until then.
          </Alert>
        )}
        <form
          ref={formRef}
          onSubmit={form.onSubmit}
          noValidate
          className="mt-3 grid gap-4 sm:max-w-sm"
          aria-label="Change e-mail address"
        >
          <TextField
            label="New e-mail address"
            name="new_email"
            type="email"
            autoComplete="email"
            required
            error={form.fieldErrors.new_email}
          />
          <TextField
            label="Current password"
            name="password"
            type="password"
            autoComplete="current-password"
            required
            error={form.fieldErrors.password}
          />
          <SecondFactorField enabled={me?.user.mfa_enabled ?? false} errors={form.fieldErrors} />
          <FormSubmit label="Change e-mail" {...form} />
        </form>
      </Card>
    </div>
  );
}

/** Settings → Your data: download everything stored about you, or delete the account. */
export function YourDataCard({ me }: { me: MeResponse | undefined }) {
  const [confirmText, setConfirmText] = useState('');
  const phrase = me?.user.email ?? 'DELETE';
  const form = useApiForm(
    (data) => api.delete('/auth/me', { body: { password: text(data, 'password'), ...secondFactorOf(data) } }),
    async () => {
      await bffRaw('/bff/auth/logout', { method: 'POST', allowUnauthenticated: true }).catch(() => undefined);
      window.location.assign('/login?deleted=1');
    },
    (error) =>
      error instanceof ApiError && error.code === 'conflict'
        ? 'You are the last owner of a workspace with other members: make someone else owner first.'
        : describeReauthError(error),
  );
  return (
    <div data-testid="your-data-card">
      <Card title="Your data" description="Download a copy of everything stored about you, or delete your account.">
        <div className="space-y-6">
          <a
            download
            href={api.downloadUrl('/auth/me/export')}
            className="inline-flex items-center rounded-lg border border-zinc-300 px-3 py-2 text-sm font-medium hover:bg-zinc-50 dark:border-zinc-700 dark:hover:bg-zinc-800"
          >
            Download my data
          </a>
          <form onSubmit={form.onSubmit} noValidate className="grid gap-4 sm:max-w-sm" aria-label="Delete account">
            <h3 className="font-medium text-red-700 dark:text-red-400">Delete account</h3>
            <p className="text-sm text-zinc-600 dark:text-zinc-400">
              Your conversations, memberships and sessions are deleted for good; a workspace where you are the only
              member is deleted with everything in it. This cannot be undone.
            </p>
            <TextField
              label={`Type ${phrase} to confirm`}
              name="confirm"
              autoComplete="off"
              required
              value={confirmText}
              onChange={(e) => setConfirmText(e.currentTarget.value)}
            />
            <TextField
              label="Password"
              name="password"
              type="password"
              autoComplete="current-password"
              required
              error={form.fieldErrors.password}
            />
            <SecondFactorField enabled={me?.user.mfa_enabled ?? false} errors={form.fieldErrors} />
            {form.formError && <Alert tone="error">{form.formError}</Alert>}
            <Button type="submit" variant="danger" loading={form.pending} disabled={confirmText.trim() !== phrase}>
              Delete my account
            </Button>
          </form>
        </div>
      </Card>
    </div>
  );
}
