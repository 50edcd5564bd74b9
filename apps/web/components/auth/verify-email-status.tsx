'use client';
import Link from 'next/link';
import { useEffect, useRef, useState } from 'react';
import { useSearchParams } from 'next/navigation';
import { api } from '@/lib/client/api';
import { describeError } from '@/lib/client/api-error';
import { Alert } from '@/components/ui/feedback';

type State = { kind: 'idle' } | { kind: 'checking' } | { kind: 'verified' } | { kind: 'failed'; message: string };

export function VerifyEmailStatus() {
  const token = useSearchParams().get('token');
  const [state, setState] = useState<State>(token ? { kind: 'checking' } : { kind: 'idle' });
  const started = useRef(false);
  useEffect(() => {
    // Tokens are single use: strict-mode double effects must not spend it twice.
    if (!token || started.current) return;
    started.current = true;
    api
      .post('/auth/email/verify', { body: { token }, allowUnauthenticated: true })
      .then(() => setState({ kind: 'verified' }))
      .catch((error) => setState({ kind: 'failed', message: describeError(error) }));
  }, [token]);

  switch (state.kind) {
    case 'idle':
      return (
        <Alert title="Check your inbox">
          We sent a link to your email address. Open it to confirm the address. You can resend it from Settings.
        </Alert>
      );
    case 'checking':
      return <p role="status">Confirming your email address…</p>;
    case 'verified':
      return (
        <div className="space-y-4">
          <Alert tone="success" title="Email confirmed">
            Thanks — your address is verified.
          </Alert>
          <Link
            href="/"
            className="block text-center text-sm font-medium text-brand-700 hover:underline dark:text-brand-100"
          >
            Go to chat
          </Link>
        </div>
      );
    case 'failed':
      return (
        <Alert tone="error" title="This link did not work">
          {state.message} It may have expired or been used already; request a new one from Settings.
        </Alert>
      );
  }
}
