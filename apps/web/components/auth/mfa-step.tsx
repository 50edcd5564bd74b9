'use client';
import { useState } from 'react';
import { bffRaw } from '@/lib/client/bff-fetch';
import { ApiError } from '@/lib/client/api-error';
import { text, useApiForm } from '@/lib/hooks/use-api-form';
import { TextField } from '@/components/ui/text-field';
import { Alert } from '@/components/ui/feedback';
import { Button } from '@/components/ui/button';
import { FormSubmit } from './form-footer';

/**
 * A login's second step, after a 202 `mfa_required`: a 6-digit code from the authenticator app, or
 * one of the recovery codes. The `mfa_token` goes back with it to `/bff/auth/mfa`, which sets the
 * session cookies. When the token is dead (expired, used, 5 wrong codes) the person starts over.
 */
export function MfaStep({
  mfaToken,
  onSignedIn,
  onRestart,
}: {
  mfaToken: string;
  onSignedIn: () => void;
  onRestart: (message: string) => void;
}) {
  const [useRecovery, setUseRecovery] = useState(false);
  const form = useApiForm(
    async (data) => {
      const body = useRecovery
        ? { mfa_token: mfaToken, recovery_code: text(data, 'recovery_code') }
        : { mfa_token: mfaToken, code: text(data, 'code').replace(/\s/g, '') };
      try {
        return await bffRaw('/bff/auth/mfa', { method: 'POST', body, allowUnauthenticated: true });
      } catch (error) {
        if (error instanceof ApiError && error.code === 'invalid_token')
          onRestart('That sign-in expired or had too many wrong codes. Sign in again.');
        throw error;
      }
    },
    onSignedIn,
    (error) => {
      if (!(error instanceof ApiError)) return null;
      if (error.code === 'invalid_mfa_code')
        return useRecovery
          ? 'That recovery code is wrong or was already used.'
          : 'That code is wrong or was already used. Wait for the next one and try again.';
      if (error.code === 'account_locked') return 'Too many wrong codes. Try again later.';
      return null;
    },
  );
  return (
    <form onSubmit={form.onSubmit} noValidate className="space-y-4" aria-label="Two-step verification">
      <Alert tone="info">
        {useRecovery
          ? 'Enter one of the recovery codes you saved when you turned on two-step verification. Each works once.'
          : 'Enter the 6-digit code from your authenticator app.'}
      </Alert>
      {useRecovery ? (
        <TextField
          key="recovery"
          label="Recovery code"
          name="recovery_code"
          autoComplete="off"
          required
          autoFocus
          error={form.fieldErrors.recovery_code}
        />
      ) : (
        <TextField
          key="code"
          label="Authentication code"
          name="code"
          inputMode="numeric"
          autoComplete="one-time-code"
          pattern="[0-9 ]*"
          maxLength={7}
          required
          autoFocus
          error={form.fieldErrors.code}
        />
      )}
      <FormSubmit label="Verify" {...form} />
      <div className="flex justify-between text-sm">
        <Button variant="ghost" size="sm" onClick={() => setUseRecovery((v) => !v)}>
          {useRecovery ? 'Use an authenticator code' : 'Use a recovery code'}
        </Button>
        <Button variant="ghost" size="sm" onClick={() => onRestart('')}>
          Start over
        </Button>
      </div>
    </form>
  );
}
