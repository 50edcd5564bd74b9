'use client';
import { useRef } from 'react';
import { useQueryClient } from '@tanstack/react-query';
import type { MeResponse } from '@agentry/contracts';
import { api } from '@/lib/client/api';
import { text, useApiForm } from '@/lib/hooks/use-api-form';
import { Card } from '@/components/ui/feedback';
import { TextField } from '@/components/ui/text-field';
import { FormSubmit } from '@/components/auth/form-footer';
import { useToast } from '@/components/ui/toaster';
import { describeReauthError, SecondFactorField, secondFactorOf } from './second-factor-field';

export function PasswordCard({ me }: { me: MeResponse | undefined }) {
  const toast = useToast();
  const queryClient = useQueryClient();
  const formRef = useRef<HTMLFormElement>(null);
  const form = useApiForm(
    (data) =>
      api.post('/auth/password/change', {
        body: {
          current_password: text(data, 'current_password'),
          new_password: text(data, 'new_password'),
          ...secondFactorOf(data),
        },
      }),
    () => {
      formRef.current?.reset();
      toast('Password changed. Other sessions were signed out.', 'success');
      void queryClient.invalidateQueries({ queryKey: ['sessions'] });
    },
    describeReauthError,
  );
  return (
    <Card title="Password" description="Changing it signs out every other session.">
      <form
        aria-label="Change password"
        ref={formRef}
        onSubmit={form.onSubmit}
        noValidate
        className="grid gap-4 sm:max-w-sm"
      >
        <TextField
          label="Current password"
          name="current_password"
          type="password"
          autoComplete="current-password"
          required
          error={form.fieldErrors.current_password}
        />
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
        <SecondFactorField enabled={me?.user.mfa_enabled ?? false} errors={form.fieldErrors} />
        <FormSubmit label="Change password" {...form} />
      </form>
    </Card>
  );
}
