import { Suspense } from 'react';
import type { Metadata } from 'next';
import { VerifyEmailStatus } from '@/components/auth/verify-email-status';

export const metadata: Metadata = { title: 'Verify email' };

export default function VerifyEmailPage() {
  return (
    <>
      <h1 className="mb-6 text-xl font-semibold">Verify your email</h1>
      <Suspense>
        <VerifyEmailStatus />
      </Suspense>
    </>
  );
}
