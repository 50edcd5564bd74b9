import crypto from 'node:crypto';
import type { Invoice, Subscription } from '@agentry/contracts';
import type Stripe from 'stripe';
import { actorOf, type AuditLog } from '../../platform/audit.js';
import { ownTenant, type Caller } from '../../platform/caller.js';
import type { Database } from '../../platform/db/client.js';
import { AppError } from '../../platform/errors.js';
import { billingDisabled, stripeFailureProblem } from './billing-errors.js';
import type { PlanCatalog, PlanRecord } from './plans.js';
import type { StripeGateway } from './stripe-gateway.js';
import { toInvoiceResponse, toSubscriptionResponse, type SubscriptionSync } from './subscription-sync.js';
import { hasEnded, type SubscriptionsRepo } from './subscriptions.repo.js';

/** A Stripe call for one write; gateway failures come out as the API's problem codes. */
type StripeCall = <T>(fn: (gateway: StripeGateway) => Promise<T>) => Promise<T>;

export interface SubscriptionsServiceDeps {
  database: Database;
  plans: PlanCatalog;
  repo: SubscriptionsRepo;
  sync: SubscriptionSync;
  /** Absent when billing is off: every write answers 503 `billing_disabled`. */
  gateway: StripeGateway | undefined;
  publicWebUrl: string;
  audit: AuditLog;
}

/**
 * Subscriptions, Checkout and the customer portal. Order of work for every write: take the Stripe
 * call (503 `billing_disabled` with billing off, before anything else), check our rules, call Stripe
 * (outside any transaction, with an idempotency key), write what Stripe answered (`SubscriptionSync`).
 */
export class SubscriptionsService {
  constructor(private readonly deps: SubscriptionsServiceDeps) {}

  private get db() {
    return this.deps.database.db;
  }

  /** Stripe for one write, or 503 `billing_disabled` when billing is off. */
  private stripe(): StripeCall {
    const gateway = this.deps.gateway;
    if (!gateway) throw billingDisabled();
    return async (fn) => {
      try {
        return await fn(gateway);
      } catch (err) {
        throw stripeFailureProblem(err);
      }
    };
  }

  async get(caller: Caller, tenantId: string): Promise<Subscription> {
    const row = await this.deps.repo.find(this.db, ownTenant(caller, tenantId));
    if (!row) throw new AppError('not_found', 'This tenant has no subscription.');
    return toSubscriptionResponse(row);
  }

  async create(
    caller: Caller,
    tenantId: string,
    input: { plan_code: string; billing_email?: string; seat_count?: number },
  ): Promise<Subscription> {
    tenantId = ownTenant(caller, tenantId);
    const stripe = this.stripe();
    const plan = await this.requirePlan(input.plan_code);
    const priceId = this.requirePrice(plan);
    const seatCount = input.seat_count ?? plan.seatsIncluded;
    assertSeats(plan, seatCount);
    const claim = await this.deps.repo.claim(this.db, tenantId, {
      planCode: plan.code,
      seatCount,
      billingEmail: input.billing_email ?? null,
    });
    if (!claim) throw new AppError('subscription_exists', 'This tenant already has a subscription; change it instead.');
    let sub: Stripe.Subscription;
    try {
      const customerId = await this.ensureCustomer(stripe, tenantId, input.billing_email ?? null);
      sub = await stripe((g) =>
        g.createSubscription({
          customerId,
          priceId,
          quantity: seatCount,
          trialDays: plan.trialDays,
          metadata: { tenant_id: tenantId, plan_code: plan.code },
          // The claim row id is unique per attempt: a retried request cannot create two subscriptions.
          idempotencyKey: `agentry-subscription-create-${claim.id}-${claim.updatedAt.getTime()}`,
        }),
      );
    } catch (err) {
      await this.deps.repo.releaseClaim(this.db, tenantId, claim.id);
      throw err;
    }
    const row = await this.deps.sync.applySubscription(
      tenantId,
      sub,
      { type: 'subscription.created', stripeEventId: null },
      { billingEmail: input.billing_email ?? null },
    );
    await this.auditChange(caller, tenantId, 'created', row, { plan_code: plan.code, seat_count: seatCount });
    return toSubscriptionResponse(row);
  }

  async update(
    caller: Caller,
    tenantId: string,
    input: { plan_code?: string; seat_count?: number; auto_renew?: boolean; billing_email?: string },
  ): Promise<Subscription> {
    tenantId = ownTenant(caller, tenantId);
    if (Object.values(input).every((v) => v === undefined)) throw new AppError('empty_update', 'Nothing to update.');
    const stripe = this.stripe();
    const current = await this.liveSubscription(tenantId);
    const plan =
      input.plan_code !== undefined
        ? await this.requirePlan(input.plan_code)
        : await this.deps.plans.getOrDefault(current.planCode);
    const seatCount = input.seat_count ?? current.seatCount;
    if (input.plan_code !== undefined || input.seat_count !== undefined) assertSeats(plan, seatCount);
    const key = `agentry-subscription-update-${crypto.randomUUID()}`;
    const params: Stripe.SubscriptionUpdateParams = {};
    if (input.plan_code !== undefined || input.seat_count !== undefined) {
      params.items = [{ id: current.stripeItemId!, price: this.requirePrice(plan), quantity: seatCount }];
      params.proration_behavior = 'create_prorations';
      params.metadata = { plan_code: plan.code };
    }
    if (input.auto_renew !== undefined) params.cancel_at_period_end = !input.auto_renew;
    if (input.billing_email !== undefined) {
      const customerId = await this.ensureCustomer(stripe, tenantId, input.billing_email);
      await stripe((g) => g.updateCustomerEmail(customerId, input.billing_email!, `${key}-email`));
      await this.deps.repo.setBillingEmail(this.db, tenantId, input.billing_email);
    }
    const sub = Object.keys(params).length
      ? await stripe((g) => g.updateSubscription(current.stripeSubscriptionId!, params, key))
      : await stripe((g) => g.retrieveSubscription(current.stripeSubscriptionId!));
    const row = await this.deps.sync.applySubscription(tenantId, sub, {
      type: 'subscription.updated',
      stripeEventId: null,
    });
    await this.auditChange(caller, tenantId, 'updated', row, {
      from_plan_code: current.planCode,
      ...Object.fromEntries(Object.entries(input).filter(([, v]) => v !== undefined)),
    });
    return toSubscriptionResponse(row);
  }

  async cancel(caller: Caller, tenantId: string, input: { at_period_end: boolean }): Promise<Subscription> {
    tenantId = ownTenant(caller, tenantId);
    const stripe = this.stripe();
    const current = await this.liveSubscription(tenantId);
    const key = `agentry-subscription-cancel-${crypto.randomUUID()}`;
    const sub = input.at_period_end
      ? await stripe((g) => g.updateSubscription(current.stripeSubscriptionId!, { cancel_at_period_end: true }, key))
      : await stripe((g) => g.cancelSubscriptionNow(current.stripeSubscriptionId!, key));
    const row = await this.deps.sync.applySubscription(tenantId, sub, {
      type: input.at_period_end ? 'subscription.cancel_scheduled' : 'subscription.canceled',
      stripeEventId: null,
    });
    await this.auditChange(caller, tenantId, input.at_period_end ? 'cancel_scheduled' : 'canceled', row, {});
    return toSubscriptionResponse(row);
  }

  /** `subscription.changed`, after Stripe and our row agree (the Stripe call cannot be in a transaction). */
  private async auditChange(
    caller: Caller,
    tenantId: string,
    change: string,
    row: { id: string; planCode: string; status: string },
    metadata: Record<string, unknown>,
  ) {
    await this.deps.audit.record(null, {
      tenantId,
      action: 'subscription.changed',
      actor: actorOf(caller),
      target: { type: 'subscription', id: row.id },
      metadata: { change, plan_code: row.planCode, status: row.status, ...metadata },
    });
  }

  async checkoutSession(
    caller: Caller,
    tenantId: string,
    input: { plan_code?: string; success_url?: string; cancel_url?: string },
  ): Promise<{ url: string }> {
    tenantId = ownTenant(caller, tenantId);
    const stripe = this.stripe();
    const existing = await this.deps.repo.find(this.db, tenantId);
    if (existing?.stripeSubscriptionId && !hasEnded(existing.status))
      throw new AppError('subscription_exists', 'This tenant already has a subscription; use the customer portal.');
    const plan = await this.requirePlan(input.plan_code ?? 'pro');
    const customerId = await this.ensureCustomer(stripe, tenantId, null);
    const base = this.deps.publicWebUrl.replace(/\/$/, '');
    const session = await stripe((g) =>
      g.createCheckoutSession(
        {
          mode: 'subscription',
          customer: customerId,
          client_reference_id: tenantId,
          line_items: [{ price: this.requirePrice(plan), quantity: plan.seatsIncluded }],
          subscription_data: {
            metadata: { tenant_id: tenantId, plan_code: plan.code },
            ...(plan.trialDays > 0 ? { trial_period_days: plan.trialDays } : {}),
          },
          metadata: { tenant_id: tenantId, plan_code: plan.code },
          success_url: input.success_url ?? `${base}/billing?checkout=success`,
          cancel_url: input.cancel_url ?? `${base}/billing?checkout=cancel`,
        },
        `agentry-checkout-${crypto.randomUUID()}`,
      ),
    );
    if (!session.url) throw new AppError('bad_gateway', 'Stripe returned no Checkout URL.');
    return { url: session.url };
  }

  async portalSession(caller: Caller, tenantId: string, input: { return_url?: string }): Promise<{ url: string }> {
    tenantId = ownTenant(caller, tenantId);
    const stripe = this.stripe();
    const customerId = await this.ensureCustomer(stripe, tenantId, null);
    const session = await stripe((g) =>
      g.createPortalSession({
        customerId,
        returnUrl: input.return_url ?? `${this.deps.publicWebUrl.replace(/\/$/, '')}/billing`,
        idempotencyKey: `agentry-portal-${crypto.randomUUID()}`,
      }),
    );
    return { url: session.url };
  }

  async listInvoices(caller: Caller, tenantId: string): Promise<Invoice[]> {
    const rows = await this.deps.repo.listInvoices(this.db, ownTenant(caller, tenantId));
    return rows.map(toInvoiceResponse);
  }

  /** The tenant's Stripe customer, created once (the key is the tenant id, so a race creates one). */
  private async ensureCustomer(stripe: StripeCall, tenantId: string, email: string | null): Promise<string> {
    const existing = await this.deps.repo.findCustomer(this.db, tenantId);
    if (existing) return existing;
    const customer = await stripe((g) =>
      g.createCustomer({ tenantId, email, idempotencyKey: `agentry-customer-${tenantId}` }),
    );
    return this.deps.repo.saveCustomer(this.db, tenantId, customer.id);
  }

  private async liveSubscription(tenantId: string) {
    const current = await this.deps.repo.find(this.db, tenantId);
    if (!current?.stripeSubscriptionId || hasEnded(current.status))
      throw new AppError('not_found', 'This tenant has no active subscription.');
    return current;
  }

  private async requirePlan(code: string): Promise<PlanRecord> {
    const plan = await this.deps.plans.get(code);
    if (!plan) throw new AppError('not_found', 'Unknown plan.');
    return plan;
  }

  private requirePrice(plan: PlanRecord): string {
    const price = this.deps.plans.priceIdFor(plan);
    if (!price)
      throw new AppError('unavailable', `Plan ${plan.code} has no Stripe price yet: run \`agentry stripe setup\`.`);
    return price;
  }
}

function assertSeats(plan: PlanRecord, seatCount: number) {
  const limit = plan.features.find((f) => f.key === 'seats')?.hard_limit ?? null;
  if (limit !== null && seatCount > limit)
    throw new AppError('validation_failed', `The ${plan.name} plan allows at most ${limit} seats.`, {
      errors: [{ path: 'seat_count', message: `at most ${limit}` }],
    });
}
