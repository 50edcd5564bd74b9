import type Stripe from 'stripe';
import type { Database } from '../../platform/db/client.js';
import { StripeGatewayError, stripeIdOf, type StripeGateway } from './stripe-gateway.js';
import type { SubscriptionSync, SyncCause } from './subscription-sync.js';
import type { SubscriptionsRepo } from './subscriptions.repo.js';

/** What handling one event did: `handled: false` for types we do not act on (stored as `ignored`). */
export interface HandlerOutcome {
  handled: boolean;
  tenantId: string | null;
}

/**
 * Applies Stripe events. Every handler re-fetches the object from Stripe and writes its *current*
 * state, so events that arrive late, twice or out of order cannot leave an older state behind.
 */
export class StripeEventHandlers {
  constructor(
    private readonly deps: {
      database: Database;
      gateway: StripeGateway;
      sync: SubscriptionSync;
      repo: SubscriptionsRepo;
    },
  ) {}

  async handle(event: Stripe.Event): Promise<HandlerOutcome> {
    const cause: SyncCause = { type: event.type, stripeEventId: event.id };
    switch (event.type) {
      case 'customer.subscription.created':
      case 'customer.subscription.updated':
      case 'customer.subscription.deleted':
      case 'customer.subscription.paused':
      case 'customer.subscription.resumed':
      case 'customer.subscription.trial_will_end':
        return this.syncSubscription(event.data.object.id, cause, event.data.object);
      case 'invoice.paid':
      case 'invoice.payment_failed':
      case 'invoice.payment_succeeded':
      case 'invoice.finalized':
      case 'invoice.voided':
      case 'invoice.marked_uncollectible':
        return this.syncInvoice(event.data.object.id!, cause);
      case 'checkout.session.completed':
        return this.completeCheckout(event.data.object.id, cause);
      case 'subscription_schedule.updated':
      case 'subscription_schedule.completed':
      case 'subscription_schedule.released':
      case 'subscription_schedule.canceled':
      case 'subscription_schedule.aborted': {
        // A released schedule names its subscription in `released_subscription`.
        const schedule = event.data.object;
        const subscriptionId = stripeIdOf(schedule.subscription ?? schedule.released_subscription ?? null);
        return subscriptionId ? this.syncSubscription(subscriptionId, cause) : { handled: false, tenantId: null };
      }
      default:
        return { handled: false, tenantId: null };
    }
  }

  private async syncSubscription(
    id: string,
    cause: SyncCause,
    delivered?: Stripe.Subscription,
  ): Promise<HandlerOutcome> {
    let sub: Stripe.Subscription;
    try {
      sub = await this.deps.gateway.retrieveSubscription(id);
    } catch (err) {
      // A deleted subscription Stripe no longer returns: the delivered object is its final state.
      if (
        err instanceof StripeGatewayError &&
        err.kind === 'not_found' &&
        cause.type === 'customer.subscription.deleted' &&
        delivered
      )
        sub = { ...delivered, status: 'canceled' };
      else throw err;
    }
    const tenantId = await this.deps.sync.tenantFor(sub.customer, sub.metadata);
    if (!tenantId) return { handled: false, tenantId: null };
    await this.deps.sync.applySubscription(tenantId, sub, cause);
    return { handled: true, tenantId };
  }

  private async syncInvoice(id: string, cause: SyncCause): Promise<HandlerOutcome> {
    const invoice = await this.deps.gateway.retrieveInvoice(id);
    const tenantId = await this.deps.sync.tenantFor(invoice.customer ?? null, invoice.metadata);
    if (!tenantId) return { handled: false, tenantId: null };
    // A failed or recovered payment changes the subscription's status: it is synced with the invoice.
    const subscriptionId = stripeIdOf(invoice.parent?.subscription_details?.subscription ?? null);
    const sub = subscriptionId ? await this.deps.gateway.retrieveSubscription(subscriptionId) : null;
    await this.deps.sync.applyInvoice(tenantId, invoice, sub, cause);
    return { handled: true, tenantId };
  }

  private async completeCheckout(id: string, cause: SyncCause): Promise<HandlerOutcome> {
    const session = await this.deps.gateway.retrieveCheckoutSession(id);
    const tenantId = await this.deps.sync.tenantFor(session.customer ?? null, {
      ...(session.metadata ?? {}),
      ...(session.client_reference_id ? { tenant_id: session.client_reference_id } : {}),
    });
    if (!tenantId) return { handled: false, tenantId: null };
    const customerId = stripeIdOf(session.customer ?? null);
    if (customerId) await this.deps.repo.saveCustomer(this.deps.database.db, tenantId, customerId);
    const subscriptionId = stripeIdOf(session.subscription ?? null);
    if (subscriptionId) {
      const sub = await this.deps.gateway.retrieveSubscription(subscriptionId);
      await this.deps.sync.applySubscription(tenantId, sub, cause);
    }
    return { handled: true, tenantId };
  }
}
