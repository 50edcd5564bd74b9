import { NextResponse, type NextRequest } from 'next/server';
import { forwardToApi } from '@/lib/server/api-forward';
import { forbiddenOrigin, isSameOrigin } from '@/lib/server/origin-check';
import { secureCookiesFor } from '@/lib/server/api-origin';
import { REFRESH_COOKIE, clearedSessionCookies } from '@/lib/server/session-cookies';

export const dynamic = 'force-dynamic';

/** Revokes the session on the API (or every session with `?all=1`), then clears the cookies whatever it answered. */
export async function POST(request: NextRequest) {
  if (!isSameOrigin(request)) return forbiddenOrigin();
  const all = request.nextUrl.searchParams.get('all') === '1';
  const refresh = request.cookies.get(REFRESH_COOKIE)?.value;
  const body =
    all || !refresh ? undefined : new TextEncoder().encode(JSON.stringify({ refresh_token: refresh })).buffer;
  const upstream = await forwardToApi(request, {
    apiPath: all ? '/api/v1/auth/logout/all' : '/api/v1/auth/logout',
    method: 'POST',
    body: body as ArrayBuffer | undefined,
    contentType: 'application/json',
  });
  const response = new NextResponse(null, { status: 204 });
  response.headers.set('x-upstream-status', String(upstream.status));
  for (const c of clearedSessionCookies(secureCookiesFor(request))) response.cookies.set(c);
  return response;
}
