'use client';
import Link from 'next/link';
import { useState } from 'react';
import { useSearchParams } from 'next/navigation';
import { api } from '@/lib/client/api';
import { describeError } from '@/lib/client/api-error';
import { Alert } from '@/components/ui/feedback';
import { Button } from '@/components/ui/button';

type State = { kind: 'ready' } | { kind: 'checking' } | { kind: 'done' } | { kind: 'failed'; message: string };

/**
 * The page of the link mailed to a new address (`/confirm-email?token=…`). The token is spent only
 * when the person presses the button: a mail scanner that prefetches links does not change the
 * account.
 */
export function ConfirmEmailChange() {
  const token = useSearchParams().get('token');
  const [state, setState] = useState<State>({ kind: 'ready' });
  if (!token)
    return (
      <Alert tone="error" title="No token">
        Open the link from the e-mail we sent you.
      </Alert>
    );
  const confirm = () => {
    setState({ kind: 'checking' });
    api
      .post('/auth/email/change/confirm', { body: { token }, allowUnauthenticated: true })
      .then(() => setState({ kind: 'done' }))
      .catch((error) => setState({ kind: 'failed', message: describeError(error) }));
  };
  switch (state.kind) {
    case 'ready':
    case 'checking':
      return (
        <div className="space-y-4">
          <p className="text-sm">Make this address the sign-in address of your Agentry account?</p>
          <Button onClick={confirm} loading={state.kind === 'checking'} className="w-full">
            Confirm new address
          </Button>
        </div>
      );
    case 'done':
      return (
        <div className="space-y-4">
          <Alert tone="success" title="E-mail address changed">
            Sign in with your new address from now on. Your other sessions were signed out.
          </Alert>
          <Link href="/" className="block text-center text-sm font-medium text-brand-700 hover:underline">
            Continue
          </Link>
        </div>
      );
    case 'failed':
      return (
        <Alert tone="error" title="This link did not work">
          {state.message} It may have expired or been used already; ask again from Settings.
        </Alert>
      );
  }
}
