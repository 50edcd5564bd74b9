// @vitest-environment node
import { afterEach, describe, expect, it, vi } from 'vitest';
import { NextRequest } from 'next/server';
import { forwardToApi } from '@/lib/server/api-forward';
import { ACCESS_COOKIE, REFRESH_COOKIE } from '@/lib/server/session-cookies';

/**
 * A wrong password or code typed again before a sensitive action answers 401 like a dead session.
 * The BFF must not take it for one: refreshing and sending the request again would be a second
 * guess counted into the account lockout (and would rotate the session for nothing).
 */
const b64 = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
const liveAccess = `${b64({ alg: 'none' })}.${b64({ exp: Math.floor(Date.now() / 1000) + 900 })}.sig`;
const problem = (code: string) =>
  new Response(JSON.stringify({ type: 'about:blank', title: 'x', status: 401, code, detail: code }), {
    status: 401,
    headers: { 'content-type': 'application/problem+json' },
  });

function deleteAccount() {
  const body = new TextEncoder().encode(JSON.stringify({ password: 'wrong password', code: '123456' }));
  const request = new NextRequest('http://localhost:3000/bff/api/auth/me', {
    method: 'DELETE',
    headers: { cookie: `${ACCESS_COOKIE}=${liveAccess}; ${REFRESH_COOKIE}=rt_1`, 'content-type': 'application/json' },
  });
  return forwardToApi(request, { apiPath: '/api/v1/auth/me', method: 'DELETE', body: body.buffer as ArrayBuffer });
}

afterEach(() => vi.unstubAllGlobals());

describe('BFF forwarding of re-authentication errors', () => {
  it.each(['invalid_credentials', 'invalid_mfa_code', 'mfa_required'])(
    '401 %s goes back to the form as it is: no refresh, no second attempt, the session cookies stay',
    async (code) => {
      const fetch = vi.fn(async () => problem(code));
      vi.stubGlobal('fetch', fetch);
      const res = await deleteAccount();
      expect(res.status).toBe(401);
      expect((await res.json()).code).toBe(code);
      expect(fetch).toHaveBeenCalledTimes(1);
      expect(res.cookies.getAll()).toEqual([]);
    },
  );

  it('a 401 about the session (expired token) is still refreshed and retried once', async () => {
    const fetch = vi.fn(async (url: string | URL) =>
      String(url).endsWith('/auth/refresh') ? problem('invalid_token') : problem('token_expired'),
    );
    vi.stubGlobal('fetch', fetch);
    const res = await deleteAccount();
    expect(res.status).toBe(401);
    expect(fetch.mock.calls.map(([url]) => new URL(String(url)).pathname)).toEqual([
      '/api/v1/auth/me',
      '/api/v1/auth/refresh',
    ]);
  });
});
