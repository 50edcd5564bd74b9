import { Suspense } from 'react';
import type { Metadata } from 'next';
import { SignupForm } from '@/components/auth/signup-form';

export const metadata: Metadata = { title: 'Create account' };

export default function SignupPage() {
  return (
    <>
      <h1 className="text-xl font-semibold">Create your Agentry account</h1>
      <p className="mb-6 mt-1 text-sm text-zinc-600 dark:text-zinc-400">Start chatting with a team of agents in under a minute.</p>
      <Suspense>
        <SignupForm />
      </Suspense>
    </>
  );
}
