'use client';
import { useState } from 'react';
import { ApiError } from '@/lib/client/api-error';
import { field } from '@/lib/hooks/use-api-form';
import { Button } from '@/components/ui/button';
import { TextField } from '@/components/ui/text-field';

/**
 * The second factor a sensitive action asks for besides the password when two-step verification is
 * on (password change, e-mail change, account deletion, turning MFA off): a code from the app, or a
 * recovery code for a lost device. Renders nothing when MFA is off.
 */
export function SecondFactorField({
  enabled,
  errors,
}: {
  enabled: boolean;
  errors: Record<string, string | undefined>;
}) {
  const [withRecovery, setWithRecovery] = useState(false);
  if (!enabled) return null;
  return (
    <div className="grid gap-2" data-testid="second-factor-field">
      {withRecovery ? (
        <TextField
          key="recovery"
          label="Recovery code"
          name="recovery_code"
          autoComplete="off"
          required
          error={errors.recovery_code}
        />
      ) : (
        <AppCodeField key="code" error={errors.code} />
      )}
      <Button variant="ghost" size="sm" onClick={() => setWithRecovery((v) => !v)}>
        {withRecovery ? 'Use a code from the app' : 'Lost your device? Use a recovery code'}
      </Button>
    </div>
  );
}

/** The 6-digit code of the authenticator app, as every MFA form asks for it. */
export function AppCodeField({ error }: { error?: string | undefined }) {
  return (
    <TextField
      label="Code from the app"
      name="code"
      inputMode="numeric"
      autoComplete="one-time-code"
      maxLength={7}
      required
      error={error}
    />
  );
}

/** The app code as typed (spaces dropped), `''` when the field is empty. */
export function appCodeOf(data: FormData): string {
  return (field(data, 'code') ?? '').replace(/\s/g, '');
}

/** What a form with a {@link SecondFactorField} sends: `{code}`, `{recovery_code}` or nothing (MFA off). */
export function secondFactorOf(data: FormData): { code?: string; recovery_code?: string } {
  if (data.has('recovery_code')) return { recovery_code: field(data, 'recovery_code') ?? '' };
  if (data.has('code')) return { code: appCodeOf(data) };
  return {};
}

/** The messages of a refused re-authentication (the password or the second factor typed again). */
export function describeReauthError(error: unknown): string | null {
  if (!(error instanceof ApiError)) return null;
  switch (error.code) {
    case 'invalid_credentials':
      return 'The password is wrong.';
    case 'invalid_mfa_code':
      return 'That code is wrong, expired or already used.';
    case 'mfa_required':
      return 'Two-step verification is on: enter a code from your authenticator app or a recovery code.';
    default:
      return null;
  }
}
