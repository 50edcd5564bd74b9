import type { BillingEvent, Invoice, Subscription } from '@agentry/contracts';
import { SUBSCRIPTION_STATUSES } from '@agentry/contracts';
import type Stripe from 'stripe';
import type { BillingStream } from './billing-stream.js';
import { DEFAULT_PLAN_CODE, type PlanCatalog } from './plans.js';
import type { InvoiceRow, SubscriptionRow, SubscriptionsRepo, SubscriptionState } from './subscriptions.repo.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const fromUnix = (s: number | null | undefined) => (typeof s === 'number' && s > 0 ? new Date(s * 1000) : null);
const idOf = (v: string | { id: string } | null | undefined) => (typeof v === 'string' ? v : (v?.id ?? null));

/**
 * Writes Stripe's view of a subscription or invoice into our tables and announces it on the
 * tenant's billing stream. Used by the API (after a Stripe call) and by webhook handlers (after
 * re-fetching the object), so both paths converge on the same state.
 */
export class SubscriptionSync {
  constructor(private readonly deps: { plans: PlanCatalog; repo: SubscriptionsRepo; stream: BillingStream }) {}

  /** The tenant a Stripe object belongs to: our customer mapping first, then the metadata we set. */
  async tenantFor(
    customer: string | { id: string } | null,
    metadata?: Record<string, string> | null,
  ): Promise<string | null> {
    const customerId = idOf(customer);
    const mapped = customerId ? await this.deps.repo.tenantForCustomer(customerId) : null;
    if (mapped) return mapped;
    const fromMetadata = metadata?.tenant_id;
    return fromMetadata && UUID.test(fromMetadata) ? fromMetadata : null;
  }

  async stateOf(sub: Stripe.Subscription, fallbackPlan?: string): Promise<SubscriptionState> {
    const item = sub.items?.data?.[0];
    const priceId = idOf(item?.price ?? null);
    const plan = priceId ? await this.deps.plans.planForPrice(priceId) : null;
    return {
      planCode: plan?.code ?? sub.metadata?.plan_code ?? fallbackPlan ?? DEFAULT_PLAN_CODE,
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
    };
  }

  /** Applies a subscription as Stripe has it now and publishes `type` on the tenant's stream. */
  async applySubscription(
    tenantId: string,
    sub: Stripe.Subscription,
    event: { type: string; stripeEventId: string | null; summary?: string },
    extra: { billingEmail?: string | null } = {},
  ) {
    const existing = await this.deps.repo.find(tenantId);
    // A webhook for an older subscription of this tenant must not overwrite the current one.
    if (
      existing?.stripeSubscriptionId &&
      existing.stripeSubscriptionId !== sub.id &&
      existing.status !== 'canceled' &&
      sub.status === 'canceled'
    )
      return existing;
    const row = await this.deps.repo.applyState(tenantId, await this.stateOf(sub, existing?.planCode), extra);
    await this.announce(tenantId, event, { subscription: toSubscriptionResponse(row) });
    return row;
  }

  async applyInvoice(
    tenantId: string,
    invoice: Stripe.Invoice,
    event: { type: string; stripeEventId: string | null },
  ): Promise<InvoiceRow> {
    const row = await this.deps.repo.upsertInvoice(tenantId, {
      stripeInvoiceId: invoice.id!,
      status: invoice.status ?? 'draft',
      amountDueCents: invoice.amount_due,
      currency: invoice.currency,
      hostedInvoiceUrl: invoice.hosted_invoice_url ?? null,
      periodStart: fromUnix(invoice.period_start),
      periodEnd: fromUnix(invoice.period_end),
    });
    await this.announce(tenantId, event, { invoice: toInvoiceResponse(row) });
    return row;
  }

  async announce(
    tenantId: string,
    event: { type: string; stripeEventId: string | null; summary?: string },
    body: Pick<BillingEvent, 'subscription' | 'invoice'>,
  ) {
    await this.deps.stream.publish({
      tenant_id: tenantId,
      type: event.type,
      stripe_event_id: event.stripeEventId,
      occurred_at: new Date().toISOString(),
      summary: event.summary ?? summarize(event.type, body),
      ...body,
    });
  }
}

function summarize(type: string, body: Pick<BillingEvent, 'subscription' | 'invoice'>): string {
  if (body.subscription) return `Subscription ${body.subscription.plan_code}: ${body.subscription.status}`;
  if (body.invoice)
    return `Invoice ${body.invoice.status}: ${(body.invoice.amount_due_cents / 100).toFixed(2)} ${body.invoice.currency.toUpperCase()}`;
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
