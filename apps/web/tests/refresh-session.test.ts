// @vitest-environment node
import { afterEach, describe, expect, it, vi } from 'vitest';
import { refreshesInFlight, refreshSession } from '@/lib/server/refresh-session';

const pair = (n: number) => ({
  access_token: `a${n}`,
  refresh_token: `rt_${n}`,
  token_type: 'bearer',
  expires_at: new Date(Date.now() + 60_000).toISOString(),
  refresh_expires_at: new Date(Date.now() + 3_600_000).toISOString(),
  kid: 'k',
  session_id: '00000000-0000-4000-8000-000000000001',
  tenant_id: '00000000-0000-4000-8000-000000000002',
  user_id: '00000000-0000-4000-8000-000000000003',
  role: 'owner',
  scopes: [],
});

afterEach(() => vi.unstubAllGlobals());

describe('BFF refresh', () => {
  it('coalesces the refreshes in flight in this process, and keeps nothing once settled', async () => {
    let calls = 0;
    vi.stubGlobal(
      'fetch',
      vi.fn(async () => {
        calls += 1;
        await new Promise((resolve) => setTimeout(resolve, 10));
        return new Response(JSON.stringify(pair(calls)), { headers: { 'content-type': 'application/json' } });
      }),
    );
    const [a, b] = await Promise.all([refreshSession('rt_old'), refreshSession('rt_old')]);
    expect(calls).toBe(1);
    expect(a?.refresh_token).toBe('rt_1');
    expect(b?.refresh_token).toBe('rt_1');
    expect(refreshesInFlight()).toBe(0);
    // A later request with the same (old) cookie asks the API again: the API's grace window, shared
    // by every replica, answers it (no per-process cache that another web replica would lack).
    await refreshSession('rt_old');
    expect(calls).toBe(2);
  });

  it('a refused refresh is null, and is not remembered either', async () => {
    vi.stubGlobal(
      'fetch',
      vi.fn(async () => new Response('{}', { status: 401 })),
    );
    expect(await refreshSession('rt_dead')).toBeNull();
    expect(refreshesInFlight()).toBe(0);
  });
});
