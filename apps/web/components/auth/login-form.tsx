'use client';
import Link from 'next/link';
import { useEffect, useState } from 'react';
import { useSearchParams } from 'next/navigation';
import { bffRaw } from '@/lib/client/bff-fetch';
import { ApiError } from '@/lib/client/api-error';
import { knownWorkspaces, workspaceLabel, type KnownWorkspaces } from '@/lib/client/known-workspaces';
import { field, useApiForm } from '@/lib/hooks/use-api-form';
import { TextField } from '@/components/ui/text-field';
import { Alert } from '@/components/ui/feedback';
import { FormSubmit, safeNext } from './form-footer';
import { WorkspaceChoice } from './workspace-choice';
import { MfaStep } from './mfa-step';
import { SsoLogin } from './sso-login';

/** The tenant ids a `tenant_required` answer lists (`details.tenant_ids`), or none. */
function tenantIdsOf(error: ApiError): string[] {
  const ids = error.problem?.details?.tenant_ids;
  return Array.isArray(ids) ? ids.filter((id): id is string => typeof id === 'string') : [];
}

function chooseWorkspaceError(): ApiError {
  return new ApiError(
    422,
    {
      type: 'about:blank',
      title: 'Unprocessable Content',
      status: 422,
      code: 'validation_failed',
      errors: [{ path: 'tenant_id', message: 'Choose a workspace.' }],
    },
    null,
  );
}

export function LoginForm() {
  const params = useSearchParams();
  const next = safeNext(params.get('next'));
  // `?tenant=<id>`: signing in to a given workspace (switching after joining one).
  const tenant = params.get('tenant');
  const [known, setKnown] = useState<KnownWorkspaces>({});
  useEffect(() => setKnown(knownWorkspaces()), []);
  // Set once the API answered tenant_required: the ids it listed (possibly none).
  const [choices, setChoices] = useState<string[] | null>(null);
  // Set once the password was right for an account with MFA on (202): the second step's token.
  const [mfaToken, setMfaToken] = useState<string | null>(null);
  const [restartMessage, setRestartMessage] = useState<string | null>(null);
  // A full navigation so every query starts fresh under the new session.
  const signedIn = () => window.location.assign(next);
  const form = useApiForm(
    async (data) => {
      const tenantId = choices ? field(data, 'tenant_id') : (tenant ?? undefined);
      if (choices && !tenantId) throw chooseWorkspaceError();
      try {
        return await bffRaw('/bff/auth/login', {
          method: 'POST',
          body: { email: field(data, 'email'), password: data.get('password'), tenant_id: tenantId },
          allowUnauthenticated: true,
        });
      } catch (error) {
        if (error instanceof ApiError && error.code === 'tenant_required') setChoices(tenantIdsOf(error));
        throw error;
      }
    },
    async (res) => {
      if (res.status === 202) {
        const body = (await res.json()) as { mfa_required?: boolean; mfa_token?: string };
        if (body.mfa_required && body.mfa_token) {
          setRestartMessage(null);
          setMfaToken(body.mfa_token);
          return;
        }
      }
      signedIn();
    },
    (error) => {
      if (!(error instanceof ApiError)) return null;
      if (error.code === 'tenant_required') return 'Choose the workspace to open, then sign in.';
      if (error.code === 'sso_required')
        return 'This workspace signs in with single sign-on: use “Continue with SSO” below.';
      // The API answers a workspace the account is not in like a wrong password (it does not tell who belongs where).
      if (error.code === 'invalid_credentials' && (tenant || choices))
        return 'That email and password do not match, or this account is not a member of that workspace.';
      return null;
    },
  );
  if (mfaToken)
    return (
      <MfaStep
        mfaToken={mfaToken}
        onSignedIn={signedIn}
        onRestart={(message) => {
          setMfaToken(null);
          setRestartMessage(message || null);
        }}
      />
    );
  return (
    <>
      <form onSubmit={form.onSubmit} noValidate className="space-y-4">
        {restartMessage && <Alert tone="warning">{restartMessage}</Alert>}
        {tenant && !choices && <Alert tone="info">Signing in to {workspaceLabel(tenant, known)}.</Alert>}
        <TextField
          label="Email"
          name="email"
          type="email"
          autoComplete="email"
          required
          autoFocus
          error={form.fieldErrors.email}
        />
        <TextField
          label="Password"
          name="password"
          type="password"
          autoComplete="current-password"
          required
          error={form.fieldErrors.password}
        />
        {choices && (
          <WorkspaceChoice ids={choices} known={known} preselected={tenant} error={form.fieldErrors.tenant_id} />
        )}
        <div className="text-right text-sm">
          <Link
            href="/forgot-password"
            className="text-brand-700 underline-offset-2 hover:underline dark:text-brand-100"
          >
            Forgot password?
          </Link>
        </div>
        <FormSubmit label="Sign in" {...form} />
        <p className="text-center text-sm text-zinc-600 dark:text-zinc-400">
          New here?{' '}
          <Link
            href={next === '/' ? '/signup' : `/signup?next=${encodeURIComponent(next)}`}
            className="font-medium text-brand-700 hover:underline dark:text-brand-100"
          >
            Create an account
          </Link>
        </p>
      </form>
      <SsoLogin error={params.get('sso_error')} next={next} />
    </>
  );
}
