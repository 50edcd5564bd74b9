import type { PubSub, Unsubscribe } from './ports/types.js';

/**
 * One value per tenant, read through a per-replica cache and invalidated on every replica through
 * pub/sub: whoever changes what the value is read from calls `invalidate` after the change
 * committed. A read that was under way when an invalidation arrived is returned but not kept (it
 * may have read the rows from before the change), so a stale value never outlives the message;
 * `ttlMs` is the safety net for a message lost while a replica was disconnected from the broker.
 */
export class TenantCache<T> {
  private readonly values = new Map<string, { value: T; until: number }>();
  /** Bumped by every invalidation: a read that saw it change under it does not keep its value. */
  private epoch = 0;
  /** Subscribed at the first read (nothing is kept before it). */
  private subscribed: Promise<Unsubscribe> | undefined;

  constructor(
    private readonly options: {
      pubsub: PubSub;
      channel: string;
      ttlMs: number;
      maxTenants?: number;
      now?: () => number;
    },
  ) {}

  async stop(): Promise<void> {
    const subscribed = this.subscribed;
    this.subscribed = undefined;
    this.values.clear();
    if (subscribed) await (await subscribed)();
  }

  async get(tenantId: string, load: () => Promise<T>): Promise<T> {
    const now = this.now();
    const hit = this.values.get(tenantId);
    if (hit && hit.until > now) return hit.value;
    this.subscribed ??= this.options.pubsub.subscribe(this.options.channel, (tenantId) => this.drop(tenantId));
    await this.subscribed;
    const epoch = this.epoch;
    const value = await load();
    if (this.epoch === epoch) {
      if (this.values.size >= (this.options.maxTenants ?? 10_000)) this.values.clear();
      this.values.set(tenantId, { value, until: now + this.options.ttlMs });
    }
    return value;
  }

  /** After a change committed: every replica reads the tenant's value again. */
  async invalidate(tenantId: string): Promise<void> {
    this.drop(tenantId);
    await this.options.pubsub.publish(this.options.channel, tenantId);
  }

  private drop(tenantId: string) {
    this.epoch++;
    this.values.delete(tenantId);
  }

  private now() {
    return this.options.now?.() ?? Date.now();
  }
}
