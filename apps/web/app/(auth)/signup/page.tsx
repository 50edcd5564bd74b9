import { Suspense } from 'react';
import type { Metadata } from 'next';
import { cookies } from 'next/headers';
import { SignupForm } from '@/components/auth/signup-form';
import { AcceptInvitation } from '@/components/invitations/accept-invitation';

export const metadata: Metadata = { title: 'Create account' };

type Props = { searchParams: Promise<{ invite?: string | string[] }> };

/**
 * Sign-up, and the page invitation e-mails link to (`/signup?invite=<token>`): signed out, it
 * creates an account in the inviting workspace or offers to sign in first; signed in, it joins.
 */
export default async function SignupPage({ searchParams }: Props) {
  const { invite } = await searchParams;
  const token = typeof invite === 'string' && invite ? invite : undefined;
  const jar = await cookies();
  if (token && (jar.has('agentry_at') || jar.has('agentry_rt'))) {
    return (
      <>
        <h1 className="text-xl font-semibold">Join a workspace</h1>
        <p className="mb-6 mt-1 text-sm text-zinc-600 dark:text-zinc-400">
          You were invited to a workspace on Agentry. Its name shows once you join.
        </p>
        <AcceptInvitation token={token} />
      </>
    );
  }
  return (
    <>
      <h1 className="text-xl font-semibold">{token ? 'Join your team on Agentry' : 'Create your Agentry account'}</h1>
      <p className="mb-6 mt-1 text-sm text-zinc-600 dark:text-zinc-400">
        {token
          ? 'Create an account with the invited e-mail address, or sign in if you already have one.'
          : 'Start chatting with a team of agents in under a minute.'}
      </p>
      <Suspense>
        <SignupForm />
      </Suspense>
    </>
  );
}
