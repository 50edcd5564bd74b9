// @vitest-environment node
import { afterEach, describe, expect, it, vi } from 'vitest';
import { NextRequest } from 'next/server';
import { FLOW_COOKIE, ssoCallback } from '@/lib/server/sso';

const session = {
  access_token: 'at',
  refresh_token: 'rt_x',
  token_type: 'bearer',
  expires_at: new Date(Date.now() + 60_000).toISOString(),
  refresh_expires_at: new Date(Date.now() + 60_000).toISOString(),
  kid: 'k',
  session_id: crypto.randomUUID(),
  user_id: crypto.randomUUID(),
  tenant_id: crypto.randomUUID(),
  role: 'member',
  scopes: [],
};

const callback = (query: string, flowCookie?: string) =>
  ssoCallback(
    new NextRequest(`http://app.test/bff/auth/sso/callback?${query}`, {
      headers: { host: 'app.test', ...(flowCookie ? { cookie: `${FLOW_COOKIE}=${flowCookie}` } : {}) },
    }),
  );

afterEach(() => vi.unstubAllGlobals());

describe('BFF single sign-on callback', () => {
  it("attack: a login code from someone else's flow (login CSRF) is not exchanged", async () => {
    const fetchSpy = vi.fn();
    vi.stubGlobal('fetch', fetchSpy);
    for (const res of [
      await callback('flow=attacker&login_code=sso_x', 'victim'),
      await callback('flow=a&login_code=sso_x'),
    ]) {
      expect(res.status).toBe(303);
      expect(res.headers.get('location')).toBe('http://app.test/login?sso_error=invalid_state');
      expect(res.headers.get('set-cookie')).not.toContain('agentry_at=');
    }
    expect(fetchSpy).not.toHaveBeenCalled();
  });

  it('exchanges the code of its own flow, sets the session cookies and drops the code from the address', async () => {
    const fetchSpy = vi.fn(async () => Response.json(session));
    vi.stubGlobal('fetch', fetchSpy);
    const res = await callback('flow=mine&login_code=sso_abc&next=%2Fsettings', 'mine');
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe('http://app.test/settings');
    expect(res.headers.get('set-cookie')).toContain('agentry_at=at');
    expect(JSON.parse((fetchSpy.mock.calls[0] as unknown as [string, { body: string }])[1].body)).toEqual({
      login_code: 'sso_abc',
    });
  });

  it('passes an sso_error on to the login page, and never follows an off-site next', async () => {
    vi.stubGlobal(
      'fetch',
      vi.fn(async () => Response.json(session)),
    );
    const error = await callback('flow=f&sso_error=not_allowed', 'f');
    expect(error.headers.get('location')).toBe('http://app.test/login?sso_error=not_allowed');
    const offsite = await callback('flow=f&login_code=sso_abc&next=%2F%2Fevil.example', 'f');
    expect(offsite.headers.get('location')).toBe('http://app.test/');
  });
});
