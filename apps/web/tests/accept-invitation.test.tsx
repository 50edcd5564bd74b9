import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { render, screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { AcceptInvitation } from '@/components/invitations/accept-invitation';
import { invitationCode } from '@/lib/client/invitation';
import { knownWorkspaces } from '@/lib/client/known-workspaces';

const tenant = { id: '00000000-0000-4000-8000-00000000000a', slug: 'acme', name: 'Acme' };

function json(status: number, body: object) {
  return new Response(JSON.stringify(body), {
    status,
    headers: { 'content-type': status >= 400 ? 'application/problem+json' : 'application/json' },
  });
}

/** `auth/me` fails (not under test); the accept call answers `accept`. */
function routeFetch(accept: () => Response) {
  return async (url: string) =>
    String(url).endsWith('/tenants/invitations/accept')
      ? accept()
      : json(403, { type: 'about:blank', title: 'x', status: 403, code: 'forbidden' });
}

function renderAccept(token?: string) {
  const client = new QueryClient({ defaultOptions: { queries: { retry: false } } });
  render(
    <QueryClientProvider client={client}>
      <AcceptInvitation token={token} />
    </QueryClientProvider>,
  );
}

describe('accept invitation', () => {
  const fetchMock = vi.fn();
  beforeEach(() => {
    vi.stubGlobal('fetch', fetchMock);
    localStorage.clear();
  });
  afterEach(() => {
    vi.unstubAllGlobals();
    fetchMock.mockReset();
  });

  it('joins with a pasted link, names the workspace, remembers it and offers to switch', async () => {
    fetchMock.mockImplementation(routeFetch(() => json(200, { tenant, role: 'member' })));
    renderAccept();
    await userEvent.type(
      screen.getByLabelText('Invitation code or link'),
      'http://127.0.0.1:3000/signup?invite=inv_abc%2B1',
    );
    await userEvent.click(screen.getByRole('button', { name: 'Join workspace' }));
    expect(await screen.findByText('You joined Acme')).toBeTruthy();
    expect(screen.getByRole('button', { name: 'Switch to Acme' })).toBeTruthy();
    const call = fetchMock.mock.calls.find(([url]) => String(url).endsWith('/accept'))!;
    expect(call[0]).toBe('/bff/api/tenants/invitations/accept');
    expect(JSON.parse(call[1].body)).toEqual({ token: 'inv_abc+1' });
    expect(knownWorkspaces()[tenant.id]).toBe('Acme');
  });

  it('with the e-mail’s token it is one button; another user’s invitation says whose it is', async () => {
    fetchMock.mockImplementation(
      routeFetch(() =>
        json(404, {
          type: 'about:blank',
          title: 'Not Found',
          status: 404,
          code: 'not_found',
          detail: 'No such invitation.',
        }),
      ),
    );
    renderAccept('inv_for_someone_else');
    expect(screen.queryByLabelText('Invitation code or link')).toBeNull();
    await userEvent.click(screen.getByRole('button', { name: 'Join the workspace' }));
    expect((await screen.findByRole('alert')).textContent).toMatch(/sent to another e-mail address/);
  });

  it('explains used or expired invitations and existing memberships', async () => {
    fetchMock.mockImplementation(
      routeFetch(() => json(400, { type: 'about:blank', title: 'Bad Request', status: 400, code: 'invalid_token' })),
    );
    renderAccept('inv_used');
    await userEvent.click(screen.getByRole('button', { name: 'Join the workspace' }));
    expect((await screen.findByRole('alert')).textContent).toMatch(/invalid, already used or expired/);
    fetchMock.mockImplementation(
      routeFetch(() => json(409, { type: 'about:blank', title: 'Conflict', status: 409, code: 'conflict' })),
    );
    await userEvent.click(screen.getByRole('button', { name: 'Join the workspace' }));
    expect((await screen.findByRole('alert')).textContent).toMatch(/already a member/);
  });

  it('reads the code out of a link or takes it as is', () => {
    expect(invitationCode('  inv_xyz ')).toBe('inv_xyz');
    expect(invitationCode('https://app.example/signup?invite=inv_q&x=1')).toBe('inv_q');
  });
});
