import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { render, screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';

let search = '';
vi.mock('next/navigation', () => ({ useSearchParams: () => new URLSearchParams(search) }));
vi.mock('next/link', () => ({
  default: ({ href, children, ...rest }: { href: string; children: React.ReactNode }) => (
    <a href={href} {...rest}>
      {children}
    </a>
  ),
}));

const { LoginForm } = await import('@/components/auth/login-form');

const A = '00000000-0000-4000-8000-0000000000aa';
const B = '00000000-0000-4000-8000-0000000000bb';

function tenantRequired(details?: object) {
  return new Response(
    JSON.stringify({
      type: 'about:blank',
      title: 'Bad Request',
      status: 400,
      code: 'tenant_required',
      detail: 'You belong to several tenants.',
      ...(details ? { details } : {}),
    }),
    { status: 400, headers: { 'content-type': 'application/problem+json' } },
  );
}
const ok = () =>
  new Response(JSON.stringify({ tenant_id: B }), { status: 200, headers: { 'content-type': 'application/json' } });
const sent = (fetchMock: ReturnType<typeof vi.fn>, i: number) => JSON.parse(fetchMock.mock.calls[i]![1].body);

async function signIn() {
  await userEvent.type(screen.getByLabelText('Email'), 'bo@example.com');
  await userEvent.type(screen.getByLabelText('Password'), 'a long passphrase here');
  await userEvent.click(screen.getByRole('button', { name: 'Sign in' }));
}

describe('login in a user of several workspaces', () => {
  const fetchMock = vi.fn();
  const assign = vi.fn();
  beforeEach(() => {
    vi.stubGlobal('fetch', fetchMock);
    vi.spyOn(window.location, 'assign').mockImplementation(assign);
    localStorage.clear();
    search = '';
  });
  afterEach(() => {
    vi.unstubAllGlobals();
    vi.restoreAllMocks();
    fetchMock.mockReset();
    assign.mockReset();
  });

  it('asks which workspace on tenant_required, naming the ones this browser knows, then retries with it', async () => {
    localStorage.setItem('agentry.workspaces', JSON.stringify({ [B]: 'Acme' }));
    fetchMock.mockResolvedValueOnce(tenantRequired({ tenant_ids: [A, B] })).mockResolvedValueOnce(ok());
    render(<LoginForm />);
    await signIn();
    const group = await screen.findByRole('group', { name: 'Which workspace?' });
    expect(group.textContent).toContain('Workspace 00000000');
    expect(screen.getByText('Choose the workspace to open, then sign in.')).toBeTruthy();
    expect(sent(fetchMock, 0).tenant_id).toBeUndefined();
    // Sending without a choice is caught here, next to the question.
    await userEvent.click(screen.getByRole('button', { name: 'Sign in' }));
    expect(await screen.findByText('Choose a workspace.')).toBeTruthy();
    expect(fetchMock).toHaveBeenCalledTimes(1);
    await userEvent.click(screen.getByRole('radio', { name: 'Acme' }));
    await userEvent.click(screen.getByRole('button', { name: 'Sign in' }));
    await vi.waitFor(() => expect(assign).toHaveBeenCalledWith('/'));
    expect(sent(fetchMock, 1)).toMatchObject({ email: 'bo@example.com', tenant_id: B });
  });

  it('asks for the workspace id when the answer lists none', async () => {
    fetchMock.mockResolvedValueOnce(tenantRequired()).mockResolvedValueOnce(ok());
    render(<LoginForm />);
    await signIn();
    await userEvent.type(await screen.findByLabelText('Workspace ID'), A);
    await userEvent.click(screen.getByRole('button', { name: 'Sign in' }));
    await vi.waitFor(() => expect(assign).toHaveBeenCalled());
    expect(sent(fetchMock, 1).tenant_id).toBe(A);
  });

  it('signs straight in to ?tenant= (switching after joining)', async () => {
    search = `tenant=${B}`;
    localStorage.setItem('agentry.workspaces', JSON.stringify({ [B]: 'Acme' }));
    fetchMock.mockResolvedValueOnce(ok());
    render(<LoginForm />);
    expect(await screen.findByText('Signing in to Acme.')).toBeTruthy();
    await signIn();
    await vi.waitFor(() => expect(assign).toHaveBeenCalled());
    expect(sent(fetchMock, 0).tenant_id).toBe(B);
  });
});
