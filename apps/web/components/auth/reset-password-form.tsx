'use client';
import Link from 'next/link';
import { useState } from 'react';
import { useSearchParams } from 'next/navigation';
import { api } from '@/lib/client/api';
import { text, useApiForm } from '@/lib/hooks/use-api-form';
import { TextField } from '@/components/ui/text-field';
import { Alert } from '@/components/ui/feedback';
import { FormSubmit } from './form-footer';

export function ResetPasswordForm() {
  const token = useSearchParams().get('token');
  const [done, setDone] = useState(false);
  const form = useApiForm(
    (data) =>
      api.post('/auth/password/reset', {
        body: { token: token ?? '', new_password: text(data, 'new_password') },
        allowUnauthenticated: true,
      }),
    () => setDone(true),
  );
  if (!token) {
    return (
      <Alert tone="warning" title="This link is incomplete">
        Open the link from the email again, or{' '}
        <Link href="/forgot-password" className="underline">
          ask for a new one
        </Link>
        .
      </Alert>
    );
  }
  if (done) {
    return (
      <div className="space-y-4">
        <Alert tone="success" title="Password changed">
          You were signed out everywhere. Sign in with the new password.
        </Alert>
        <Link
          href="/login"
          className="block text-center text-sm font-medium text-brand-700 hover:underline dark:text-brand-100"
        >
          Sign in
        </Link>
      </div>
    );
  }
  return (
    <form onSubmit={form.onSubmit} noValidate className="space-y-4">
      <TextField
        label="New password"
        name="new_password"
        type="password"
        autoComplete="new-password"
        required
        minLength={12}
        hint="At least 12 characters."
        error={form.fieldErrors.new_password}
      />
      <FormSubmit label="Set new password" {...form} />
    </form>
  );
}
