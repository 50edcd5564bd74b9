import crypto from 'node:crypto';
import { NextResponse, type NextRequest } from 'next/server';
import { SessionResponse } from '@agentry/contracts';
import { API_URL, secureCookiesFor } from './api-origin';
import { sessionCookies } from './session-cookies';

/**
 * "Continue with SSO" through the BFF. `start` binds the flow to this browser with a random
 * `flow` cookie that is also in the redirect_uri the API sends the login code back to; `callback`
 * only exchanges a login code that comes back with this browser's own flow value, so a code
 * obtained by someone else (login CSRF: signing the victim into the attacker's account) is refused.
 */
export const FLOW_COOKIE = 'agentry_sso_flow';

function originOf(request: NextRequest): string {
  const host = request.headers.get('x-forwarded-host') ?? request.headers.get('host') ?? request.nextUrl.host;
  const proto = request.headers.get('x-forwarded-proto') ?? request.nextUrl.protocol.replace(/:$/, '');
  return `${proto}://${host}`;
}

function toLogin(request: NextRequest, error: string): NextResponse {
  const url = new URL('/login', originOf(request));
  url.searchParams.set('sso_error', error);
  return NextResponse.redirect(url, 303);
}

async function slugFor(params: URLSearchParams): Promise<string | null> {
  const slug = params.get('slug')?.trim();
  if (slug) return slug;
  const email = params.get('email')?.trim();
  if (!email) return null;
  const res = await fetch(`${API_URL}/api/v1/auth/sso/lookup?email=${encodeURIComponent(email)}`, {
    cache: 'no-store',
  });
  if (!res.ok) return null;
  return ((await res.json()) as { tenant_slug?: string }).tenant_slug ?? null;
}

export async function ssoStart(request: NextRequest): Promise<Response> {
  const params = request.nextUrl.searchParams;
  let slug: string | null;
  try {
    slug = await slugFor(params);
  } catch {
    return toLogin(request, 'unavailable');
  }
  if (!slug) return toLogin(request, 'sso_not_configured');
  const flow = crypto.randomBytes(24).toString('base64url');
  const back = new URL('/bff/auth/sso/callback', originOf(request));
  back.searchParams.set('flow', flow);
  const next = params.get('next');
  if (next?.startsWith('/') && !next.startsWith('//')) back.searchParams.set('next', next);
  let upstream: Response;
  try {
    upstream = await fetch(
      `${API_URL}/api/v1/auth/sso/${encodeURIComponent(slug)}/start?redirect_uri=${encodeURIComponent(back.href)}`,
      {
        redirect: 'manual',
        cache: 'no-store',
        headers: { 'user-agent': request.headers.get('user-agent') ?? 'agentry-web' },
      },
    );
  } catch {
    return toLogin(request, 'unavailable');
  }
  const location = upstream.headers.get('location');
  if (upstream.status !== 302 || !location)
    return toLogin(request, upstream.status === 404 ? 'sso_not_configured' : 'unavailable');
  const response = NextResponse.redirect(location, 303);
  response.cookies.set({
    name: FLOW_COOKIE,
    value: flow,
    httpOnly: true,
    secure: secureCookiesFor(request),
    sameSite: 'lax',
    path: '/bff/auth/sso',
    maxAge: 600,
  });
  return response;
}

export async function ssoCallback(request: NextRequest): Promise<Response> {
  const params = request.nextUrl.searchParams;
  const flow = params.get('flow');
  const expected = request.cookies.get(FLOW_COOKIE)?.value;
  const clear = (res: NextResponse) => {
    res.cookies.set({
      name: FLOW_COOKIE,
      value: '',
      path: '/bff/auth/sso',
      maxAge: 0,
      httpOnly: true,
      sameSite: 'lax',
    });
    return res;
  };
  const same =
    !!flow &&
    !!expected &&
    flow.length === expected.length &&
    crypto.timingSafeEqual(Buffer.from(flow), Buffer.from(expected));
  if (!same) return clear(toLogin(request, 'invalid_state'));
  const error = params.get('sso_error');
  if (error) return clear(toLogin(request, error.replace(/[^a-z_]/g, '').slice(0, 40) || 'idp_error'));
  const loginCode = params.get('login_code');
  if (!loginCode) return clear(toLogin(request, 'invalid_state'));
  let upstream: Response;
  try {
    upstream = await fetch(`${API_URL}/api/v1/auth/sso/exchange`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'user-agent': request.headers.get('user-agent') ?? 'agentry-web',
        ...(request.headers.get('x-forwarded-for')
          ? { 'x-forwarded-for': request.headers.get('x-forwarded-for')! }
          : {}),
      },
      body: JSON.stringify({ login_code: loginCode }),
      cache: 'no-store',
    });
  } catch {
    return clear(toLogin(request, 'unavailable'));
  }
  const session = upstream.ok ? SessionResponse.safeParse(await upstream.json()) : null;
  if (!session?.success) return clear(toLogin(request, 'invalid_token'));
  const next = params.get('next');
  const target = new URL(next?.startsWith('/') && !next.startsWith('//') ? next : '/', originOf(request));
  // The login code leaves the address bar with this redirect.
  const response = clear(NextResponse.redirect(target, 303));
  for (const c of sessionCookies(session.data, secureCookiesFor(request))) response.cookies.set(c);
  return response;
}
