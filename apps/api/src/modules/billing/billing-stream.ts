import type { BillingEvent } from '@agentry/contracts';
import type { EventStreams, StreamEntry } from '../../platform/ports/types.js';
import { followStream } from '../../platform/ports/follow.js';

/** How many events a tenant's billing stream keeps for `Last-Event-ID` replay. */
const RETAINED_EVENTS = 1000;
const STREAM_ID = /^\d{1,20}-\d{1,20}$/;

/**
 * The per-tenant billing event stream (Redis stream in production, in-process when embedded).
 * One key per tenant, so a follower can only ever read its own tenant's events.
 */
export class BillingStream {
  constructor(private readonly streams: EventStreams) {}

  private key(tenantId: string) {
    return `billing:${tenantId}`;
  }

  async publish(event: BillingEvent): Promise<string> {
    return this.streams.append(this.key(event.tenant_id), JSON.stringify(event), { maxLen: RETAINED_EVENTS });
  }

  /** Entries after `lastEventId` (a stream id; anything else means "from now on"), then live ones. */
  follow(tenantId: string, lastEventId: string | undefined, signal: AbortSignal): AsyncGenerator<StreamEntry> {
    const after = lastEventId && STREAM_ID.test(lastEventId) ? lastEventId : `${Date.now()}-0`;
    return followStream(this.streams, this.key(tenantId), after, { signal });
  }

  async read(tenantId: string, afterId: string | null = null): Promise<BillingEvent[]> {
    const entries = await this.streams.read(this.key(tenantId), afterId, RETAINED_EVENTS);
    return entries.map((e) => JSON.parse(e.data) as BillingEvent);
  }
}
