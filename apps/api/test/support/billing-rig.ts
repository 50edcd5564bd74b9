import crypto from 'node:crypto';
import { FakeStripe, signWebhook } from './fake-stripe.js';
import { createTestApp, type TestApp } from '../harness.js';
import { createBillingModule, type BillingModule } from '../../src/modules/billing/billing.module.js';
import { seatCounter } from '../../src/modules/tenants/tenants.module.js';
import { setupStripeCatalog } from '../../src/modules/billing/stripe-setup.js';
import { SubscriptionsRepo } from '../../src/modules/billing/subscriptions.repo.js';
import type { PlatformContext } from '../../src/platform/context.js';
import { Metrics } from '../../src/platform/metrics.js';
import { SseRegistry } from '../../src/platform/sse.js';
import { createAuditLog } from '../../src/modules/audit/audit.module.js';
import { createSecretBox } from '../../src/platform/secret-box.js';

export const WEBHOOK_SECRET = 'whsec_test_agentry_billing_secret';
export const SECRET_KEY = 'sk_test_agentry0123456789abcdef';

/** The environment of an app with billing on, pointed at `fake`. */
export function billingEnv(fake: FakeStripe, extra: Record<string, string> = {}): Record<string, string> {
  return {
    ENABLE_BILLING: 'true',
    STRIPE_SECRET_KEY: SECRET_KEY,
    STRIPE_WEBHOOK_SECRET: WEBHOOK_SECRET,
    STRIPE_API_BASE_URL: fake.url,
    STRIPE_EVENT_BACKOFF_MS: '20',
    STRIPE_EVENT_MAX_ATTEMPTS: '3',
    STRIPE_MAX_NETWORK_RETRIES: '1',
    ...extra,
  };
}

/**
 * A billing test rig: the whole app with billing on against the fake Stripe server, the catalog
 * set up in it (as `agentry stripe setup` does), and a second billing module on the same storage
 * for direct service access (no workers: the app's own are the ones running).
 */
export async function startBillingRig(extra: Record<string, string> = {}) {
  const fake = await FakeStripe.start();
  const test = await createTestApp(billingEnv(fake, extra));
  const billing = moduleFor(test, { registerWorkers: false });
  await setupStripeCatalog({ plans: billing.plans, gateway: billing.gateway!, dryRun: false, progress: () => {} });
  const repo = new SubscriptionsRepo();
  const db = test.database.db;
  return {
    fake,
    test,
    app: test.app,
    billing,
    /** What the tables hold for a tenant (read directly, as an assertion should). */
    subscriptionOf: (tenantId: string) => repo.find(db, tenantId),
    invoicesOf: (tenantId: string) => repo.listInvoices(db, tenantId),
    customerOf: (tenantId: string) => repo.findCustomer(db, tenantId),
    saveCustomer: (tenantId: string, customerId: string) => repo.saveCustomer(db, tenantId, customerId),
    async close() {
      await test.close();
      await fake.stop();
    },
  };
}

export function moduleFor(test: TestApp, options: { registerWorkers?: boolean } = {}): BillingModule {
  const ctx: PlatformContext = {
    config: test.config,
    database: test.database,
    ports: test.ports,
    metrics: new Metrics(),
    logger: test.app.log as PlatformContext['logger'],
    sse: new SseRegistry(),
    audit: createAuditLog(test.database, test.app.log as PlatformContext['logger']),
    secrets: createSecretBox(test.config.secrets),
    onShutdown: () => {},
  };
  return createBillingModule(ctx, { ...options, seatsInUse: seatCounter(test.database) });
}

/** POSTs a Stripe event (an object, or raw JSON text as given) to the webhook endpoint, signed like Stripe signs it. */
export async function deliver(
  app: TestApp['app'],
  event: unknown,
  options: { secret?: string; timestamp?: number; signature?: string | null } = {},
) {
  const payload = typeof event === 'string' ? event : JSON.stringify(event);
  const signature =
    options.signature === undefined
      ? signWebhook(payload, options.secret ?? WEBHOOK_SECRET, options.timestamp)
      : options.signature;
  return app.inject({
    method: 'POST',
    url: '/webhooks/stripe',
    headers: { 'content-type': 'application/json', ...(signature === null ? {} : { 'stripe-signature': signature }) },
    payload,
  });
}

/** Polls until `check` returns a value (jobs run asynchronously). */
export async function eventually<T>(check: () => Promise<T | undefined | null | false>, timeoutMs = 5000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}

export const newTenantId = () => crypto.randomUUID();
