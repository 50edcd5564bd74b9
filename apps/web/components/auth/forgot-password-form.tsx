'use client';
import Link from 'next/link';
import { useState } from 'react';
import { api } from '@/lib/client/api';
import { text, useApiForm } from '@/lib/hooks/use-api-form';
import { TextField } from '@/components/ui/text-field';
import { Alert } from '@/components/ui/feedback';
import { FormSubmit } from './form-footer';

export function ForgotPasswordForm() {
  const [sent, setSent] = useState(false);
  const form = useApiForm(
    (data) =>
      api.post('/auth/password/forgot', {
        body: { email: text(data, 'email') },
        allowUnauthenticated: true,
      }),
    () => setSent(true),
  );
  if (sent) {
    return (
      <div className="space-y-4">
        <Alert tone="success" title="Check your inbox">
          If an account exists for that address, a link to reset the password is on its way. It expires soon, so use it
          today.
        </Alert>
        <Link
          href="/login"
          className="block text-center text-sm font-medium text-brand-700 hover:underline dark:text-brand-100"
        >
          Back to sign in
        </Link>
      </div>
    );
  }
  return (
    <form onSubmit={form.onSubmit} noValidate className="space-y-4">
      <TextField
        label="Email"
        name="email"
        type="email"
        autoComplete="email"
        required
        autoFocus
        error={form.fieldErrors.email}
      />
      <FormSubmit label="Send reset link" {...form} />
      <Link href="/login" className="block text-center text-sm text-brand-700 hover:underline dark:text-brand-100">
        Back to sign in
      </Link>
    </form>
  );
}
