/** Where the API server listens. Read once; the BFF is the only caller. */
export const API_URL = (process.env.API_URL ?? 'http://127.0.0.1:8000').replace(/\/+$/, '');

/** True in production builds served over HTTPS, where cookies must be `Secure`. */
export const SECURE_COOKIES =
  process.env.NODE_ENV === 'production' && process.env.COOKIE_SECURE !== 'false' && !/^http:\/\/(127\.0\.0\.1|localhost)/.test(process.env.PUBLIC_URL ?? 'http://127.0.0.1');
