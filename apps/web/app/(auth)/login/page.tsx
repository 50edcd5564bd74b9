import { Suspense } from 'react';
import type { Metadata } from 'next';
import { LoginForm } from '@/components/auth/login-form';

export const metadata: Metadata = { title: 'Sign in' };

export default function LoginPage() {
  return (
    <>
      <h1 className="text-xl font-semibold">Sign in to Agentry</h1>
      <p className="mb-6 mt-1 text-sm text-zinc-600 dark:text-zinc-400">
        Welcome back. Your conversations are waiting.
      </p>
      <Suspense>
        <LoginForm />
      </Suspense>
    </>
  );
}
