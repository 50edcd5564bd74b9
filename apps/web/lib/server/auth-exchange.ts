import { NextResponse, type NextRequest } from 'next/server';
import { MfaRequiredResponse, SessionResponse } from '@agentry/contracts';
import { API_URL, secureCookiesFor } from './api-origin';
import { sessionCookies } from './session-cookies';
import { forbiddenOrigin, isSameOrigin } from './origin-check';

/**
 * Posts credentials to an API auth route that answers with a session, stores the tokens in
 * cookies and answers the browser with everything except the tokens. A login that needs a second
 * factor (202 `{mfa_required, mfa_token, …}`) is passed through as it is: the `mfa_token` opens no
 * session by itself; the browser sends it back with the code to `/bff/auth/mfa`.
 */
export async function exchangeForSession(request: NextRequest, apiPath: string): Promise<Response> {
  if (!isSameOrigin(request)) return forbiddenOrigin();
  let upstream: Response;
  try {
    upstream = await fetch(`${API_URL}${apiPath}`, {
      method: 'POST',
      headers: {
        'content-type': request.headers.get('content-type') ?? 'application/json',
        'user-agent': request.headers.get('user-agent') ?? 'agentry-web',
        ...(request.headers.get('x-forwarded-for')
          ? { 'x-forwarded-for': request.headers.get('x-forwarded-for')! }
          : {}),
      },
      body: await request.text(),
      cache: 'no-store',
    });
  } catch {
    return Response.json(
      {
        type: 'about:blank',
        title: 'Bad Gateway',
        status: 502,
        code: 'bad_gateway',
        detail: 'The API server cannot be reached.',
      },
      { status: 502 },
    );
  }
  const text = await upstream.text();
  if (!upstream.ok) {
    const headers = new Headers({ 'content-type': upstream.headers.get('content-type') ?? 'application/problem+json' });
    const retryAfter = upstream.headers.get('retry-after');
    if (retryAfter) headers.set('retry-after', retryAfter);
    return new Response(text, { status: upstream.status, headers });
  }
  const json = JSON.parse(text) as Record<string, unknown>;
  if (upstream.status === 202) {
    const mfa = MfaRequiredResponse.safeParse(json);
    if (mfa.success) return NextResponse.json(mfa.data, { status: 202, headers: { 'cache-control': 'no-store' } });
  }
  const session = SessionResponse.safeParse(json);
  if (!session.success) {
    return Response.json(
      {
        type: 'about:blank',
        title: 'Bad Gateway',
        status: 502,
        code: 'bad_gateway',
        detail: 'Unexpected answer from the API.',
      },
      { status: 502 },
    );
  }
  const { access_token: _a, refresh_token: _r, ...visible } = json;
  const response = NextResponse.json(visible, { status: upstream.status });
  for (const c of sessionCookies(session.data, secureCookiesFor(request))) response.cookies.set(c);
  return response;
}
