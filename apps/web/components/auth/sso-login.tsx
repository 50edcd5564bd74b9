'use client';
import { useState } from 'react';
import { Alert } from '@/components/ui/feedback';

const SSO_ERRORS: Record<string, string> = {
  invalid_state: 'The single sign-on attempt expired or was already used. Try again.',
  idp_error: 'Your identity provider did not complete the sign-in.',
  token_exchange_failed: 'Your identity provider could not be reached. Try again.',
  invalid_id_token: 'Your identity provider’s answer could not be verified.',
  email_not_verified: 'Your identity provider did not confirm your email address.',
  not_allowed: 'This account cannot join the workspace through single sign-on. Ask an owner for an invitation.',
  seat_limit_reached: 'The workspace has no free seat. Ask an owner to add seats.',
  account_unavailable: 'This account is locked or disabled.',
  sso_not_configured: 'No single sign-on is set up for that workspace or email domain.',
  invalid_token: 'The sign-in link expired. Try again.',
  unavailable: 'Single sign-on is unavailable right now. Try again.',
};

/** "Continue with SSO": a work email (its domain is looked up) or a workspace slug, then the IdP. */
export function SsoLogin({ error, next }: { error: string | null; next: string }) {
  const [open, setOpen] = useState(!!error);
  const [value, setValue] = useState('');
  const go = (event: React.FormEvent) => {
    event.preventDefault();
    const v = value.trim();
    if (!v) return;
    const params = new URLSearchParams(v.includes('@') ? { email: v } : { slug: v });
    if (next !== '/') params.set('next', next);
    window.location.assign(`/bff/auth/sso/start?${params}`);
  };
  return (
    <div className="mt-6 border-t border-zinc-200 pt-4 dark:border-zinc-800">
      {error && <Alert tone="error">{SSO_ERRORS[error] ?? 'Single sign-on did not complete. Try again.'}</Alert>}
      {!open ? (
        <button
          type="button"
          onClick={() => setOpen(true)}
          className="w-full rounded-md border border-zinc-300 px-3 py-2 text-sm font-medium hover:bg-zinc-50 dark:border-zinc-700 dark:hover:bg-zinc-900"
        >
          Continue with SSO
        </button>
      ) : (
        <form onSubmit={go} className="mt-2 space-y-2" aria-label="Single sign-on">
          <label className="block text-sm font-medium" htmlFor="sso-target">
            Work email or workspace
          </label>
          <input
            id="sso-target"
            name="sso-target"
            value={value}
            onChange={(e) => setValue(e.target.value)}
            placeholder="you@company.com or workspace-slug"
            className="w-full rounded-md border border-zinc-300 bg-transparent px-3 py-2 text-sm dark:border-zinc-700"
          />
          <button
            type="submit"
            className="w-full rounded-md bg-brand-700 px-3 py-2 text-sm font-medium text-white hover:bg-brand-800"
          >
            Continue with SSO
          </button>
        </form>
      )}
    </div>
  );
}
