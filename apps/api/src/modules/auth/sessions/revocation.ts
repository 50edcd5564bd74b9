import type { Ports, Unsubscribe } from '../../../platform/ports/index.js';

const CHANNEL = 'auth:session-revoked';
/** How long a "not revoked" answer is trusted in-process; revocations arrive faster through pub/sub. */
const NEGATIVE_CACHE_MS = 2_000;
const MAX_CACHE_ENTRIES = 10_000;

/**
 * The revoked-session list every replica checks on each request. A revocation is written to the
 * shared store for the access-token lifetime (no access token of the session can outlive it) and
 * broadcast, so each replica's short in-process cache flips at once instead of after its TTL.
 */
export class SessionRevocations {
  private readonly cache = new Map<string, { revoked: boolean; until: number }>();
  private unsubscribe: Unsubscribe | undefined;

  constructor(
    private readonly ports: Ports,
    /** Access-token lifetime plus clock tolerance. */
    private readonly ttlSeconds: number,
  ) {}

  /**
   * Subscribes to revocations from other processes. `recentlyRevoked` rebuilds the list after a
   * restart when it lives in this process only (embedded mode): without it, a restart would bring
   * back to life the access tokens of sessions ended shortly before.
   */
  async start(recentlyRevoked?: (since: Date) => Promise<{ id: string; revokedAt: Date }[]>): Promise<void> {
    if (recentlyRevoked) {
      const lifetimeMs = this.ttlSeconds * 1000;
      for (const s of await recentlyRevoked(new Date(Date.now() - lifetimeMs))) {
        const remaining = s.revokedAt.getTime() + lifetimeMs - Date.now();
        if (remaining > 0) {
          await this.ports.kv.set(`auth:revoked:${s.id}`, '1', { ttlSeconds: Math.ceil(remaining / 1000) });
          this.remember(s.id, true, remaining);
        }
      }
    }
    this.unsubscribe = await this.ports.pubsub.subscribe(CHANNEL, (message) => {
      for (const sid of message.split(',')) this.remember(sid, true, this.ttlSeconds * 1000);
    });
  }

  async stop(): Promise<void> {
    await this.unsubscribe?.();
  }

  async revoke(sessionIds: string[]): Promise<void> {
    if (sessionIds.length === 0) return;
    for (const sid of sessionIds) {
      await this.ports.kv.set(`auth:revoked:${sid}`, '1', { ttlSeconds: this.ttlSeconds });
      this.remember(sid, true, this.ttlSeconds * 1000);
    }
    await this.ports.pubsub.publish(CHANNEL, sessionIds.join(','));
  }

  async isRevoked(sessionId: string): Promise<boolean> {
    const hit = this.cache.get(sessionId);
    if (hit && hit.until > Date.now()) return hit.revoked;
    const revoked = (await this.ports.kv.get(`auth:revoked:${sessionId}`)) !== null;
    this.remember(sessionId, revoked, revoked ? this.ttlSeconds * 1000 : NEGATIVE_CACHE_MS);
    return revoked;
  }

  private remember(sid: string, revoked: boolean, ms: number) {
    if (this.cache.size >= MAX_CACHE_ENTRIES) this.cache.clear();
    this.cache.set(sid, { revoked, until: Date.now() + ms });
  }
}
