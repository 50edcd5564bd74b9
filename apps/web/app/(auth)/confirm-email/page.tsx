import { Suspense } from 'react';
import type { Metadata } from 'next';
import { ConfirmEmailChange } from '@/components/auth/confirm-email-change';

export const metadata: Metadata = { title: 'Confirm your new e-mail address' };

export default function ConfirmEmailPage() {
  return (
    <>
      <h1 className="mb-6 text-xl font-semibold">Confirm your new e-mail address</h1>
      <Suspense>
        <ConfirmEmailChange />
      </Suspense>
    </>
  );
}
