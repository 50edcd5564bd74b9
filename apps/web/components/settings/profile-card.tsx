'use client';
import { useState } from 'react';
import type { MeResponse } from '@agentry/contracts';
import { api } from '@/lib/client/api';
import { describeError } from '@/lib/client/api-error';
import { Card, SkeletonList } from '@/components/ui/feedback';
import { Button } from '@/components/ui/button';
import { useToast } from '@/components/ui/toaster';
import { Avatar } from '@/components/ui/avatar';
import { ProfileForm } from './profile-form';

/** The account at a glance (e-mail and its verification, workspace, role) and the profile form. */
export function ProfileCard({ me, loading }: { me: MeResponse | undefined; loading: boolean }) {
  const toast = useToast();
  const [sending, setSending] = useState(false);
  const resend = async () => {
    setSending(true);
    try {
      await api.post('/auth/email/verify/send');
      toast('Verification email sent. Check your inbox.', 'success');
    } catch (error) {
      toast(describeError(error), 'error');
    } finally {
      setSending(false);
    }
  };
  return (
    <Card title="Profile">
      {loading || !me ? (
        <SkeletonList rows={3} label="Loading profile" />
      ) : (
        <div className="space-y-5">
          <div className="flex items-start gap-4">
            <Avatar url={me.user.avatar_url} name={me.user.display_name || me.user.email} size="lg" />
            <dl className="grid flex-1 grid-cols-[6rem_1fr] gap-x-4 gap-y-2 text-sm">
              <dt className="text-zinc-600 dark:text-zinc-400">Email</dt>
              <dd className="flex flex-wrap items-center gap-2">
                <span className="break-all">{me.user.email}</span>
                {me.user.email_verified ? (
                  <span className="rounded-full bg-emerald-100 px-2 py-0.5 text-xs text-emerald-900 dark:bg-emerald-500/20 dark:text-emerald-100">
                    verified
                  </span>
                ) : (
                  <>
                    <span className="rounded-full bg-amber-100 px-2 py-0.5 text-xs text-amber-900 dark:bg-amber-500/20 dark:text-amber-100">
                      not verified
                    </span>
                    <Button size="sm" variant="secondary" loading={sending} onClick={resend}>
                      Resend email
                    </Button>
                  </>
                )}
              </dd>
              <dt className="text-zinc-600 dark:text-zinc-400">Workspace</dt>
              <dd data-testid="current-workspace">
                {me.tenant.name} <span className="text-zinc-500">({me.tenant.slug})</span>
              </dd>
              <dt className="text-zinc-600 dark:text-zinc-400">Role</dt>
              <dd className="capitalize">{me.role}</dd>
            </dl>
          </div>
          <ProfileForm key={me.user.id} me={me} />
        </div>
      )}
    </Card>
  );
}
