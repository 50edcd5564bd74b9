import { and, asc, eq, gte, sql } from 'drizzle-orm';
import type { DbOrTx } from '../../platform/db/client.js';
import { stripeEvents } from './billing.tables.js';

export type StripeEventRow = typeof stripeEvents.$inferSelect;
/** received → processing → processed | ignored, or retrying → … → failed (after the last attempt). */
export type StripeEventStatus = 'received' | 'processing' | 'retrying' | 'processed' | 'ignored' | 'failed';

/** The webhook event store: every event, stored once by its Stripe id, with its dispatch history; every method takes `db` first. */
export class StripeEventsRepo {
  /** Stores a new event; false when this event id was stored before (a redelivery). */
  async insert(db: DbOrTx, event: { id: string; type: string; created: number; payload: unknown }): Promise<boolean> {
    const rows = await db
      .insert(stripeEvents)
      .values({
        stripeEventId: event.id,
        type: event.type,
        payload: event.payload,
        stripeCreatedAt: new Date(event.created * 1000),
      })
      .onConflictDoNothing({ target: stripeEvents.stripeEventId })
      .returning({ id: stripeEvents.id });
    return rows.length === 1;
  }

  async find(db: DbOrTx, stripeEventId: string): Promise<StripeEventRow | null> {
    const [row] = await db.select().from(stripeEvents).where(eq(stripeEvents.stripeEventId, stripeEventId));
    return row ?? null;
  }

  /**
   * Marks an attempt as started, unless the event is already done. Returns the row, or null when
   * there is nothing to do (processed/ignored) — what makes a retried or duplicated job a no-op.
   */
  async startAttempt(db: DbOrTx, stripeEventId: string): Promise<StripeEventRow | null> {
    const [row] = await db
      .update(stripeEvents)
      .set({ status: 'processing', attempts: sql`${stripeEvents.attempts} + 1` })
      .where(
        and(eq(stripeEvents.stripeEventId, stripeEventId), sql`${stripeEvents.status} not in ('processed', 'ignored')`),
      )
      .returning();
    return row ?? null;
  }

  async finish(db: DbOrTx, stripeEventId: string, status: 'processed' | 'ignored', tenantId: string | null) {
    await db
      .update(stripeEvents)
      .set({ status, tenantId, processedAt: new Date(), lastError: null })
      .where(eq(stripeEvents.stripeEventId, stripeEventId));
  }

  async fail(db: DbOrTx, stripeEventId: string, error: string, final: boolean) {
    await db
      .update(stripeEvents)
      .set({ status: final ? 'failed' : 'retrying', lastError: error.slice(0, 2000) })
      .where(eq(stripeEvents.stripeEventId, stripeEventId));
  }

  /** Makes an event dispatchable again (replay): status back to received. */
  async reopen(db: DbOrTx, stripeEventId: string) {
    await db
      .update(stripeEvents)
      .set({ status: 'received', processedAt: null })
      .where(eq(stripeEvents.stripeEventId, stripeEventId));
  }

  async list(
    db: DbOrTx,
    filter: { status?: StripeEventStatus; since?: Date; limit?: number } = {},
  ): Promise<StripeEventRow[]> {
    const conditions = [
      filter.status ? eq(stripeEvents.status, filter.status) : undefined,
      filter.since ? gte(stripeEvents.receivedAt, filter.since) : undefined,
    ].filter((c) => c !== undefined);
    return db
      .select()
      .from(stripeEvents)
      .where(conditions.length ? and(...conditions) : undefined)
      .orderBy(asc(stripeEvents.receivedAt))
      .limit(filter.limit ?? 1000);
  }
}
