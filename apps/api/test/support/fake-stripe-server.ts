/**
 * The local Stripe for the browser e2e run (apps/web/e2e/run-e2e.mjs): the `FakeStripe` test server
 * as a standalone process, with the two plans' products and prices created, Stripe's hosted pages
 * simulated and signed webhook deliveries to the API.
 *
 *   FAKE_STRIPE_WEBHOOK_URL=http://127.0.0.1:8400/webhooks/stripe FAKE_STRIPE_WEBHOOK_SECRET=whsec_e2e \
 *     node_modules/.bin/tsx apps/api/test/support/fake-stripe-server.ts
 *
 * Prints one JSON line on stdout, `{"url": …, "priceMap": {"starter": "price_…", "pro": "price_…"}}`,
 * then serves until SIGTERM. Besides the Stripe API (`/v1/…`), on the same origin:
 *
 * - `GET /checkout/<session id>`: hosted Checkout paid at once: completes the session, answers 303 to
 *   its `success_url` and, ~1.5 s later (the page is back and listening), delivers the signed
 *   `checkout.session.completed` event;
 * - `GET /portal/<session id>`: the customer portal, left at once: 303 to its `return_url`;
 * - control endpoints (loopback only, JSON bodies; `customer` may be given as `tenant`, the tenant id
 *   in the customer's metadata):
 *   `POST /__e2e/deliver {type, object_id}` delivers a signed event about an object held here;
 *   `POST /__e2e/invoice-paid {customer}` creates a paid invoice for the customer's subscription and
 *   delivers `invoice.paid`; `POST /__e2e/attach-card {customer, brand?, last4?}` attaches a card;
 *   `POST /__e2e/advance-schedule {schedule}` (or `{customer}`: its subscription's schedule) reaches
 *   the schedule's boundary and delivers `customer.subscription.updated`; `POST /__e2e/fail {status?}`
 *   makes every Stripe API call (`/v1/…`) answer `status` (500) until `POST /__e2e/heal` (an outage,
 *   for the cluster's fault tests). Each answers `{ok: true, …}` with the ids involved, or 4xx `{error}`.
 */
import type http from 'node:http';
import { FakeStripe, signWebhook } from './fake-stripe.js';

const PLANS = [
  { code: 'starter', name: 'Starter', unitAmount: 1900 },
  { code: 'pro', name: 'Pro', unitAmount: 9900 },
];
const CHECKOUT_EVENT_DELAY_MS = Number(process.env.FAKE_STRIPE_CHECKOUT_EVENT_DELAY_MS ?? 1500);

const webhookUrl = process.env.FAKE_STRIPE_WEBHOOK_URL;
const webhookSecret = process.env.FAKE_STRIPE_WEBHOOK_SECRET ?? 'whsec_e2e';
const log = (message: string) => process.stderr.write(`[fake-stripe ${new Date().toISOString()}] ${message}\n`);

const fake = await FakeStripe.start();

/** A Stripe API call to the fake itself, form-encoded as the SDK sends it. */
async function stripePost(path: string, form: Record<string, string>) {
  const res = await fetch(`${fake.url}/v1/${path}`, {
    method: 'POST',
    headers: { authorization: 'Bearer sk_test_e2e', 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(form),
  });
  if (!res.ok) throw new Error(`POST /v1/${path}: ${res.status} ${await res.text()}`);
  return (await res.json()) as { id: string };
}

const priceMap: Record<string, string> = {};
for (const plan of PLANS) {
  const product = await stripePost('products', { name: plan.name, 'metadata[plan_code]': plan.code });
  const price = await stripePost('prices', {
    product: product.id,
    currency: 'usd',
    unit_amount: String(plan.unitAmount),
    'recurring[interval]': 'month',
    'metadata[plan_code]': plan.code,
  });
  priceMap[plan.code] = price.id;
}

async function deliver(type: string, object: unknown) {
  const event = fake.event(type, object);
  if (!webhookUrl) {
    log(`no FAKE_STRIPE_WEBHOOK_URL: ${type} ${event.id} not delivered`);
    return event;
  }
  const payload = JSON.stringify(event);
  const res = await fetch(webhookUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'stripe-signature': signWebhook(payload, webhookSecret) },
    body: payload,
  });
  log(`delivered ${type} ${event.id}: ${res.status}`);
  if (!res.ok) throw new Error(`the webhook answered ${res.status} to ${type}`);
  return event;
}

/** Every object held, by id, for `/__e2e/deliver`. */
function findObject(id: string): unknown {
  for (const map of [
    fake.checkoutSessions,
    fake.subscriptions,
    fake.invoices,
    fake.customers,
    fake.schedules,
    fake.paymentMethods,
    fake.setupIntents,
    fake.products,
    fake.prices,
  ])
    if (map.has(id)) return map.get(id);
  return undefined;
}

function customerOf(body: Record<string, any>): string {
  if (typeof body.customer === 'string' && fake.customers.has(body.customer)) return body.customer;
  if (typeof body.tenant === 'string')
    for (const c of [...fake.customers.values()].reverse()) if (c.metadata?.tenant_id === body.tenant) return c.id;
  throw new ControlError(404, `no customer ${body.customer ?? `of tenant ${body.tenant}`}`);
}

/** The customer's newest subscription that has not ended. */
function subscriptionOf(customer: string) {
  const subs = [...fake.subscriptions.values()].filter((s) => s.customer === customer && s.status !== 'canceled');
  const sub = subs.at(-1);
  if (!sub) throw new ControlError(404, `customer ${customer} has no subscription`);
  return sub;
}

class ControlError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

const controls: Record<string, (body: Record<string, any>) => Promise<Record<string, unknown>>> = {
  async deliver(body) {
    const object = findObject(String(body.object_id ?? ''));
    if (!object) throw new ControlError(404, `no object ${body.object_id}`);
    if (typeof body.type !== 'string' || !body.type) throw new ControlError(422, 'type is required');
    const event = await deliver(body.type, object);
    return { event: event.id };
  },
  async 'invoice-paid'(body) {
    const customer = customerOf(body);
    const sub = subscriptionOf(customer);
    const item = sub.items.data[0];
    const invoice = fake.createInvoiceObject({
      customer,
      subscription: sub.id,
      status: 'paid',
      amount_due: item.price.unit_amount * item.quantity,
      period_start: item.current_period_start,
      period_end: item.current_period_end,
    });
    sub.latest_invoice = invoice.id;
    const event = await deliver('invoice.paid', invoice);
    return { invoice: invoice.id, event: event.id };
  },
  async 'attach-card'(body) {
    const customer = customerOf(body);
    const card = fake.attachCard(customer, {
      ...(body.brand ? { brand: String(body.brand) } : {}),
      ...(body.last4 ? { last4: String(body.last4) } : {}),
    });
    return { payment_method: card.id, customer };
  },
  async fail(body) {
    const status = Number(body.status ?? 500);
    if (!Number.isInteger(status) || status < 400 || status > 599) throw new ControlError(422, 'status is 4xx or 5xx');
    fake.failNext({ path: /^\/v1\//, times: Number.MAX_SAFE_INTEGER, status });
    return { failing: status };
  },
  async heal() {
    fake.clearFailures();
    return { failing: false };
  },
  async 'advance-schedule'(body) {
    const scheduleId = typeof body.schedule === 'string' ? body.schedule : subscriptionOf(customerOf(body)).schedule;
    if (!scheduleId || !fake.schedules.has(scheduleId)) throw new ControlError(404, `no schedule ${scheduleId}`);
    const { subscription } = fake.advanceSchedule(scheduleId);
    const event = await deliver('customer.subscription.updated', subscription);
    return { schedule: scheduleId, subscription: subscription.id, event: event.id };
  },
};

const isLoopback = (address: string | undefined) =>
  address === '127.0.0.1' || address === '::1' || address === '::ffff:127.0.0.1';

fake.extraRoutes = async (req: http.IncomingMessage, res: http.ServerResponse, bodyText: string) => {
  const url = new URL(req.url ?? '/', 'http://fake');
  const json = (status: number, body: unknown) => {
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
    return true;
  };
  const checkout = /^\/checkout\/([\w-]+)$/.exec(url.pathname);
  if (checkout && req.method === 'GET') {
    const session = fake.checkoutSessions.get(checkout[1]);
    if (!session) return json(404, { error: 'no such checkout session' });
    if (session.status === 'open') {
      const { session: completed } = fake.completeCheckout(session.id);
      setTimeout(() => {
        deliver('checkout.session.completed', completed).catch((err) => log(String(err)));
      }, CHECKOUT_EVENT_DELAY_MS);
    }
    res.writeHead(303, { location: session.success_url });
    res.end();
    return true;
  }
  const portal = /^\/portal\/([\w-]+)$/.exec(url.pathname);
  if (portal && req.method === 'GET') {
    const session = fake.portalSessions.get(portal[1]);
    if (!session) return json(404, { error: 'no such portal session' });
    res.writeHead(303, { location: session.return_url ?? '/' });
    res.end();
    return true;
  }
  const control = /^\/__e2e\/([\w-]+)$/.exec(url.pathname);
  if (!control) return false;
  if (!isLoopback(req.socket.remoteAddress)) return json(403, { error: 'loopback only' });
  const handler = Object.hasOwn(controls, control[1]) ? controls[control[1]] : undefined;
  if (!handler || req.method !== 'POST') return json(404, { error: `no control ${req.method} ${url.pathname}` });
  try {
    const body = bodyText ? JSON.parse(bodyText) : {};
    json(200, { ok: true, ...(await handler(body && typeof body === 'object' ? body : {})) });
  } catch (err) {
    if (err instanceof ControlError) json(err.status, { error: err.message });
    else if (err instanceof SyntaxError) json(400, { error: 'the body is not JSON' });
    else json(500, { error: String(err) });
  }
  return true;
};

process.stdout.write(`${JSON.stringify({ url: fake.url, priceMap })}\n`);
log(`listening on ${fake.url}`);

const stop = () => {
  void fake.stop().then(() => process.exit(0));
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
