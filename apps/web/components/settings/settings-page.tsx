'use client';
import Link from 'next/link';
import { hasScope, useMe } from '@/lib/client/queries';
import { ProfileCard } from './profile-card';
import { PasswordCard } from './password-card';
import { MfaCard } from './mfa-card';
import { SsoCard } from './sso-card';
import { EmailChangeCard, YourDataCard } from './account-card';
import { SessionsCard } from './sessions-card';
import { TeamCard } from './team-card';
import { JoinWorkspaceCard } from './join-workspace-card';
import { ServiceAccountsCard } from './service-accounts-card';

export function SettingsPage() {
  const me = useMe();
  return (
    <div className="mx-auto max-w-3xl space-y-6 p-4 sm:p-6">
      <header>
        <h1 className="text-2xl font-semibold">Settings</h1>
        <nav aria-label="Settings sections" className="mt-2 flex flex-wrap gap-3 text-sm">
          {[
            ['#profile', 'Profile'],
            ['#security', 'Security'],
            ['#sessions', 'Sessions'],
            ['#team', 'Team'],
            ['#join', 'Join a workspace'],
            ['#service-accounts', 'Service accounts'],
            ['#your-data', 'Your data'],
          ].map(([href, label]) => (
            <a key={href} href={href} className="text-brand-700 hover:underline dark:text-brand-100">
              {label}
            </a>
          ))}
          {hasScope(me.data, 'tools:read') && (
            <Link href="/settings/guardrails" className="text-brand-700 hover:underline dark:text-brand-100">
              Guardrails
            </Link>
          )}
          {hasScope(me.data, 'tools:read') && (
            <Link href="/settings/tools" className="text-brand-700 hover:underline dark:text-brand-100">
              Tool servers
            </Link>
          )}
          {hasScope(me.data, 'audit:read') && (
            <Link href="/settings/audit" className="text-brand-700 hover:underline dark:text-brand-100">
              Audit log
            </Link>
          )}
        </nav>
      </header>
      <div id="profile">
        <ProfileCard me={me.data} loading={me.isPending} />
      </div>
      <div id="security" className="space-y-6">
        <EmailChangeCard me={me.data} />
        <PasswordCard me={me.data} />
        <MfaCard me={me.data} loading={me.isPending} />
        {hasScope(me.data, 'tenant:manage') && <SsoCard me={me.data} />}
      </div>
      <div id="sessions">
        <SessionsCard />
      </div>
      <div id="team">
        <TeamCard canManage={hasScope(me.data, 'members:manage')} selfId={me.data?.user.id} />
      </div>
      <div id="join">
        <JoinWorkspaceCard />
      </div>
      <div id="service-accounts">
        <ServiceAccountsCard
          canManage={hasScope(me.data, 'service_accounts:manage')}
          grantable={me.data?.scopes ?? []}
        />
      </div>
      <div id="your-data">
        <YourDataCard me={me.data} />
      </div>
    </div>
  );
}
