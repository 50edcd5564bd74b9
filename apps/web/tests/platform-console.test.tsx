import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { render, screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import type { MeResponse } from '@agentry/contracts';
import { keys } from '@/lib/client/queries';
import { Toaster } from '@/components/ui/toaster';

// The tenant page goes back to the list after a deprovision with no retention.
const push = vi.fn();
vi.mock('next/navigation', () => ({ useRouter: () => ({ push, replace: push }) }));

vi.mock('next/link', () => ({
  default: ({ href, children, ...rest }: { href: string; children: React.ReactNode }) => (
    <a href={href} {...rest}>
      {children}
    </a>
  ),
}));

const { PlatformTenant } = await import('@/components/platform/platform-tenant');

const id = '00000000-0000-4000-8000-0000000000aa';
const detail = {
  id,
  slug: 'acme-1a2b3c',
  name: 'Acme',
  status: 'active',
  created_at: '2026-01-01T00:00:00.000Z',
  member_count: 1,
  plan_code: null,
  suspended_at: null,
  suspend_reason: null,
  members: [
    {
      user_id: '00000000-0000-4000-8000-0000000000bb',
      email: 'owner@acme.test',
      display_name: null,
      role: 'owner',
      joined_at: '2026-01-01T00:00:00.000Z',
    },
  ],
  subscription: null,
  usage: null,
};

function json(status: number, body: object) {
  return new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });
}

function renderConsole(scopes: string[]) {
  const client = new QueryClient({ defaultOptions: { queries: { retry: false } } });
  client.setQueryData(keys.me, { scopes } as unknown as MeResponse);
  render(
    <QueryClientProvider client={client}>
      <Toaster>
        <PlatformTenant id={id} />
      </Toaster>
    </QueryClientProvider>,
  );
}

describe('operator console: a tenant', () => {
  const fetchMock = vi.fn();
  beforeEach(() => vi.stubGlobal('fetch', fetchMock));
  afterEach(() => {
    vi.unstubAllGlobals();
    fetchMock.mockReset();
  });

  it('shows members and suspends only after a reason and a confirmation', async () => {
    fetchMock.mockImplementation(async (url: string, init?: RequestInit) =>
      String(url).endsWith('/suspend')
        ? json(200, {
            id,
            status: 'suspended',
            reason: JSON.parse(String(init?.body)).reason,
            suspended_at: detail.created_at,
          })
        : json(200, detail),
    );
    renderConsole(['platform:operator']);
    expect(await screen.findByText('owner@acme.test')).toBeTruthy();
    const suspend = screen.getByRole('button', { name: 'Suspend' }) as HTMLButtonElement;
    expect(suspend.disabled).toBe(true);
    await userEvent.type(screen.getByLabelText('Reason'), 'abuse report');
    await userEvent.click(suspend);
    expect(fetchMock.mock.calls.some(([url]) => String(url).endsWith('/suspend'))).toBe(false);
    await userEvent.click(screen.getByRole('button', { name: 'Confirm suspension of Acme' }));
    const call = fetchMock.mock.calls.find(([url]) => String(url).endsWith('/suspend'))!;
    expect(call[0]).toBe(`/bff/api/platform/tenants/${id}/suspend`);
    expect(JSON.parse(call[1].body)).toEqual({ reason: 'abuse report' });
    expect(await screen.findByText('Acme is suspended')).toBeTruthy();
  });

  it('is refused to someone who is not an operator, without calling the API', async () => {
    renderConsole(['tenant:manage']);
    expect(await screen.findByText('This console is for the operators of this service.')).toBeTruthy();
    expect(fetchMock).not.toHaveBeenCalled();
  });
});
