/** Where the API server listens. Read once; the BFF is the only caller. */
export const API_URL = (process.env.API_URL ?? 'http://127.0.0.1:8000').replace(/\/+$/, '');

const COOKIE_SECURE = process.env.COOKIE_SECURE; // 'true' | 'false' | unset (decide per request)
const PRODUCTION = process.env.NODE_ENV === 'production';

/**
 * Whether session cookies get `Secure`: always over HTTPS (directly or behind a proxy that says
 * so), and in production for any host but loopback. Loopback stays plain so `npm start` works on
 * http://127.0.0.1 in every browser. `COOKIE_SECURE=true|false` overrides.
 */
export function secureCookiesFor(request: Request): boolean {
  if (COOKIE_SECURE === 'true') return true;
  if (COOKIE_SECURE === 'false') return false;
  const url = new URL(request.url);
  if (url.protocol === 'https:' || request.headers.get('x-forwarded-proto') === 'https') return true;
  const host = (request.headers.get('host') ?? url.host).replace(/:\d+$/, '');
  return PRODUCTION && !['127.0.0.1', 'localhost', '[::1]'].includes(host);
}
