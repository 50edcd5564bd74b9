import { and, desc, eq, inArray, sql } from 'drizzle-orm';
import type { DbOrTx } from '../../platform/db/client.js';
import { billingCustomers, billingInvoices, billingSubscriptions } from './billing.tables.js';

export type SubscriptionRow = typeof billingSubscriptions.$inferSelect;
export type InvoiceRow = typeof billingInvoices.$inferSelect;

/** Subscription fields as Stripe reports them (what a sync writes). */
export interface SubscriptionState {
  planCode: string;
  status: string;
  autoRenew: boolean;
  seatCount: number;
  stripeSubscriptionId: string;
  stripeItemId: string | null;
  currentPeriodStart: Date | null;
  currentPeriodEnd: Date | null;
  trialEndsAt: Date | null;
  cancelAt: Date | null;
  stripeScheduleId: string | null;
  pendingPlanCode: string | null;
  pendingChangeAt: Date | null;
}

/** A plan change scheduled for the period end (what we asked Stripe's subscription schedule to do). */
export interface PendingChange {
  planCode: string;
  changeAt: Date;
}

/** Statuses after which a tenant may start a new subscription. */
export const ENDED_STATUSES = ['canceled', 'incomplete_expired'];

/** Whether a subscription in `status` is over (the tenant may start a new one). */
export const hasEnded = (status: string) => ENDED_STATUSES.includes(status);

/** SQL for customers, subscriptions and invoices; every method takes `db` (or the caller's `tx`), then the tenant id. */
export class SubscriptionsRepo {
  async findCustomer(db: DbOrTx, tenantId: string): Promise<string | null> {
    const [row] = await db.select().from(billingCustomers).where(eq(billingCustomers.tenantId, tenantId));
    return row?.stripeCustomerId ?? null;
  }

  /** Records the tenant's customer; when another request won the race, returns the winner's id. */
  async saveCustomer(db: DbOrTx, tenantId: string, stripeCustomerId: string): Promise<string> {
    await db.insert(billingCustomers).values({ tenantId, stripeCustomerId }).onConflictDoNothing();
    return (await this.findCustomer(db, tenantId)) ?? stripeCustomerId;
  }

  async tenantForCustomer(db: DbOrTx, stripeCustomerId: string): Promise<string | null> {
    const [row] = await db
      .select()
      .from(billingCustomers)
      .where(eq(billingCustomers.stripeCustomerId, stripeCustomerId));
    return row?.tenantId ?? null;
  }

  async find(db: DbOrTx, tenantId: string): Promise<SubscriptionRow | null> {
    const [row] = await db.select().from(billingSubscriptions).where(eq(billingSubscriptions.tenantId, tenantId));
    return row ?? null;
  }

  /** The tenant's subscription row, locked until `tx` ends (a sync decides on it, then writes). */
  async findForUpdate(tx: DbOrTx, tenantId: string): Promise<SubscriptionRow | null> {
    const [row] = await tx
      .select()
      .from(billingSubscriptions)
      .where(eq(billingSubscriptions.tenantId, tenantId))
      .for('update');
    return row ?? null;
  }

  /**
   * Claims the tenant's subscription slot before Stripe is called: inserts a placeholder, or
   * reuses an ended subscription's row. Returns null when a live subscription exists (409).
   */
  async claim(
    db: DbOrTx,
    tenantId: string,
    input: { planCode: string; seatCount: number; billingEmail: string | null },
  ): Promise<SubscriptionRow | null> {
    const [row] = await db
      .insert(billingSubscriptions)
      .values({
        tenantId,
        planCode: input.planCode,
        status: 'incomplete',
        seatCount: input.seatCount,
        billingEmail: input.billingEmail,
      })
      .onConflictDoUpdate({
        target: billingSubscriptions.tenantId,
        set: {
          planCode: input.planCode,
          status: 'incomplete',
          seatCount: input.seatCount,
          billingEmail: input.billingEmail,
          stripeSubscriptionId: null,
          stripeItemId: null,
          autoRenew: true,
          currentPeriodStart: null,
          currentPeriodEnd: null,
          trialEndsAt: null,
          cancelAt: null,
          updatedAt: new Date(),
        },
        setWhere: inArray(billingSubscriptions.status, ENDED_STATUSES),
      })
      .returning();
    return row ?? null;
  }

  /** Undoes a claim whose Stripe call failed (only while it is still the placeholder). */
  async releaseClaim(db: DbOrTx, tenantId: string, id: string) {
    await db
      .delete(billingSubscriptions)
      .where(
        and(
          eq(billingSubscriptions.tenantId, tenantId),
          eq(billingSubscriptions.id, id),
          sql`${billingSubscriptions.stripeSubscriptionId} is null`,
        ),
      );
  }

  /** Writes Stripe's current state of the tenant's subscription (insert when the webhook comes first). */
  async applyState(
    db: DbOrTx,
    tenantId: string,
    state: SubscriptionState,
    extra: { billingEmail?: string | null } = {},
  ): Promise<SubscriptionRow> {
    const set = {
      ...state,
      updatedAt: new Date(),
      ...(extra.billingEmail !== undefined ? { billingEmail: extra.billingEmail } : {}),
    };
    const [row] = await db
      .insert(billingSubscriptions)
      .values({ tenantId, ...set })
      .onConflictDoUpdate({ target: billingSubscriptions.tenantId, set })
      .returning();
    return row;
  }

  async setBillingEmail(db: DbOrTx, tenantId: string, billingEmail: string) {
    await db
      .update(billingSubscriptions)
      .set({ billingEmail, updatedAt: new Date() })
      .where(eq(billingSubscriptions.tenantId, tenantId));
  }

  async upsertInvoice(
    db: DbOrTx,
    tenantId: string,
    invoice: Omit<typeof billingInvoices.$inferInsert, 'tenantId' | 'id' | 'createdAt' | 'updatedAt'>,
  ): Promise<InvoiceRow> {
    const [row] = await db
      .insert(billingInvoices)
      .values({ tenantId, ...invoice })
      .onConflictDoUpdate({
        target: billingInvoices.stripeInvoiceId,
        set: { ...invoice, updatedAt: new Date() },
        setWhere: eq(billingInvoices.tenantId, tenantId),
      })
      .returning();
    return row;
  }

  async listInvoices(db: DbOrTx, tenantId: string, limit = 100): Promise<InvoiceRow[]> {
    return db
      .select()
      .from(billingInvoices)
      .where(eq(billingInvoices.tenantId, tenantId))
      .orderBy(desc(billingInvoices.createdAt))
      .limit(limit);
  }
}
