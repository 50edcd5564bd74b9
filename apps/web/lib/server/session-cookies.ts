import type { SessionResponse } from '@agentry/contracts';

/** Cookie names. The values are tokens: httpOnly, never readable by page scripts. */
export const ACCESS_COOKIE = 'agentry_at';
export const REFRESH_COOKIE = 'agentry_rt';

export interface CookieWrite {
  name: string;
  value: string;
  httpOnly: true;
  secure: boolean;
  sameSite: 'lax';
  path: string;
  maxAge: number;
}

function secondsUntil(iso: string): number {
  return Math.max(0, Math.floor((Date.parse(iso) - Date.now()) / 1000));
}

/** The two cookies a fresh session is stored in. `SameSite=Lax` so a link from elsewhere still lands signed in. */
export function sessionCookies(session: SessionResponse, secure: boolean): CookieWrite[] {
  const base = { httpOnly: true as const, secure, sameSite: 'lax' as const, path: '/' };
  return [
    { ...base, name: ACCESS_COOKIE, value: session.access_token, maxAge: secondsUntil(session.expires_at) },
    { ...base, name: REFRESH_COOKIE, value: session.refresh_token, maxAge: secondsUntil(session.refresh_expires_at) },
  ];
}

export function clearedSessionCookies(secure: boolean): CookieWrite[] {
  const base = { httpOnly: true as const, secure, sameSite: 'lax' as const, path: '/', value: '', maxAge: 0 };
  return [
    { ...base, name: ACCESS_COOKIE },
    { ...base, name: REFRESH_COOKIE },
  ];
}

/**
 * Seconds left on an access token, read from its `exp` claim without verifying it: the API
 * verifies; the BFF only needs to know when to refresh ahead of expiry.
 */
export function accessTokenSecondsLeft(token: string | undefined): number {
  if (!token) return 0;
  const payload = token.split('.')[1];
  if (!payload) return 0;
  try {
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as { exp?: unknown };
    return typeof claims.exp === 'number' ? claims.exp - Math.floor(Date.now() / 1000) : 0;
  } catch {
    return 0;
  }
}
