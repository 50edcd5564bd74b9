import { createRequire } from 'node:module';
import type Stripe from 'stripe';
import type { Logger } from 'pino';
import { LATENCY_BUCKETS, type Metrics } from '../../platform/metrics.js';

// The Stripe SDK (its CommonJS build) is loaded when a gateway is made — billing on — not at import:
// most starts (billing off, or the web process of a test) never pay for it.
const require = createRequire(import.meta.url);
const stripeSdk = () => require('stripe') as typeof Stripe;

/** What went wrong talking to Stripe, in domain terms (callers never see SDK error classes). */
export type StripeFailureKind = 'not_found' | 'rejected' | 'unavailable' | 'misconfigured';

/** A failed Stripe call. `transient` failures may succeed later (the job queue retries them). */
export class StripeGatewayError extends Error {
  override name = 'StripeGatewayError';
  constructor(
    readonly operation: string,
    readonly kind: StripeFailureKind,
    readonly stripeCode: string | undefined,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(`stripe ${operation} failed (${kind}${stripeCode ? `/${stripeCode}` : ''}): ${message}`, options);
  }
  get transient(): boolean {
    return this.kind === 'unavailable';
  }
}

/** The id of an expandable Stripe field, which holds either the id or the expanded object. */
export function stripeIdOf(field: string | { id: string } | null | undefined): string | null {
  return typeof field === 'string' ? field : (field?.id ?? null);
}

export interface StripeGatewayOptions {
  secretKey: string;
  /** A Stripe-compatible server (stripe-mock, the test server): becomes the SDK's host/port/protocol. */
  apiBaseUrl?: string;
  metrics: Metrics;
  logger: Logger;
  /** SDK retries: connection errors, 409 and 5xx (or `Stripe-Should-Retry: true`) only. */
  maxNetworkRetries?: number;
  timeoutMs?: number;
}

/** SDK options derived from `STRIPE_API_BASE_URL`. */
export function sdkAddress(apiBaseUrl: string | undefined): {
  host?: string;
  port?: number;
  protocol?: 'http' | 'https';
} {
  if (!apiBaseUrl) return {};
  const url = new URL(apiBaseUrl);
  const protocol = url.protocol === 'http:' ? 'http' : 'https';
  return { host: url.hostname, port: url.port ? Number(url.port) : protocol === 'http' ? 80 : 443, protocol };
}

/**
 * The only code that talks to Stripe. Every create carries an idempotency key chosen by the caller
 * (derived from our own ids, so a retried request cannot create twice); every call is counted in
 * `stripe_api_requests_total{operation,result}` and timed in `stripe_api_request_duration_seconds`.
 */
export class StripeGateway {
  readonly client: Stripe;
  private readonly requests;
  private readonly latency;

  constructor(private readonly options: StripeGatewayOptions) {
    this.client = new (stripeSdk())(options.secretKey, {
      ...sdkAddress(options.apiBaseUrl),
      maxNetworkRetries: options.maxNetworkRetries ?? 2,
      timeout: options.timeoutMs ?? 20_000,
      telemetry: false,
      appInfo: { name: 'agentry' },
    });
    this.requests = options.metrics.counter('stripe_api_requests_total', 'Stripe API calls by operation and result', [
      'operation',
      'result',
    ]);
    this.latency = options.metrics.histogram(
      'stripe_api_request_duration_seconds',
      'Stripe API call latency (including SDK retries)',
      ['operation'],
      LATENCY_BUCKETS,
    );
  }

  private async call<T>(operation: string, fn: () => Promise<T>): Promise<T> {
    const end = this.latency.startTimer({ operation });
    try {
      const out = await fn();
      this.requests.inc({ operation, result: 'ok' });
      return out;
    } catch (err) {
      const failure = classify(operation, err);
      this.requests.inc({ operation, result: failure.kind });
      this.options.logger.warn(
        { event: 'stripe.request_failed', operation, kind: failure.kind, stripe_code: failure.stripeCode },
        'stripe call failed',
      );
      throw failure;
    } finally {
      end();
    }
  }

  createCustomer(input: { tenantId: string; email?: string | null; idempotencyKey: string }) {
    return this.call('customers.create', () =>
      this.client.customers.create(
        { email: input.email ?? undefined, metadata: { tenant_id: input.tenantId } },
        { idempotencyKey: input.idempotencyKey },
      ),
    );
  }

  updateCustomerEmail(customerId: string, email: string, idempotencyKey: string) {
    return this.call('customers.update', () => this.client.customers.update(customerId, { email }, { idempotencyKey }));
  }

  createSubscription(input: {
    customerId: string;
    priceId: string;
    quantity: number;
    trialDays: number;
    metadata: Record<string, string>;
    idempotencyKey: string;
  }) {
    return this.call('subscriptions.create', () =>
      this.client.subscriptions.create(
        {
          customer: input.customerId,
          items: [{ price: input.priceId, quantity: input.quantity }],
          ...(input.trialDays > 0 ? { trial_period_days: input.trialDays } : {}),
          payment_behavior: 'default_incomplete',
          metadata: input.metadata,
        },
        { idempotencyKey: input.idempotencyKey },
      ),
    );
  }

  retrieveSubscription(id: string) {
    return this.call('subscriptions.retrieve', () => this.client.subscriptions.retrieve(id));
  }

  updateSubscription(id: string, params: Stripe.SubscriptionUpdateParams, idempotencyKey: string) {
    return this.call('subscriptions.update', () => this.client.subscriptions.update(id, params, { idempotencyKey }));
  }

  cancelSubscriptionNow(id: string, idempotencyKey: string) {
    return this.call('subscriptions.cancel', () => this.client.subscriptions.cancel(id, {}, { idempotencyKey }));
  }

  /** A schedule that takes over the subscription as it is now (its first phase is the current one). */
  createScheduleFromSubscription(subscriptionId: string, idempotencyKey: string) {
    return this.call('subscription_schedules.create', () =>
      this.client.subscriptionSchedules.create({ from_subscription: subscriptionId }, { idempotencyKey }),
    );
  }

  updateSchedule(id: string, params: Stripe.SubscriptionScheduleUpdateParams, idempotencyKey: string) {
    return this.call('subscription_schedules.update', () =>
      this.client.subscriptionSchedules.update(id, params, { idempotencyKey }),
    );
  }

  retrieveSchedule(id: string) {
    return this.call('subscription_schedules.retrieve', () => this.client.subscriptionSchedules.retrieve(id));
  }

  /** Detaches the schedule: the subscription stays as it is now, the pending phase never applies. */
  releaseSchedule(id: string, idempotencyKey: string) {
    return this.call('subscription_schedules.release', () =>
      this.client.subscriptionSchedules.release(id, {}, { idempotencyKey }),
    );
  }

  retrieveCustomer(id: string) {
    return this.call('customers.retrieve', () => this.client.customers.retrieve(id));
  }

  setDefaultPaymentMethod(customerId: string, paymentMethodId: string, idempotencyKey: string) {
    return this.call('customers.update', () =>
      this.client.customers.update(
        customerId,
        { invoice_settings: { default_payment_method: paymentMethodId } },
        { idempotencyKey },
      ),
    );
  }

  /** The customer's cards (auto-paginated; a customer has a handful). */
  listPaymentMethods(customerId: string) {
    return this.call('payment_methods.list', () =>
      this.client.paymentMethods
        .list({ customer: customerId, type: 'card', limit: 100 })
        .autoPagingToArray({ limit: 1000 }),
    );
  }

  retrievePaymentMethod(id: string) {
    return this.call('payment_methods.retrieve', () => this.client.paymentMethods.retrieve(id));
  }

  detachPaymentMethod(id: string, idempotencyKey: string) {
    return this.call('payment_methods.detach', () => this.client.paymentMethods.detach(id, {}, { idempotencyKey }));
  }

  /** A SetupIntent for collecting a card with Stripe Elements, to be charged later off-session. */
  createSetupIntent(customerId: string, idempotencyKey: string) {
    return this.call('setup_intents.create', () =>
      this.client.setupIntents.create({ customer: customerId, usage: 'off_session' }, { idempotencyKey }),
    );
  }

  /** The next invoice of a subscription as Stripe would issue it now (prorations and schedules included). */
  previewInvoice(customerId: string, subscriptionId: string) {
    return this.call('invoices.create_preview', () =>
      this.client.invoices.createPreview({ customer: customerId, subscription: subscriptionId }),
    );
  }

  createCheckoutSession(params: Stripe.Checkout.SessionCreateParams, idempotencyKey: string) {
    return this.call('checkout.sessions.create', () =>
      this.client.checkout.sessions.create(params, { idempotencyKey }),
    );
  }

  retrieveCheckoutSession(id: string) {
    return this.call('checkout.sessions.retrieve', () => this.client.checkout.sessions.retrieve(id));
  }

  createPortalSession(input: { customerId: string; returnUrl: string; idempotencyKey: string }) {
    return this.call('billing_portal.sessions.create', () =>
      this.client.billingPortal.sessions.create(
        { customer: input.customerId, return_url: input.returnUrl },
        { idempotencyKey: input.idempotencyKey },
      ),
    );
  }

  retrieveInvoice(id: string) {
    return this.call('invoices.retrieve', () => this.client.invoices.retrieve(id));
  }

  /** Every active product (auto-paginated): `stripe setup` finds its own by `metadata.plan_code`. */
  listProducts() {
    return this.call('products.list', () =>
      this.client.products.list({ active: true, limit: 100 }).autoPagingToArray({ limit: 10_000 }),
    );
  }

  createProduct(params: Stripe.ProductCreateParams, idempotencyKey: string) {
    return this.call('products.create', () => this.client.products.create(params, { idempotencyKey }));
  }

  listPrices(productId: string) {
    return this.call('prices.list', () =>
      this.client.prices.list({ product: productId, active: true, limit: 100 }).autoPagingToArray({ limit: 10_000 }),
    );
  }

  createPrice(params: Stripe.PriceCreateParams, idempotencyKey: string) {
    return this.call('prices.create', () => this.client.prices.create(params, { idempotencyKey }));
  }

  /** Every billing meter (auto-paginated): `stripe setup` finds its own by `event_name`. */
  listMeters() {
    return this.call('billing.meters.list', () =>
      this.client.billing.meters.list({ limit: 100 }).autoPagingToArray({ limit: 10_000 }),
    );
  }

  createMeter(params: Stripe.Billing.MeterCreateParams, idempotencyKey: string) {
    return this.call('billing.meters.create', () => this.client.billing.meters.create(params, { idempotencyKey }));
  }

  /** Stripe de-duplicates meter events by `identifier` too; we pass the usage record id for both. */
  createMeterEvent(input: {
    eventName: string;
    customerId: string;
    value: number;
    identifier: string;
    timestamp: Date;
  }) {
    return this.call('billing.meter_events.create', () =>
      this.client.billing.meterEvents.create(
        {
          event_name: input.eventName,
          identifier: input.identifier,
          timestamp: Math.floor(input.timestamp.getTime() / 1000),
          payload: { stripe_customer_id: input.customerId, value: String(input.value) },
        },
        { idempotencyKey: `meter:${input.identifier}` },
      ),
    );
  }
}

function classify(operation: string, err: unknown): StripeGatewayError {
  const e = err as { type?: string; code?: string; statusCode?: number; message?: string };
  const message = e?.message ?? String(err);
  switch (e?.type) {
    case 'StripeConnectionError':
    case 'StripeAPIError':
    case 'StripeRateLimitError':
      return new StripeGatewayError(operation, 'unavailable', e.code, message, { cause: err });
    case 'StripeAuthenticationError':
    case 'StripePermissionError':
      return new StripeGatewayError(operation, 'misconfigured', e.code, message, { cause: err });
    case 'StripeInvalidRequestError':
      return new StripeGatewayError(
        operation,
        e.code === 'resource_missing' || e.statusCode === 404 ? 'not_found' : 'rejected',
        e.code,
        message,
        { cause: err },
      );
    case 'StripeCardError':
    case 'StripeIdempotencyError':
      return new StripeGatewayError(operation, 'rejected', e.code, message, { cause: err });
    default:
      if (typeof e?.statusCode === 'number' && e.statusCode >= 500)
        return new StripeGatewayError(operation, 'unavailable', e.code, message, { cause: err });
      return new StripeGatewayError(operation, 'unavailable', undefined, message, { cause: err });
  }
}

export type { Stripe };
