import { afterEach, describe, expect, it, vi } from 'vitest';
import { render, screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import type { MeResponse } from '@agentry/contracts';
import { Toaster } from '@/components/ui/toaster';
import { EmailChangeCard, YourDataCard } from '@/components/settings/account-card';
import { PasswordCard } from '@/components/settings/password-card';
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';

const me: MeResponse = {
  user: {
    id: '00000000-0000-4000-8000-000000000001',
    email: 'ada@example.com',
    display_name: 'Ada',
    email_verified: true,
    mfa_enabled: false,
    avatar_url: null,
    locale: 'en',
    timezone: null,
  },
  tenant: { id: '00000000-0000-4000-8000-000000000002', slug: 'ada', name: 'Ada’s team' },
  role: 'owner',
  scopes: [],
  session_id: '00000000-0000-4000-8000-000000000003',
};

const problem = (status: number, code: string) =>
  new Response(JSON.stringify({ type: 'about:blank', title: 'x', status, code, detail: code }), {
    status,
    headers: { 'content-type': 'application/problem+json' },
  });

afterEach(() => vi.unstubAllGlobals());

describe('Settings → Your data', () => {
  it('links the export download through the BFF', () => {
    render(
      <Toaster>
        <YourDataCard me={me} />
      </Toaster>,
    );
    const link = screen.getByRole('link', { name: 'Download my data' });
    expect(link.getAttribute('href')).toBe('/bff/api/auth/me/export');
    expect(link.hasAttribute('download')).toBe(true);
  });

  it('deletion stays disabled until the address is typed, and explains the last-owner conflict', async () => {
    const fetch = vi.fn(async () => problem(409, 'conflict'));
    vi.stubGlobal('fetch', fetch);
    render(
      <Toaster>
        <YourDataCard me={me} />
      </Toaster>,
    );
    const button = screen.getByRole('button', { name: 'Delete my account' });
    await userEvent.type(screen.getByLabelText('Password'), 'my password');
    expect((button as HTMLButtonElement).disabled).toBe(true);
    await userEvent.type(screen.getByLabelText('Type ada@example.com to confirm'), 'ada@example.co');
    expect((button as HTMLButtonElement).disabled).toBe(true);
    await userEvent.type(screen.getByLabelText('Type ada@example.com to confirm'), 'm');
    expect((button as HTMLButtonElement).disabled).toBe(false);
    await userEvent.click(button);
    expect(await screen.findByText(/last owner of a workspace/)).toBeTruthy();
    expect(fetch).toHaveBeenCalledTimes(1);
  });
});

describe('Settings → E-mail address', () => {
  it('says when the address is taken', async () => {
    vi.stubGlobal(
      'fetch',
      vi.fn(async () => problem(409, 'email_taken')),
    );
    render(
      <Toaster>
        <EmailChangeCard me={me} />
      </Toaster>,
    );
    await userEvent.type(screen.getByLabelText('New e-mail address'), 'taken@example.com');
    await userEvent.type(screen.getByLabelText('Current password'), 'my password');
    await userEvent.click(screen.getByRole('button', { name: 'Change e-mail' }));
    expect(await screen.findByText('Another account already uses that address.')).toBeTruthy();
  });
});

describe('Settings → sensitive actions with two-step verification on', () => {
  const mfaMe: MeResponse = { ...me, user: { ...me.user, mfa_enabled: true } };
  /** Records where the page would navigate (a 401 must not send anyone to /login from here). */
  function watchNavigation() {
    const assign = vi.fn();
    vi.stubGlobal('location', { ...window.location, pathname: '/settings', search: '', assign });
    return assign;
  }

  it('no code field without MFA', () => {
    render(
      <Toaster>
        <EmailChangeCard me={me} />
      </Toaster>,
    );
    expect(screen.queryByLabelText('Code from the app')).toBeNull();
  });

  it('the e-mail change sends the code; a wrong code (401) is shown in the form, not a trip to /login', async () => {
    const fetch = vi.fn(async (_url: string, _init: RequestInit) => problem(401, 'invalid_mfa_code'));
    vi.stubGlobal('fetch', fetch);
    const assign = watchNavigation();
    render(
      <Toaster>
        <EmailChangeCard me={mfaMe} />
      </Toaster>,
    );
    await userEvent.type(screen.getByLabelText('New e-mail address'), 'new@example.com');
    await userEvent.type(screen.getByLabelText('Current password'), 'my password');
    await userEvent.type(screen.getByLabelText('Code from the app'), '123 456');
    await userEvent.click(screen.getByRole('button', { name: 'Change e-mail' }));
    expect(await screen.findByText('That code is wrong, expired or already used.')).toBeTruthy();
    expect(JSON.parse(String(fetch.mock.calls[0]?.[1].body))).toEqual({
      new_email: 'new@example.com',
      password: 'my password',
      code: '123456',
    });
    expect(assign).not.toHaveBeenCalled();
  });

  it('deletion with a recovery code; a wrong password (401) is shown, not a trip to /login', async () => {
    const fetch = vi.fn(async (_url: string, _init: RequestInit) => problem(401, 'invalid_credentials'));
    vi.stubGlobal('fetch', fetch);
    const assign = watchNavigation();
    render(
      <Toaster>
        <YourDataCard me={mfaMe} />
      </Toaster>,
    );
    await userEvent.type(screen.getByLabelText('Type ada@example.com to confirm'), 'ada@example.com');
    await userEvent.type(screen.getByLabelText('Password'), 'my password');
    await userEvent.click(screen.getByRole('button', { name: 'Lost your device? Use a recovery code' }));
    await userEvent.type(screen.getByLabelText('Recovery code'), 'abcde-fghij');
    await userEvent.click(screen.getByRole('button', { name: 'Delete my account' }));
    expect(await screen.findByText('The password is wrong.')).toBeTruthy();
    expect(JSON.parse(String(fetch.mock.calls[0]?.[1].body))).toEqual({
      password: 'my password',
      recovery_code: 'abcde-fghij',
    });
    expect(assign).not.toHaveBeenCalled();
  });

  it('the password change asks for the code; a session that is really gone (401 token_expired) still goes to /login', async () => {
    vi.stubGlobal(
      'fetch',
      vi.fn(async () => problem(401, 'token_expired')),
    );
    const assign = watchNavigation();
    render(
      <QueryClientProvider client={new QueryClient()}>
        <Toaster>
          <PasswordCard me={mfaMe} />
        </Toaster>
      </QueryClientProvider>,
    );
    await userEvent.type(screen.getByLabelText('Current password'), 'my password');
    await userEvent.type(screen.getByLabelText('New password'), 'a new long password');
    await userEvent.type(screen.getByLabelText('Code from the app'), '123456');
    await userEvent.click(screen.getByRole('button', { name: 'Change password' }));
    await vi.waitFor(() => expect(assign).toHaveBeenCalledWith('/login?next=%2Fsettings'));
  });
});
