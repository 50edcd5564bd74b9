import { SessionResponse } from '@agentry/contracts';
import { API_URL } from './api-origin';

/**
 * Refreshes are deduplicated per refresh token: a page fires several BFF requests at once, and
 * presenting one refresh token twice is reuse, which makes the API revoke the whole session.
 * The result is kept a short while so requests that still carry the old cookie get the new pair.
 */
const inflight = new Map<string, { promise: Promise<SessionResponse | null>; at: number }>();
const KEEP_MS = 30_000;

export function refreshSession(refreshToken: string): Promise<SessionResponse | null> {
  const now = Date.now();
  for (const [key, entry] of inflight) if (now - entry.at > KEEP_MS) inflight.delete(key);
  const hit = inflight.get(refreshToken);
  if (hit) return hit.promise;
  const promise = callRefresh(refreshToken);
  inflight.set(refreshToken, { promise, at: now });
  return promise;
}

async function callRefresh(refreshToken: string): Promise<SessionResponse | null> {
  try {
    const res = await fetch(`${API_URL}/api/v1/auth/refresh`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ refresh_token: refreshToken }),
      cache: 'no-store',
    });
    if (!res.ok) return null;
    const parsed = SessionResponse.safeParse(await res.json());
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}
