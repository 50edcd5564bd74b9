'use client';
import { useMemo, useState } from 'react';
import { useQueryClient } from '@tanstack/react-query';
import type { MeResponse } from '@agentry/contracts';
import { api } from '@/lib/client/api';
import { keys } from '@/lib/client/queries';
import { profileChanges, validateProfile } from '@/lib/client/profile-update';
import { useApiForm } from '@/lib/hooks/use-api-form';
import { TextField } from '@/components/ui/text-field';
import { Button } from '@/components/ui/button';
import { Alert } from '@/components/ui/feedback';
import { useToast } from '@/components/ui/toaster';

function timeZones(): string[] {
  try {
    return Intl.supportedValuesOf('timeZone');
  } catch {
    return [];
  }
}

/** Edits the caller's profile (PATCH /auth/me): only changed fields are sent, an emptied one is cleared. */
export function ProfileForm({ me }: { me: MeResponse }) {
  const toast = useToast();
  const queryClient = useQueryClient();
  const [unchanged, setUnchanged] = useState(false);
  const zones = useMemo(timeZones, []);
  const deviceZone = useMemo(() => Intl.DateTimeFormat().resolvedOptions().timeZone, []);
  const form = useApiForm(
    async (data) => {
      setUnchanged(false);
      const body = profileChanges(me.user, data);
      if (!body) return null;
      const invalid = validateProfile(body);
      if (invalid) throw invalid;
      return api.patch('/auth/me', { body });
    },
    (updated) => {
      if (!updated) {
        setUnchanged(true);
        return;
      }
      // The header and every other reader of `me` show the new profile at once.
      queryClient.setQueryData(keys.me, updated);
      void queryClient.invalidateQueries({ queryKey: ['members'] });
      toast('Profile saved', 'success');
    },
  );
  const u = me.user;
  return (
    <form onSubmit={form.onSubmit} noValidate aria-label="Profile" className="grid gap-4 sm:grid-cols-2">
      <TextField
        label="Display name"
        name="display_name"
        defaultValue={u.display_name ?? ''}
        autoComplete="name"
        maxLength={100}
        error={form.fieldErrors.display_name}
        hint="Shown to your team. Leave empty to use your e-mail."
      />
      <TextField
        label="Avatar URL"
        name="avatar_url"
        type="url"
        inputMode="url"
        defaultValue={u.avatar_url ?? ''}
        placeholder="https://…"
        error={form.fieldErrors.avatar_url}
        hint="An https:// image address, or empty for none."
      />
      <TextField
        label="Language"
        name="locale"
        defaultValue={u.locale ?? ''}
        placeholder="en, pt-BR…"
        autoComplete="language"
        error={form.fieldErrors.locale}
        hint="A language tag such as en or pt-BR."
      />
      <TextField
        label="Time zone"
        name="timezone"
        defaultValue={u.timezone ?? ''}
        placeholder={deviceZone}
        list="profile-time-zones"
        error={form.fieldErrors.timezone}
        hint={`Such as Europe/Paris. This device uses ${deviceZone}.`}
      />
      <datalist id="profile-time-zones">
        {zones.map((z) => (
          <option key={z} value={z} />
        ))}
      </datalist>
      <div className="space-y-3 sm:col-span-2">
        {form.formError && <Alert tone="error">{form.formError}</Alert>}
        {unchanged && <Alert tone="info">Nothing changed: there is nothing to save.</Alert>}
        <Button type="submit" loading={form.pending} disabled={form.retryIn > 0}>
          {form.retryIn > 0 ? `Try again in ${form.retryIn}s` : 'Save profile'}
        </Button>
      </div>
    </form>
  );
}
