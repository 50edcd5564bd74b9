import type { BillingEvent, Invoice, Subscription, UpcomingInvoice } from '@agentry/contracts';
import { SUBSCRIPTION_STATUSES } from '@agentry/contracts';
import type Stripe from 'stripe';
import type { Database, DbOrTx } from '../../platform/db/client.js';
import { isUuid } from '../../platform/ids.js';
import type { BillingStream } from './billing-stream.js';
import { DEFAULT_PLAN_CODE, type PlanCatalog } from './plans.js';
import { stripeIdOf } from './stripe-gateway.js';
import {
  hasEnded,
  type InvoiceRow,
  type PendingChange,
  type SubscriptionRow,
  type SubscriptionsRepo,
  type SubscriptionState,
} from './subscriptions.repo.js';

const fromUnix = (s: number | null | undefined) => (typeof s === 'number' && s > 0 ? new Date(s * 1000) : null);

/** What caused a sync, as the billing stream shows it: a Stripe event, or an API write (`stripeEventId: null`). */
export interface SyncCause {
  type: string;
  stripeEventId: string | null;
  summary?: string;
}

/**
 * The one "older subscription" rule. The tenant's row follows one Stripe subscription: updates of
 * that one always apply, and a row without one takes any. A different subscription replaces it only
 * when the row's has ended and the other has not (a new subscription after a cancellation); so a
 * late event about an older subscription never overwrites the current one.
 */
export function replacesCurrent(current: SubscriptionRow | null, incoming: Stripe.Subscription): boolean {
  if (!current?.stripeSubscriptionId || current.stripeSubscriptionId === incoming.id) return true;
  return hasEnded(current.status) && !hasEnded(incoming.status);
}

/**
 * Writes Stripe's view of a subscription or invoice into our tables and announces it on the
 * tenant's billing stream. Used by the API (after a Stripe call) and by webhook handlers (after
 * re-fetching the object), so both paths converge on the same state. It owns the unit of work:
 * one transaction per sync (the row is locked while the rule decides), the announcement after it commits.
 */
export class SubscriptionSync {
  constructor(
    private readonly deps: { database: Database; plans: PlanCatalog; repo: SubscriptionsRepo; stream: BillingStream },
  ) {}

  /** The tenant a Stripe object belongs to: our customer mapping first, then the metadata we set. */
  async tenantFor(
    customer: string | { id: string } | null,
    metadata?: Record<string, string> | null,
  ): Promise<string | null> {
    const customerId = stripeIdOf(customer);
    const mapped = customerId ? await this.deps.repo.tenantForCustomer(this.deps.database.db, customerId) : null;
    if (mapped) return mapped;
    const fromMetadata = metadata?.tenant_id;
    return fromMetadata && isUuid(fromMetadata) ? fromMetadata : null;
  }

  /**
   * Applies a subscription as Stripe has it now (unless `replacesCurrent` says it is an older one)
   * and publishes `cause` on the tenant's stream. Returns the tenant's row as stored.
   */
  async applySubscription(
    tenantId: string,
    sub: Stripe.Subscription,
    cause: SyncCause,
    extra: SyncExtra = {},
  ): Promise<SubscriptionRow> {
    const planCode = await this.planCodeOf(sub);
    const { row, applied } = await this.deps.database.db.transaction((tx) =>
      this.writeSubscription(tx, tenantId, sub, planCode, extra),
    );
    // An older subscription's event changes nothing, so there is nothing to announce.
    if (applied) await this.announce(tenantId, cause, { subscription: toSubscriptionResponse(row) });
    return row;
  }

  /**
   * Applies an invoice and, when it belongs to a subscription, that subscription as Stripe has it
   * now (a failed or recovered payment changes its status), under the same rule, in one
   * transaction; then publishes one event carrying both.
   */
  async applyInvoice(
    tenantId: string,
    invoice: Stripe.Invoice,
    sub: Stripe.Subscription | null,
    cause: SyncCause,
  ): Promise<InvoiceRow> {
    const planCode = sub ? await this.planCodeOf(sub) : null;
    const { invoiceRow, subscription } = await this.deps.database.db.transaction(async (tx) => {
      const invoiceRow = await this.deps.repo.upsertInvoice(tx, tenantId, {
        stripeInvoiceId: invoice.id!,
        status: invoice.status ?? 'draft',
        amountDueCents: invoice.amount_due,
        currency: invoice.currency,
        hostedInvoiceUrl: invoice.hosted_invoice_url ?? null,
        periodStart: fromUnix(invoice.period_start),
        periodEnd: fromUnix(invoice.period_end),
      });
      const written = sub ? await this.writeSubscription(tx, tenantId, sub, planCode) : null;
      return { invoiceRow, subscription: written?.applied ? written.row : null };
    });
    await this.announce(tenantId, cause, {
      invoice: toInvoiceResponse(invoiceRow),
      ...(subscription ? { subscription: toSubscriptionResponse(subscription) } : {}),
    });
    return invoiceRow;
  }

  async announce(tenantId: string, cause: SyncCause, body: Pick<BillingEvent, 'subscription' | 'invoice'>) {
    await this.deps.stream.publish({
      tenant_id: tenantId,
      type: cause.type,
      stripe_event_id: cause.stripeEventId,
      occurred_at: new Date().toISOString(),
      summary: cause.summary ?? summarize(cause.type, body),
      ...body,
    });
  }

  /** Locks the tenant's row, applies the rule, writes. Runs in the caller's transaction. */
  private async writeSubscription(
    tx: DbOrTx,
    tenantId: string,
    sub: Stripe.Subscription,
    planCode: string | null,
    extra: SyncExtra = {},
  ): Promise<{ row: SubscriptionRow; applied: boolean }> {
    const current = await this.deps.repo.findForUpdate(tx, tenantId);
    if (current && !replacesCurrent(current, sub)) return { row: current, applied: false };
    const state = stateOf(sub, planCode ?? current?.planCode ?? DEFAULT_PLAN_CODE);
    const pending = pendingOf(state, current, extra.pending);
    const row = await this.deps.repo.applyState(
      tx,
      tenantId,
      { ...state, pendingPlanCode: pending?.planCode ?? null, pendingChangeAt: pending?.changeAt ?? null },
      { billingEmail: extra.billingEmail },
    );
    return { row, applied: true };
  }

  /** The plan a subscription is on: its price's plan, else the plan code we put in its metadata. */
  private async planCodeOf(sub: Stripe.Subscription): Promise<string | null> {
    const priceId = stripeIdOf(sub.items?.data?.[0]?.price ?? null);
    const plan = priceId ? await this.deps.plans.planForPrice(priceId) : null;
    return plan?.code ?? sub.metadata?.plan_code ?? null;
  }
}

/** What an API write knows beyond Stripe's object: the billing e-mail it set, the change it scheduled. */
export interface SyncExtra {
  billingEmail?: string | null;
  pending?: PendingChange | null;
}

/**
 * The scheduled change after a sync: the one just scheduled; none once Stripe's subscription has no
 * schedule (released, or completed at the boundary) or is on the pending plan already; else as before.
 */
function pendingOf(
  state: Omit<SubscriptionState, 'pendingPlanCode' | 'pendingChangeAt'>,
  current: SubscriptionRow | null,
  scheduled: PendingChange | null | undefined,
): PendingChange | null {
  if (scheduled !== undefined) return scheduled;
  if (!state.stripeScheduleId || !current?.pendingPlanCode || !current.pendingChangeAt) return null;
  if (current.stripeScheduleId !== state.stripeScheduleId || current.pendingPlanCode === state.planCode) return null;
  return { planCode: current.pendingPlanCode, changeAt: current.pendingChangeAt };
}

/** Our subscription fields from Stripe's object. */
function stateOf(
  sub: Stripe.Subscription,
  planCode: string,
): Omit<SubscriptionState, 'pendingPlanCode' | 'pendingChangeAt'> {
  const item = sub.items?.data?.[0];
  return {
    planCode,
    status: sub.status,
    autoRenew: !sub.cancel_at_period_end && !sub.cancel_at && sub.status !== 'canceled',
    seatCount: item?.quantity ?? 1,
    stripeSubscriptionId: sub.id,
    stripeItemId: item?.id ?? null,
    // Since API 2025-03-31 the period lives on the items.
    currentPeriodStart: fromUnix(item?.current_period_start),
    currentPeriodEnd: fromUnix(item?.current_period_end),
    trialEndsAt: fromUnix(sub.trial_end),
    cancelAt: fromUnix(sub.cancel_at),
    stripeScheduleId: stripeIdOf(sub.schedule ?? null),
  };
}

function summarize(type: string, body: Pick<BillingEvent, 'subscription' | 'invoice'>): string {
  if (body.invoice)
    return `Invoice ${body.invoice.status}: ${(body.invoice.amount_due_cents / 100).toFixed(2)} ${body.invoice.currency.toUpperCase()}`;
  if (body.subscription) return `Subscription ${body.subscription.plan_code}: ${body.subscription.status}`;
  return type;
}

const iso = (d: Date | null) => (d ? d.toISOString() : null);

export function toSubscriptionResponse(row: SubscriptionRow): Subscription {
  const status = (SUBSCRIPTION_STATUSES as readonly string[]).includes(row.status)
    ? (row.status as Subscription['status'])
    : 'incomplete';
  return {
    tenant_id: row.tenantId,
    plan_code: row.planCode,
    status,
    auto_renew: row.autoRenew,
    billing_email: row.billingEmail,
    seat_count: row.seatCount,
    current_period_start: iso(row.currentPeriodStart),
    current_period_end: iso(row.currentPeriodEnd),
    trial_ends_at: iso(row.trialEndsAt),
    cancel_at: iso(row.cancelAt),
    pending_plan_code: row.pendingPlanCode,
    pending_change_at: iso(row.pendingChangeAt),
  };
}

export function toInvoiceResponse(row: InvoiceRow): Invoice {
  return {
    id: row.stripeInvoiceId,
    status: row.status,
    amount_due_cents: row.amountDueCents,
    currency: row.currency,
    hosted_invoice_url: row.hostedInvoiceUrl,
    period_start: iso(row.periodStart),
    period_end: iso(row.periodEnd),
  };
}

/** Stripe's invoice preview as the API shows it: the period its lines cover, each line's amount. */
export function toUpcomingInvoiceResponse(invoice: Stripe.Invoice): UpcomingInvoice {
  const lines = invoice.lines?.data ?? [];
  return {
    amount_due_cents: invoice.amount_due,
    currency: invoice.currency,
    period_start: iso(fromUnix(lines[0]?.period?.start ?? invoice.period_start)),
    period_end: iso(fromUnix(lines.at(-1)?.period?.end ?? invoice.period_end)),
    lines: lines.map((line) => ({ description: line.description ?? '', amount_cents: line.amount })),
  };
}
