import { NextResponse, type NextRequest } from 'next/server';

const PUBLIC_PAGES = ['/login', '/signup', '/verify-email', '/forgot-password', '/reset-password'];

/**
 * Guards every page: without a session cookie the visitor goes to /login with `next` set to the
 * page they asked for. The cookies are only checked for presence here; the API verifies tokens on
 * every BFF call, and an invalid session ends in a 401 that sends the browser back to /login.
 */
export function proxy(request: NextRequest) {
  const { pathname, search } = request.nextUrl;
  if (PUBLIC_PAGES.some((p) => pathname === p || pathname.startsWith(`${p}/`))) return NextResponse.next();
  const signedIn = request.cookies.has('agentry_at') || request.cookies.has('agentry_rt');
  if (signedIn) return NextResponse.next();
  const login = new URL('/login', request.url);
  login.searchParams.set('next', `${pathname}${search}`);
  return NextResponse.redirect(login);
}

export const config = {
  // Pages only: BFF routes answer 401 themselves, and assets must load on the login page.
  matcher: ['/((?!bff|_next/static|_next/image|favicon.ico|icon.svg|robots.txt).*)'],
};
