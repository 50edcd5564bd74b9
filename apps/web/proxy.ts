import { NextResponse, type NextRequest } from 'next/server';
import { contentSecurityPolicy, newNonce } from '@/lib/server/content-security-policy';

// `/s/<id>` is a shared conversation: the link itself is the permission.
const PUBLIC_PAGES = [
  '/login',
  '/signup',
  '/verify-email',
  '/confirm-email',
  '/forgot-password',
  '/reset-password',
  '/s',
];

/**
 * Runs before every page. Without a session cookie the visitor goes to /login with `next` set to
 * the page they asked for. The cookies are only checked for presence here; the API verifies tokens
 * on every BFF call, and an invalid session ends in a 401 that sends the browser back to /login.
 *
 * Every page also gets a fresh nonce and the Content-Security-Policy built on it: on the request
 * (where Next.js reads the nonce for its scripts; `x-nonce` for the root layout) and on the response.
 */
export function proxy(request: NextRequest) {
  const { pathname, search } = request.nextUrl;
  const isPublic = PUBLIC_PAGES.some((p) => pathname === p || pathname.startsWith(`${p}/`));
  const signedIn = request.cookies.has('agentry_at') || request.cookies.has('agentry_rt');
  if (!isPublic && !signedIn) {
    const login = new URL('/login', request.url);
    login.searchParams.set('next', `${pathname}${search}`);
    return NextResponse.redirect(login);
  }
  const nonce = newNonce();
  const https = request.nextUrl.protocol === 'https:' || request.headers.get('x-forwarded-proto') === 'https';
  const csp = contentSecurityPolicy(nonce, { dev: process.env.NODE_ENV === 'development', https });
  const headers = new Headers(request.headers);
  headers.set('x-nonce', nonce);
  headers.set('content-security-policy', csp);
  const response = NextResponse.next({ request: { headers } });
  response.headers.set('Content-Security-Policy', csp);
  return response;
}

export const config = {
  // Pages only: BFF routes answer 401 themselves (JSON, no CSP needed), and assets must load on the login page.
  matcher: ['/((?!bff|_next/static|_next/image|favicon.ico|icon.svg|robots.txt).*)'],
};
