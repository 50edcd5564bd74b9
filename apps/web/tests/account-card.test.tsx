import { afterEach, describe, expect, it, vi } from 'vitest';
import { render, screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import type { MeResponse } from '@agentry/contracts';
import { Toaster } from '@/components/ui/toaster';
import { EmailChangeCard, YourDataCard } from '@/components/settings/account-card';

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
