'use client';
import Link from 'next/link';
import { useSearchParams } from 'next/navigation';
import { bffRaw } from '@/lib/client/bff-fetch';
import { field, useApiForm } from '@/lib/hooks/use-api-form';
import { TextField } from '@/components/ui/text-field';
import { FormSubmit, safeNext } from './form-footer';

export function LoginForm() {
  const params = useSearchParams();
  const next = safeNext(params.get('next'));
  const form = useApiForm(
    (data) =>
      bffRaw('/bff/auth/login', {
        method: 'POST',
        body: { email: field(data, 'email'), password: data.get('password') },
        allowUnauthenticated: true,
      }),
    // A full navigation so every query starts fresh under the new session.
    () => window.location.assign(next),
  );
  return (
    <form onSubmit={form.onSubmit} noValidate className="space-y-4">
      <TextField label="Email" name="email" type="email" autoComplete="email" required autoFocus error={form.fieldErrors.email} />
      <TextField label="Password" name="password" type="password" autoComplete="current-password" required error={form.fieldErrors.password} />
      <div className="text-right text-sm">
        <Link href="/forgot-password" className="text-brand-700 underline-offset-2 hover:underline dark:text-brand-100">
          Forgot password?
        </Link>
      </div>
      <FormSubmit label="Sign in" {...form} />
      <p className="text-center text-sm text-zinc-600 dark:text-zinc-400">
        New here?{' '}
        <Link href={next === '/' ? '/signup' : `/signup?next=${encodeURIComponent(next)}`} className="font-medium text-brand-700 hover:underline dark:text-brand-100">
          Create an account
        </Link>
      </p>
    </form>
  );
}
