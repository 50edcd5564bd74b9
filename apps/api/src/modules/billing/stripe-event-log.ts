import type { Database } from '../../platform/db/client.js';
import type { StripeEventsRepo, StripeEventStatus } from './stripe-events.repo.js';

/** The operators' view of the webhook event store (`agentry stripe events | replay`). */
export class StripeEventLog {
  constructor(private readonly deps: { database: Database; events: StripeEventsRepo }) {}

  find(stripeEventId: string) {
    return this.deps.events.find(this.deps.database.db, stripeEventId);
  }

  list(filter: { status?: StripeEventStatus; since?: Date; limit?: number } = {}) {
    return this.deps.events.list(this.deps.database.db, filter);
  }

  /** Makes an event dispatchable again (replay): status back to received. */
  reopen(stripeEventId: string) {
    return this.deps.events.reopen(this.deps.database.db, stripeEventId);
  }
}
