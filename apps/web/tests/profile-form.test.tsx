import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { render, screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import type { MeResponse } from '@agentry/contracts';
import { Toaster } from '@/components/ui/toaster';
import { ProfileForm } from '@/components/settings/profile-form';
import { keys } from '@/lib/client/queries';

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

function json(status: number, body: object) {
  return new Response(JSON.stringify(body), {
    status,
    headers: { 'content-type': status >= 400 ? 'application/problem+json' : 'application/json' },
  });
}

function renderForm() {
  const client = new QueryClient({ defaultOptions: { queries: { retry: false } } });
  client.setQueryData(keys.me, me);
  render(
    <QueryClientProvider client={client}>
      <Toaster>
        <ProfileForm me={me} />
      </Toaster>
    </QueryClientProvider>,
  );
  return client;
}

describe('profile form', () => {
  const fetchMock = vi.fn();
  beforeEach(() => vi.stubGlobal('fetch', fetchMock));
  afterEach(() => {
    vi.unstubAllGlobals();
    fetchMock.mockReset();
  });

  it('sends only what changed, clears an emptied field, updates `me` and toasts', async () => {
    const updated = { ...me, user: { ...me.user, display_name: 'Ada Lovelace', locale: null } };
    fetchMock.mockResolvedValue(json(200, updated));
    const client = renderForm();
    const name = screen.getByLabelText('Display name');
    await userEvent.clear(name);
    await userEvent.type(name, 'Ada Lovelace');
    await userEvent.clear(screen.getByLabelText('Language'));
    await userEvent.click(screen.getByRole('button', { name: 'Save profile' }));
    expect(await screen.findByText('Profile saved')).toBeTruthy();
    const [url, init] = fetchMock.mock.calls[0]!;
    expect(url).toBe('/bff/api/auth/me');
    expect(init.method).toBe('PATCH');
    expect(JSON.parse(init.body)).toEqual({ display_name: 'Ada Lovelace', locale: null });
    expect(client.getQueryData<MeResponse>(keys.me)?.user.display_name).toBe('Ada Lovelace');
  });

  it('rejects a non-https avatar next to its field, without calling the API', async () => {
    renderForm();
    await userEvent.type(screen.getByLabelText('Avatar URL'), 'http://example.com/me.png');
    await userEvent.click(screen.getByRole('button', { name: 'Save profile' }));
    const error = await screen.findByText('Use an https:// address of an image.');
    const input = screen.getByLabelText('Avatar URL');
    expect(input.getAttribute('aria-invalid')).toBe('true');
    expect(input.getAttribute('aria-describedby')).toBe(error.id);
    expect(fetchMock).not.toHaveBeenCalled();
  });

  it('shows the API’s 422 field errors next to their inputs', async () => {
    fetchMock.mockResolvedValue(
      json(422, {
        type: 'about:blank',
        title: 'x',
        status: 422,
        code: 'validation_failed',
        errors: [{ path: 'body.timezone', message: 'Not an IANA time zone.' }],
      }),
    );
    renderForm();
    // Valid for the contract's check in this runtime, refused by the (mocked) API.
    await userEvent.type(screen.getByLabelText('Time zone'), 'Europe/Paris');
    await userEvent.click(screen.getByRole('button', { name: 'Save profile' }));
    const error = await screen.findByText('Not an IANA time zone.');
    expect(screen.getByLabelText('Time zone').getAttribute('aria-describedby')).toBe(error.id);
  });

  it('says so when nothing changed instead of sending an empty update', async () => {
    renderForm();
    await userEvent.click(screen.getByRole('button', { name: 'Save profile' }));
    expect(await screen.findByText(/Nothing changed/)).toBeTruthy();
    expect(fetchMock).not.toHaveBeenCalled();
  });
});
