import crypto from 'node:crypto';
import type { Invoice, Subscription, UpcomingInvoice } from '@agentry/contracts';
import type Stripe from 'stripe';
import { actorOf, type AuditLog } from '../../platform/audit.js';
import { ownTenant, type Caller } from '../../platform/caller.js';
import type { Database } from '../../platform/db/client.js';
import { AppError } from '../../platform/errors.js';
import { stripeCall, type StripeCall } from './billing-errors.js';
import type { PlanCatalog, PlanRecord } from './plans.js';
import { planSeatCap, type SeatCounter } from './seats.js';
import type { StripeGateway } from './stripe-gateway.js';
import {
  toInvoiceResponse,
  toSubscriptionResponse,
  toUpcomingInvoiceResponse,
  type SubscriptionSync,
} from './subscription-sync.js';
import { hasEnded, type SubscriptionRow, type SubscriptionsRepo } from './subscriptions.repo.js';

export interface SubscriptionsServiceDeps {
  database: Database;
  plans: PlanCatalog;
  repo: SubscriptionsRepo;
  sync: SubscriptionSync;
  /** Absent when billing is off: every write answers 503 `billing_disabled`. */
  gateway: StripeGateway | undefined;
  seatsInUse: SeatCounter;
  audit: AuditLog;
}

/**
 * Subscriptions and their invoices. Order of work for every write: take the Stripe
 * call (503 `billing_disabled` with billing off, before anything else), check our rules, call Stripe
 * (outside any transaction, with an idempotency key), write what Stripe answered (`SubscriptionSync`).
 */
export class SubscriptionsService {
  constructor(private readonly deps: SubscriptionsServiceDeps) {}

  private get db() {
    return this.deps.database.db;
  }

  private stripe(): StripeCall {
    return stripeCall(this.deps.gateway);
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
    const plan = await this.deps.plans.require(input.plan_code);
    const priceId = this.deps.plans.requirePrice(plan);
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
    input: {
      plan_code?: string;
      timing?: 'now' | 'period_end';
      seat_count?: number;
      auto_renew?: boolean;
      billing_email?: string;
    },
  ): Promise<Subscription> {
    tenantId = ownTenant(caller, tenantId);
    if (Object.values(input).every((v) => v === undefined)) throw new AppError('empty_update', 'Nothing to update.');
    const stripe = this.stripe();
    const current = await this.liveSubscription(tenantId);
    const currentPlan = await this.deps.plans.getOrDefault(current.planCode);
    const target = input.plan_code !== undefined ? await this.deps.plans.require(input.plan_code) : currentPlan;
    const seatCount = input.seat_count ?? current.seatCount;
    if (input.plan_code !== undefined || input.seat_count !== undefined) assertSeats(target, seatCount);
    await this.assertSeatsInUse(tenantId, current.seatCount, input.seat_count);
    const key = `agentry-subscription-update-${crypto.randomUUID()}`;
    // Upgrades apply now (prorated); downgrades wait for the period end unless the caller says otherwise.
    const planChanges = target.code !== current.planCode;
    const timing = input.timing ?? (planChanges && target.priceCents < currentPlan.priceCents ? 'period_end' : 'now');
    if (input.billing_email !== undefined) {
      const customerId = await this.ensureCustomer(stripe, tenantId, input.billing_email);
      await stripe((g) => g.updateCustomerEmail(customerId, input.billing_email!, `${key}-email`));
      await this.deps.repo.setBillingEmail(this.db, tenantId, input.billing_email);
    }
    // Only plan changes are scheduled; seat counts change now (a pending change is keyed by plan).
    if (timing === 'period_end' && planChanges)
      return this.scheduleChange(stripe, tenantId, current, target, seatCount, input.auto_renew, key);

    const params: Stripe.SubscriptionUpdateParams = {};
    if (planChanges || input.seat_count !== undefined) {
      params.items = [{ id: current.stripeItemId!, price: this.deps.plans.requirePrice(target), quantity: seatCount }];
      params.proration_behavior = 'create_prorations';
      params.metadata = { plan_code: target.code };
    }
    if (input.auto_renew !== undefined) params.cancel_at_period_end = !input.auto_renew;
    // A change made now replaces any change scheduled before it.
    if (params.items && current.stripeScheduleId)
      await stripe((g) => g.releaseSchedule(current.stripeScheduleId!, `${key}-release`));
    const sub = Object.keys(params).length
      ? await stripe((g) => g.updateSubscription(current.stripeSubscriptionId!, params, key))
      : await stripe((g) => g.retrieveSubscription(current.stripeSubscriptionId!));
    const row = await this.deps.sync.applySubscription(
      tenantId,
      sub,
      { type: 'subscription.updated', stripeEventId: null },
      params.items ? { pending: null } : {},
    );
    await this.auditChange(caller, tenantId, 'updated', row, {
      from_plan_code: current.planCode,
      ...Object.fromEntries(Object.entries(input).filter(([, v]) => v !== undefined)),
    });
    return toSubscriptionResponse(row);
  }

  /**
   * A change at the period end through a Stripe subscription schedule: phase one is the current plan
   * until the period ends, phase two the new one; the schedule is released after it, and the
   * webhook that Stripe sends at the boundary applies it here (`SubscriptionSync` clears the pending change).
   */
  private async scheduleChange(
    stripe: StripeCall,
    tenantId: string,
    current: SubscriptionRow,
    target: PlanRecord,
    seatCount: number,
    autoRenew: boolean | undefined,
    key: string,
  ): Promise<Subscription> {
    if (!current.currentPeriodEnd) throw new AppError('conflict', 'This subscription has no current period to end.');
    if (autoRenew === false)
      throw new AppError('conflict', 'A subscription that ends at the period end cannot change plan then.');
    const scheduleId =
      current.stripeScheduleId ??
      (await stripe((g) => g.createScheduleFromSubscription(current.stripeSubscriptionId!, `${key}-schedule`))).id;
    const schedule = await stripe((g) => g.retrieveSchedule(scheduleId));
    const first = schedule.phases[0];
    const currentPlan = await this.deps.plans.getOrDefault(current.planCode);
    await stripe((g) =>
      g.updateSchedule(
        scheduleId,
        {
          end_behavior: 'release',
          phases: [
            {
              items: [{ price: this.deps.plans.requirePrice(currentPlan), quantity: current.seatCount }],
              start_date: first?.start_date,
              end_date: Math.floor(current.currentPeriodEnd!.getTime() / 1000),
              // Rewriting the phase must not end a running trial early.
              ...(first?.trial_end ? { trial_end: first.trial_end } : {}),
            },
            {
              items: [{ price: this.deps.plans.requirePrice(target), quantity: seatCount }],
              duration: { interval: target.interval, interval_count: 1 },
              metadata: { plan_code: target.code },
            },
          ],
        },
        `${key}-phases`,
      ),
    );
    const sub = await stripe((g) => g.retrieveSubscription(current.stripeSubscriptionId!));
    const row = await this.deps.sync.applySubscription(
      tenantId,
      sub,
      { type: 'subscription.change_scheduled', stripeEventId: null, summary: `Change to ${target.name} scheduled` },
      { pending: { planCode: target.code, changeAt: current.currentPeriodEnd } },
    );
    return toSubscriptionResponse(row);
  }

  /** Cancels a scheduled change: the schedule is released and the subscription stays as it is. */
  async cancelPendingChange(caller: Caller, tenantId: string): Promise<Subscription> {
    tenantId = ownTenant(caller, tenantId);
    const stripe = this.stripe();
    const current = await this.liveSubscription(tenantId);
    if (!current.stripeScheduleId || !current.pendingPlanCode)
      throw new AppError('not_found', 'No plan change is scheduled.');
    const key = `agentry-schedule-release-${current.stripeScheduleId}`;
    await stripe((g) => g.releaseSchedule(current.stripeScheduleId!, key));
    const sub = await stripe((g) => g.retrieveSubscription(current.stripeSubscriptionId!));
    const row = await this.deps.sync.applySubscription(
      tenantId,
      sub,
      { type: 'subscription.change_canceled', stripeEventId: null, summary: 'Scheduled plan change canceled' },
      { pending: null },
    );
    return toSubscriptionResponse(row);
  }

  /** Lowering `seat_count` below the seats in use (members + pending invitations) is refused. */
  private async assertSeatsInUse(tenantId: string, currentSeats: number, requested: number | undefined) {
    if (requested === undefined || requested >= currentSeats) return;
    const used = await this.deps.seatsInUse.countSeats(tenantId);
    if (requested < used)
      throw new AppError(
        'seat_limit_reached',
        `${used} seats are in use (members and pending invitations): remove some before going down to ${requested}.`,
        { details: { used, limit: requested } },
      );
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

  async listInvoices(caller: Caller, tenantId: string): Promise<Invoice[]> {
    const rows = await this.deps.repo.listInvoices(this.db, ownTenant(caller, tenantId));
    return rows.map(toInvoiceResponse);
  }

  /** The next invoice of the tenant's subscription as Stripe previews it now; 404 without one. */
  async upcomingInvoice(caller: Caller, tenantId: string): Promise<UpcomingInvoice> {
    tenantId = ownTenant(caller, tenantId);
    const stripe = this.stripe();
    const current = await this.liveSubscription(tenantId);
    const customerId = await this.deps.repo.findCustomer(this.db, tenantId);
    if (!customerId) throw new AppError('not_found', 'This tenant has no active subscription.');
    const invoice = await stripe((g) => g.previewInvoice(customerId, current.stripeSubscriptionId!));
    return toUpcomingInvoiceResponse(invoice);
  }

  /** The tenant's Stripe customer, created once (the key is the tenant id, so a race creates one). */
  async ensureCustomer(stripe: StripeCall, tenantId: string, email: string | null): Promise<string> {
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
}

function assertSeats(plan: PlanRecord, seatCount: number) {
  const limit = planSeatCap(plan);
  if (limit !== null && seatCount > limit)
    throw new AppError('validation_failed', `The ${plan.name} plan allows at most ${limit} seats.`, {
      errors: [{ path: 'seat_count', message: `at most ${limit}` }],
    });
}
