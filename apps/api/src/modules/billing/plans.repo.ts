import { asc, eq } from 'drizzle-orm';
import type { DbOrTx } from '../../platform/db/client.js';
import { billingPlans } from './billing.tables.js';

export type PlanRow = typeof billingPlans.$inferSelect;

/** SQL for the plan catalog (global, not per tenant); every method takes `db` first. */
export class PlansRepo {
  async list(db: DbOrTx): Promise<PlanRow[]> {
    return db.select().from(billingPlans).orderBy(asc(billingPlans.sortOrder), asc(billingPlans.code));
  }

  async get(db: DbOrTx, code: string): Promise<PlanRow | null> {
    const [row] = await db.select().from(billingPlans).where(eq(billingPlans.code, code));
    return row ?? null;
  }

  async findByPrice(db: DbOrTx, stripePriceId: string): Promise<PlanRow | null> {
    const [row] = await db.select().from(billingPlans).where(eq(billingPlans.stripePriceId, stripePriceId));
    return row ?? null;
  }

  async recordStripeIds(db: DbOrTx, code: string, ids: { productId: string; priceId: string }) {
    await db
      .update(billingPlans)
      .set({ stripeProductId: ids.productId, stripePriceId: ids.priceId, updatedAt: new Date() })
      .where(eq(billingPlans.code, code));
  }
}
