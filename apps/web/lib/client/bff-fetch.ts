import { isReauthError } from '../reauth-errors';
import { ApiError } from './api-error';

export interface BffOptions {
  method?: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';
  body?: unknown;
  headers?: Record<string, string>;
  signal?: AbortSignal;
  /** Do not send the browser to /login on a 401 (login forms handle it themselves). */
  allowUnauthenticated?: boolean;
}

/** Sends the browser to the login page, remembering where it was. */
export function redirectToLogin(): void {
  if (typeof window === 'undefined' || window.location.pathname === '/login') return;
  const next = `${window.location.pathname}${window.location.search}`;
  window.location.assign(`/login?next=${encodeURIComponent(next)}`);
}

/** Calls a BFF route and returns the raw response, throwing {@link ApiError} on any failure. */
export async function bffRaw(path: string, options: BffOptions = {}): Promise<Response> {
  const headers: Record<string, string> = { accept: 'application/json', ...options.headers };
  let body: string | undefined;
  if (options.body !== undefined) {
    headers['content-type'] = 'application/json';
    body = JSON.stringify(options.body);
  }
  let res: Response;
  try {
    res = await fetch(path, {
      method: options.method ?? 'GET',
      headers,
      body,
      signal: options.signal,
      credentials: 'same-origin',
    });
  } catch (error) {
    if ((error as Error).name === 'AbortError') throw error;
    throw new ApiError(0, null, null, 'Network error');
  }
  if (!res.ok) {
    const error = await ApiError.fromResponse(res);
    // A wrong password or code typed again for a sensitive action is the form's to show, not a lost session.
    if (res.status === 401 && !options.allowUnauthenticated && !isReauthError(error.code)) redirectToLogin();
    throw error;
  }
  return res;
}
