import { NextResponse, type NextRequest } from 'next/server';
import type { SessionResponse } from '@agentry/contracts';
import { API_URL, secureCookiesFor } from './api-origin';
import {
  ACCESS_COOKIE,
  REFRESH_COOKIE,
  accessTokenSecondsLeft,
  clearedSessionCookies,
  sessionCookies,
} from './session-cookies';
import { refreshSession } from './refresh-session';
import { isReauthError } from '../reauth-errors';

/** Refresh this long before the access token expires, so a request never races its expiry. */
const REFRESH_AHEAD_SECONDS = 60;

const REQUEST_HEADERS = ['content-type', 'accept', 'last-event-id', 'user-agent', 'x-request-id'];
const RESPONSE_HEADERS = [
  'content-type',
  'x-run-id',
  'retry-after',
  'ratelimit',
  'ratelimit-policy',
  'x-request-id',
  'etag',
  'last-modified',
  // Downloads (exports, file contents) keep their file name, and are never sniffed.
  'content-disposition',
  'x-content-type-options',
];

interface ForwardOptions {
  /** Path under the API origin, e.g. `/api/v1/conversations`. */
  apiPath: string;
  search?: string;
  method: string;
  body?: ArrayBuffer;
  /** Overrides the browser's content type (used when the BFF writes the body itself). */
  contentType?: string;
}

/**
 * Calls the API on the browser's behalf with the access token from the cookie. Refreshes the pair
 * shortly before expiry and once more on a 401, writes rotated tokens back to the cookies, and
 * streams the response body through untouched (server-sent events included).
 */
export async function forwardToApi(request: NextRequest, options: ForwardOptions): Promise<NextResponse> {
  let access = request.cookies.get(ACCESS_COOKIE)?.value;
  const refresh = request.cookies.get(REFRESH_COOKIE)?.value;
  let rotated: SessionResponse | null = null;
  let refreshFailed = false;

  if (refresh && accessTokenSecondsLeft(access) < REFRESH_AHEAD_SECONDS) {
    rotated = await refreshSession(refresh);
    if (rotated) access = rotated.access_token;
    else refreshFailed = true;
  }

  let upstream = await callApi(request, options, access);
  if (upstream.status === 401 && refresh && !rotated && !refreshFailed && !(await isReauthProblem(upstream))) {
    rotated = await refreshSession(refresh);
    if (rotated) {
      await upstream.body?.cancel();
      upstream = await callApi(request, options, rotated.access_token);
    } else refreshFailed = true;
  }

  const headers = new Headers();
  for (const name of RESPONSE_HEADERS) {
    const value = upstream.headers.get(name);
    if (value) headers.set(name, value);
  }
  if (headers.get('content-type')?.startsWith('text/event-stream')) {
    // no-transform keeps the compression layer from buffering the stream.
    headers.set('cache-control', 'no-cache, no-transform');
    headers.set('x-accel-buffering', 'no');
  } else headers.set('cache-control', 'no-store');

  const response = new NextResponse(upstream.body, { status: upstream.status, headers });
  if (rotated) for (const c of sessionCookies(rotated, secureCookiesFor(request))) response.cookies.set(c);
  else if (refreshFailed && upstream.status === 401)
    for (const c of clearedSessionCookies(secureCookiesFor(request))) response.cookies.set(c);
  return response;
}

/** A 401 about the password or code typed for this action (not the session): never refreshed and retried. */
async function isReauthProblem(upstream: Response): Promise<boolean> {
  if (!upstream.headers.get('content-type')?.includes('json')) return false;
  try {
    const problem = (await upstream.clone().json()) as { code?: unknown };
    return typeof problem.code === 'string' && isReauthError(problem.code);
  } catch {
    return false;
  }
}

async function callApi(request: NextRequest, options: ForwardOptions, access: string | undefined): Promise<Response> {
  const headers = new Headers();
  for (const name of REQUEST_HEADERS) {
    const value = request.headers.get(name);
    if (value) headers.set(name, value);
  }
  const hasBody = Boolean(options.body && options.body.byteLength > 0);
  // An empty body with a JSON content type is a 400 on the API: send the type only with a body.
  if (!hasBody) headers.delete('content-type');
  else if (options.contentType) headers.set('content-type', options.contentType);
  if (access) headers.set('authorization', `Bearer ${access}`);
  const forwardedFor = request.headers.get('x-forwarded-for');
  if (forwardedFor) headers.set('x-forwarded-for', forwardedFor);
  try {
    return await fetch(`${API_URL}${options.apiPath}${options.search ?? ''}`, {
      method: options.method,
      headers,
      body: hasBody ? options.body : undefined,
      cache: 'no-store',
      redirect: 'manual',
      // Closing the browser's connection closes ours; the run itself lives on in the API.
      signal: request.signal,
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
      { status: 502, headers: { 'content-type': 'application/problem+json' } },
    );
  }
}
