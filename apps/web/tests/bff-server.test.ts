// @vitest-environment node
import { describe, expect, it } from 'vitest';
import { isSameOrigin } from '@/lib/server/origin-check';
import { secureCookiesFor } from '@/lib/server/api-origin';
import { accessTokenSecondsLeft, sessionCookies } from '@/lib/server/session-cookies';
import { safeNext } from '@/components/auth/form-footer';
import { ApiError } from '@/lib/client/api-error';

const b64 = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');

describe('BFF session helpers', () => {
  it('stores both tokens in httpOnly SameSite cookies that expire with them', () => {
    const inAMinute = new Date(Date.now() + 60_000).toISOString();
    const cookies = sessionCookies(
      {
        access_token: 'at',
        refresh_token: 'rt_x',
        token_type: 'bearer',
        expires_at: inAMinute,
        refresh_expires_at: inAMinute,
        kid: 'k',
        session_id: crypto.randomUUID(),
        user_id: crypto.randomUUID(),
        tenant_id: crypto.randomUUID(),
        role: 'owner',
        scopes: [],
      },
      true,
    );
    expect(cookies.map((c) => [c.name, c.httpOnly, c.sameSite])).toEqual([
      ['agentry_at', true, 'lax'],
      ['agentry_rt', true, 'lax'],
    ]);
    expect(cookies[0]!.maxAge).toBeGreaterThan(50);
    expect(cookies.every((c) => c.secure)).toBe(true);
  });

  it('marks cookies Secure over HTTPS and off loopback in production, not on 127.0.0.1', () => {
    expect(secureCookiesFor(new Request('https://app.test/bff/auth/login'))).toBe(true);
    expect(
      secureCookiesFor(
        new Request('http://127.0.0.1:3000/bff/auth/login', { headers: { 'x-forwarded-proto': 'https' } }),
      ),
    ).toBe(true);
    expect(secureCookiesFor(new Request('http://127.0.0.1:3000/bff/auth/login'))).toBe(false);
  });

  it('reads the expiry of an access token to refresh ahead of it', () => {
    const exp = Math.floor(Date.now() / 1000) + 120;
    expect(accessTokenSecondsLeft(`${b64({})}.${b64({ exp })}.sig`)).toBeGreaterThan(100);
    expect(accessTokenSecondsLeft('garbage')).toBe(0);
    expect(accessTokenSecondsLeft(undefined)).toBe(0);
  });

  it('refuses state changes from another origin', () => {
    const req = (method: string, origin?: string) =>
      new Request('http://app.test/bff/api/x', {
        method,
        headers: { host: 'app.test', ...(origin ? { origin } : {}) },
      });
    expect(isSameOrigin(req('GET'))).toBe(true);
    expect(isSameOrigin(req('POST', 'http://app.test'))).toBe(true);
    expect(isSameOrigin(req('POST', 'http://evil.test'))).toBe(false);
    expect(isSameOrigin(req('DELETE'))).toBe(false);
  });

  it('only follows same-site paths after login', () => {
    expect(safeNext('/c/123?x=1')).toBe('/c/123?x=1');
    expect(safeNext('//evil.test')).toBe('/');
    expect(safeNext('https://evil.test')).toBe('/');
    expect(safeNext(null)).toBe('/');
  });

  it('maps problem details to field errors and retry delays', async () => {
    const res = new Response(
      JSON.stringify({
        type: 'about:blank',
        title: 'x',
        status: 422,
        code: 'validation_failed',
        errors: [{ path: 'body.email', message: 'Invalid email' }],
      }),
      { status: 422 },
    );
    const error = await ApiError.fromResponse(res);
    expect(error.fieldErrors).toEqual({ email: 'Invalid email' });
    const limited = await ApiError.fromResponse(
      new Response(JSON.stringify({ type: 'about:blank', title: 'x', status: 429, code: 'rate_limited' }), {
        status: 429,
        headers: { 'retry-after': '12' },
      }),
    );
    expect(limited.retryAfter).toBe(12);
  });
});
