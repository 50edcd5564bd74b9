'use client';
import Link from 'next/link';
import { useSearchParams } from 'next/navigation';
import { bffRaw } from '@/lib/client/bff-fetch';
import { field, useApiForm } from '@/lib/hooks/use-api-form';
import { TextField } from '@/components/ui/text-field';
import { FormSubmit, safeNext } from './form-footer';

export function SignupForm() {
  const params = useSearchParams();
  const next = safeNext(params.get('next'));
  const invite = params.get('invite') ?? undefined;
  const form = useApiForm(
    (data) =>
      bffRaw('/bff/auth/signup', {
        method: 'POST',
        body: {
          email: field(data, 'email'),
          password: data.get('password'),
          display_name: field(data, 'display_name'),
          tenant_name: invite ? undefined : field(data, 'tenant_name'),
          invite_token: invite,
        },
        allowUnauthenticated: true,
      }),
    () => window.location.assign(next),
  );
  return (
    <form onSubmit={form.onSubmit} noValidate className="space-y-4">
      <TextField label="Your name" name="display_name" autoComplete="name" error={form.fieldErrors.display_name} />
      <TextField label="Email" name="email" type="email" autoComplete="email" required error={form.fieldErrors.email} />
      <TextField
        label="Password"
        name="password"
        type="password"
        autoComplete="new-password"
        required
        minLength={12}
        hint="At least 12 characters. A short sentence works well."
        error={form.fieldErrors.password}
      />
      {invite ? (
        <p className="text-sm text-zinc-600 dark:text-zinc-400">You are joining a team from an invitation.</p>
      ) : (
        <TextField
          label="Workspace name (optional)"
          name="tenant_name"
          autoComplete="organization"
          error={form.fieldErrors.tenant_name}
        />
      )}
      <FormSubmit label="Create account" {...form} />
      <p className="text-center text-sm text-zinc-600 dark:text-zinc-400">
        Already have an account?{' '}
        {/* Back here once signed in: the page then offers to join with the same invitation. */}
        <Link
          href={invite ? `/login?next=${encodeURIComponent(`/signup?invite=${encodeURIComponent(invite)}`)}` : '/login'}
          className="font-medium text-brand-700 hover:underline dark:text-brand-100"
        >
          {invite ? 'Sign in to accept' : 'Sign in'}
        </Link>
      </p>
    </form>
  );
}
