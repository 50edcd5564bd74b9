import crypto from 'node:crypto';
import type { PaymentMethod } from '@agentry/contracts';
import type Stripe from 'stripe';
import { ownTenant, type Caller } from '../../platform/caller.js';
import type { Database } from '../../platform/db/client.js';
import { AppError } from '../../platform/errors.js';
import { stripeCall, type StripeCall } from './billing-errors.js';
import { stripeIdOf, type StripeGateway } from './stripe-gateway.js';
import { hasEnded, type SubscriptionsRepo } from './subscriptions.repo.js';
import type { SubscriptionsService } from './subscriptions.service.js';

/**
 * The tenant's cards, kept in Stripe only (we store no card data): listed with the default marked,
 * added through a SetupIntent that Stripe Elements confirms in the browser, made default, removed.
 * Every card id a caller names is checked to belong to the tenant's own customer first.
 */
export class PaymentMethodsService {
  constructor(
    private readonly deps: {
      database: Database;
      repo: SubscriptionsRepo;
      subscriptions: SubscriptionsService;
      gateway: StripeGateway | undefined;
      publishableKey: string | undefined;
    },
  ) {}

  async list(caller: Caller, tenantId: string): Promise<PaymentMethod[]> {
    tenantId = ownTenant(caller, tenantId);
    const stripe = stripeCall(this.deps.gateway);
    const customerId = await this.deps.repo.findCustomer(this.deps.database.db, tenantId);
    if (!customerId) return [];
    const [methods, defaultId] = await Promise.all([
      stripe((g) => g.listPaymentMethods(customerId)),
      this.defaultOf(stripe, customerId),
    ]);
    return methods.map((pm) => ({
      id: pm.id,
      brand: pm.card?.brand ?? pm.type,
      last4: pm.card?.last4 ?? '',
      exp_month: pm.card?.exp_month ?? 0,
      exp_year: pm.card?.exp_year ?? 0,
      is_default: pm.id === defaultId,
    }));
  }

  async setupIntent(
    caller: Caller,
    tenantId: string,
  ): Promise<{ client_secret: string; publishable_key: string | null }> {
    tenantId = ownTenant(caller, tenantId);
    const stripe = stripeCall(this.deps.gateway);
    const customerId = await this.deps.subscriptions.ensureCustomer(stripe, tenantId, null);
    const intent = await stripe((g) => g.createSetupIntent(customerId, `agentry-setup-intent-${crypto.randomUUID()}`));
    if (!intent.client_secret) throw new AppError('bad_gateway', 'Stripe returned no client secret.');
    return { client_secret: intent.client_secret, publishable_key: this.deps.publishableKey ?? null };
  }

  async setDefault(caller: Caller, tenantId: string, paymentMethodId: string): Promise<void> {
    tenantId = ownTenant(caller, tenantId);
    const stripe = stripeCall(this.deps.gateway);
    const customerId = await this.ownMethod(stripe, tenantId, paymentMethodId);
    await stripe((g) =>
      g.setDefaultPaymentMethod(customerId, paymentMethodId, `agentry-pm-default-${crypto.randomUUID()}`),
    );
  }

  /** Detaches a card; not the only one while a paid plan is live (its renewal would fail): 409. */
  async remove(caller: Caller, tenantId: string, paymentMethodId: string): Promise<void> {
    tenantId = ownTenant(caller, tenantId);
    const stripe = stripeCall(this.deps.gateway);
    const customerId = await this.ownMethod(stripe, tenantId, paymentMethodId);
    const subscription = await this.deps.repo.find(this.deps.database.db, tenantId);
    if (subscription && !hasEnded(subscription.status)) {
      const methods = await stripe((g) => g.listPaymentMethods(customerId));
      if (methods.length <= 1)
        throw new AppError('conflict', 'This is the only payment method of an active plan: add another one first.');
    }
    await stripe((g) => g.detachPaymentMethod(paymentMethodId, `agentry-pm-detach-${paymentMethodId}`));
  }

  /** The tenant's customer when the card is attached to it; 404 for anyone else's card or none. */
  private async ownMethod(stripe: StripeCall, tenantId: string, paymentMethodId: string): Promise<string> {
    const customerId = await this.deps.repo.findCustomer(this.deps.database.db, tenantId);
    const notFound = () => new AppError('not_found', 'No such payment method.');
    if (!customerId) throw notFound();
    let pm: Stripe.PaymentMethod;
    try {
      pm = await stripe((g) => g.retrievePaymentMethod(paymentMethodId));
    } catch (err) {
      if (err instanceof AppError && err.code === 'bad_gateway') throw notFound();
      throw err;
    }
    if (stripeIdOf(pm.customer ?? null) !== customerId) throw notFound();
    return customerId;
  }

  private async defaultOf(stripe: StripeCall, customerId: string): Promise<string | null> {
    const customer = await stripe((g) => g.retrieveCustomer(customerId));
    if ('deleted' in customer && customer.deleted) return null;
    return stripeIdOf((customer as Stripe.Customer).invoice_settings?.default_payment_method ?? null);
  }
}
