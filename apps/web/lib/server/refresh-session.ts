import { SessionResponse } from '@agentry/contracts';
import { API_URL } from './api-origin';

/**
 * Refreshing is correct across any number of web replicas without help from here: the API keeps a
 * used refresh token redeemable for `AUTH_REFRESH_REUSE_GRACE_SECONDS` (30) and answers every
 * presenter the SAME successor, whichever API replica it reaches (docs/security/threat-model.md,
 * "Concurrent refresh"). So a page's parallel requests, or requests that still carry the old cookie
 * on another replica, all get the one new pair. This map only saves round trips: requests in this
 * process that present the same token while a refresh is in flight share it; nothing is kept after
 * it settles (no cache that another replica would lack).
 */
const inflight = new Map<string, Promise<SessionResponse | null>>();

export function refreshSession(refreshToken: string): Promise<SessionResponse | null> {
  const pending = inflight.get(refreshToken);
  if (pending) return pending;
  const promise = callRefresh(refreshToken).finally(() => inflight.delete(refreshToken));
  inflight.set(refreshToken, promise);
  return promise;
}

/** How many refreshes are in flight in this process (tests). */
export function refreshesInFlight(): number {
  return inflight.size;
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
