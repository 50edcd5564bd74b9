import crypto from 'node:crypto';
import { ownTenant, type Caller } from '../../platform/caller.js';
import type { Database } from '../../platform/db/client.js';
import { AppError } from '../../platform/errors.js';
import { stripeCall } from './billing-errors.js';
import type { PlanCatalog } from './plans.js';
import type { StripeGateway } from './stripe-gateway.js';
import { hasEnded, type SubscriptionsRepo } from './subscriptions.repo.js';
import type { SubscriptionsService } from './subscriptions.service.js';

/**
 * Stripe's hosted pages: Checkout (a new subscription) and the customer portal. Stripe sends the
 * customer back to a URL we give it, which must be one of the web app's own origins.
 */
export class HostedPagesService {
  constructor(
    private readonly deps: {
      database: Database;
      plans: PlanCatalog;
      repo: SubscriptionsRepo;
      subscriptions: SubscriptionsService;
      gateway: StripeGateway | undefined;
      publicWebUrl: string;
      /** Web origins (ALLOWED_ORIGINS): Stripe may only send a customer back to one of these or PUBLIC_WEB_URL. */
      allowedOrigins: readonly string[];
    },
  ) {}

  async checkoutSession(
    caller: Caller,
    tenantId: string,
    input: { plan_code?: string; success_url?: string; cancel_url?: string },
  ): Promise<{ url: string }> {
    tenantId = ownTenant(caller, tenantId);
    const stripe = stripeCall(this.deps.gateway);
    const existing = await this.deps.repo.find(this.deps.database.db, tenantId);
    if (existing?.stripeSubscriptionId && !hasEnded(existing.status))
      throw new AppError('subscription_exists', 'This tenant already has a subscription; use the customer portal.');
    const plan = await this.deps.plans.require(input.plan_code ?? 'pro');
    const successUrl = this.returnUrl(input.success_url, 'success_url') ?? this.billingPage('?checkout=success');
    const cancelUrl = this.returnUrl(input.cancel_url, 'cancel_url') ?? this.billingPage('?checkout=cancel');
    const customerId = await this.deps.subscriptions.ensureCustomer(stripe, tenantId, null);
    const session = await stripe((g) =>
      g.createCheckoutSession(
        {
          mode: 'subscription',
          customer: customerId,
          client_reference_id: tenantId,
          line_items: [{ price: this.deps.plans.requirePrice(plan), quantity: plan.seatsIncluded }],
          subscription_data: {
            metadata: { tenant_id: tenantId, plan_code: plan.code },
            ...(plan.trialDays > 0 ? { trial_period_days: plan.trialDays } : {}),
          },
          metadata: { tenant_id: tenantId, plan_code: plan.code },
          success_url: successUrl,
          cancel_url: cancelUrl,
        },
        `agentry-checkout-${crypto.randomUUID()}`,
      ),
    );
    if (!session.url) throw new AppError('bad_gateway', 'Stripe returned no Checkout URL.');
    return { url: session.url };
  }

  async portalSession(caller: Caller, tenantId: string, input: { return_url?: string }): Promise<{ url: string }> {
    tenantId = ownTenant(caller, tenantId);
    const stripe = stripeCall(this.deps.gateway);
    const returnUrl = this.returnUrl(input.return_url, 'return_url') ?? this.billingPage('');
    const customerId = await this.deps.subscriptions.ensureCustomer(stripe, tenantId, null);
    const session = await stripe((g) =>
      g.createPortalSession({ customerId, returnUrl, idempotencyKey: `agentry-portal-${crypto.randomUUID()}` }),
    );
    return { url: session.url };
  }

  private billingPage(search: string): string {
    return `${this.deps.publicWebUrl.replace(/\/$/, '')}/billing${search}`;
  }

  /**
   * A caller-given URL Stripe sends the customer back to: only on the web app's own origins, so a
   * Checkout or portal link cannot be turned into an open redirect to a look-alike site.
   */
  private returnUrl(url: string | undefined, path: string): string | undefined {
    if (url === undefined) return undefined;
    const allowed = new Set([new URL(this.deps.publicWebUrl).origin, ...this.deps.allowedOrigins]);
    let origin: string | undefined;
    try {
      origin = new URL(url).origin;
    } catch {}
    if (!origin || !allowed.has(origin))
      throw new AppError('validation_failed', "The URL must be on one of the web app's origins.", {
        errors: [{ path, message: 'not an allowed web origin' }],
      });
    return url;
  }
}
