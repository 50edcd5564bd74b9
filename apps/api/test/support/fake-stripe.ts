import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import { fileURLToPath } from 'node:url';
import Stripe from 'stripe';

/**
 * A local Stripe-compatible HTTP server implementing the few endpoints Agentry uses, so tests run
 * the official SDK's real HTTP code (form encoding, idempotency keys, retries, error classes).
 * Objects are built from Stripe's own examples (`test/fixtures/stripe/fixtures3.json`, MIT) with
 * the ids, customer, status and timestamps each request implies.
 *
 * Test controls: `failNext` injects failures, `requests` records every call, `setSubscription`
 * changes an object "in Stripe" (as the dashboard would), `event` + `signWebhook` build signed
 * webhook deliveries.
 */

const FIXTURES_PATH = fileURLToPath(new URL('../fixtures/stripe/fixtures3.json', import.meta.url));
let fixtureCache: Record<string, any> | undefined;
function fixture(type: string): any {
  fixtureCache ??= JSON.parse(fs.readFileSync(FIXTURES_PATH, 'utf8')).resources;
  const value = fixtureCache![type];
  if (!value) throw new Error(`no fixture for ${type}`);
  return structuredClone(value);
}

export interface RecordedRequest {
  method: string;
  path: string;
  params: Record<string, any>;
  idempotencyKey: string | undefined;
}

interface Failure {
  method?: string;
  path: RegExp;
  remaining: number;
  status: number;
  shouldRetry?: boolean;
}

class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly body: unknown,
  ) {
    super('http error');
  }
}

const now = () => Math.floor(Date.now() / 1000);
const newId = (prefix: string) => `${prefix}_${crypto.randomBytes(12).toString('base64url').replace(/[-_]/g, 'x')}`;
const DAY = 86_400;

/** Parses Stripe's form encoding (`items[0][price]=x&metadata[k]=v`) into nested objects and arrays. */
export function parseStripeForm(body: string): Record<string, any> {
  const out: Record<string, any> = {};
  for (const [rawKey, value] of new URLSearchParams(body)) {
    const parts = rawKey.replace(/\]/g, '').split('[');
    let node: any = out;
    parts.forEach((part, i) => {
      const last = i === parts.length - 1;
      const nextIsIndex = !last && /^\d+$/.test(parts[i + 1]);
      if (last) node[part] = value;
      else node = node[part] ??= nextIsIndex ? [] : {};
    });
  }
  return out;
}

const bool = (v: unknown) => v === true || v === 'true';

export class FakeStripe {
  readonly requests: RecordedRequest[] = [];
  readonly customers = new Map<string, any>();
  readonly products = new Map<string, any>();
  readonly prices = new Map<string, any>();
  readonly subscriptions = new Map<string, any>();
  readonly checkoutSessions = new Map<string, any>();
  readonly portalSessions = new Map<string, any>();
  readonly invoices = new Map<string, any>();
  readonly meterEvents = new Map<string, any>();
  readonly schedules = new Map<string, any>();
  readonly paymentMethods = new Map<string, any>();
  readonly setupIntents = new Map<string, any>();
  readonly meters = new Map<string, any>();
  private readonly idempotent = new Map<string, { params: string; status: number; body: string }>();
  private readonly failures: Failure[] = [];
  private server?: http.Server;
  url = '';
  /**
   * Extra routes tried before the Stripe API (no API key needed), e.g. the e2e server's hosted
   * Checkout and control endpoints; answers true when it handled the request.
   */
  extraRoutes?: (req: http.IncomingMessage, res: http.ServerResponse, body: string) => boolean | Promise<boolean>;

  static async start(): Promise<FakeStripe> {
    const fake = new FakeStripe();
    await fake.listen();
    return fake;
  }

  private async listen() {
    for (let attempt = 0; ; attempt++) {
      const port = 20000 + crypto.randomInt(10000);
      const server = http.createServer((req, res) => void this.handle(req, res));
      try {
        await new Promise<void>((resolve, reject) => {
          server.once('error', reject);
          server.listen(port, '127.0.0.1', () => resolve());
        });
        this.server = server;
        this.url = `http://127.0.0.1:${port}`;
        return;
      } catch (err) {
        if (attempt > 20) throw err;
      }
    }
  }

  async stop() {
    await new Promise<void>((resolve) => {
      this.server?.closeAllConnections();
      this.server?.close(() => resolve());
    });
  }

  /** The next `times` requests matching `path` (and `method`) answer `status` instead. */
  failNext(match: { method?: string; path: RegExp | string; times?: number; status?: number; shouldRetry?: boolean }) {
    this.failures.push({
      method: match.method,
      path:
        typeof match.path === 'string'
          ? new RegExp(`^${match.path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`)
          : match.path,
      remaining: match.times ?? 1,
      status: match.status ?? 500,
      shouldRetry: match.shouldRetry,
    });
  }

  /** Forgets every object and idempotency key: a brand-new, empty Stripe account. */
  reset() {
    for (const map of [
      this.customers,
      this.products,
      this.prices,
      this.subscriptions,
      this.checkoutSessions,
      this.portalSessions,
      this.invoices,
      this.meterEvents,
      this.schedules,
      this.paymentMethods,
      this.setupIntents,
      this.meters,
    ])
      map.clear();
    this.idempotent.clear();
    this.failures.length = 0;
  }

  /** Drops every pending injected failure. */
  clearFailures() {
    this.failures.length = 0;
  }

  requestsTo(method: string, path: RegExp | string) {
    return this.requests.filter(
      (r) => r.method === method && (typeof path === 'string' ? r.path === path : path.test(r.path)),
    );
  }

  // ── objects ────────────────────────────────────────────────────────────────────────────────

  createCustomer(params: Record<string, any>) {
    const c = {
      ...fixture('customer'),
      id: newId('cus'),
      created: now(),
      email: params.email ?? null,
      name: params.name ?? null,
      metadata: params.metadata ?? {},
      discount: null,
    };
    this.customers.set(c.id, c);
    return c;
  }

  createSubscriptionObject(params: {
    customer: string;
    items: { price: string; quantity?: string | number }[];
    trial_period_days?: string | number;
    metadata?: Record<string, string>;
  }) {
    const base = fixture('subscription');
    const id = newId('sub');
    const created = now();
    const trialDays = Number(params.trial_period_days ?? 0);
    const trialEnd = trialDays > 0 ? created + trialDays * DAY : null;
    const periodEnd = trialEnd ?? created + 30 * DAY;
    const items = params.items.map((item) =>
      this.subscriptionItem(id, item.price, Number(item.quantity ?? 1), created, periodEnd),
    );
    const sub = {
      ...base,
      id,
      customer: params.customer,
      created,
      start_date: created,
      billing_cycle_anchor: periodEnd,
      status: trialEnd ? 'trialing' : 'incomplete',
      trial_start: trialEnd ? created : null,
      trial_end: trialEnd,
      cancel_at: null,
      cancel_at_period_end: false,
      canceled_at: null,
      ended_at: null,
      metadata: params.metadata ?? {},
      latest_invoice: null,
      next_pending_invoice_item_invoice: null,
      items: { ...base.items, data: items, url: `/v1/subscription_items?subscription=${id}` },
    };
    this.subscriptions.set(id, sub);
    return sub;
  }

  private subscriptionItem(subscriptionId: string, priceId: string, quantity: number, start: number, end: number) {
    const price = this.prices.get(priceId);
    if (!price)
      throw new HttpError(
        400,
        stripeError('invalid_request_error', 'resource_missing', `No such price: '${priceId}'`, 'items[0][price]'),
      );
    return {
      ...fixture('subscription_item'),
      id: newId('si'),
      subscription: subscriptionId,
      price,
      quantity,
      created: start,
      current_period_start: start,
      current_period_end: end,
      plan: undefined,
    };
  }

  /** Changes a subscription "in Stripe" (what a dashboard edit or the billing clock would do). */
  setSubscription(id: string, patch: Record<string, any>) {
    const sub = this.subscriptions.get(id);
    if (!sub) throw new Error(`no subscription ${id}`);
    Object.assign(sub, patch);
    return sub;
  }

  createInvoiceObject(params: {
    customer: string;
    subscription?: string | null;
    status?: string;
    amount_due?: number;
    period_start?: number;
    period_end?: number;
  }) {
    const base = fixture('invoice');
    const id = newId('in');
    const invoice = {
      ...base,
      id,
      customer: params.customer,
      status: params.status ?? 'open',
      amount_due: params.amount_due ?? 2000,
      amount_paid: params.status === 'paid' ? (params.amount_due ?? 2000) : 0,
      amount_remaining: params.status === 'paid' ? 0 : (params.amount_due ?? 2000),
      currency: 'usd',
      created: now(),
      hosted_invoice_url: `${this.url}/invoices/${id}`,
      period_start: params.period_start ?? now() - 30 * DAY,
      period_end: params.period_end ?? now(),
      parent: params.subscription
        ? {
            type: 'subscription_details',
            quote_details: null,
            subscription_details: { metadata: {}, subscription: params.subscription },
          }
        : null,
      lines: { ...base.lines, data: [], url: `/v1/invoices/${id}/lines` },
    };
    this.invoices.set(id, invoice);
    return invoice;
  }

  /** Completes a Checkout Session as the customer paying would: a subscription is created for it. */
  completeCheckout(sessionId: string) {
    const session = this.checkoutSessions.get(sessionId);
    if (!session) throw new Error(`no session ${sessionId}`);
    const sub = this.createSubscriptionObject({
      customer: session.customer,
      items: session._line_items,
      trial_period_days: session._trial_days,
      metadata: session._subscription_metadata,
    });
    Object.assign(sub, { status: sub.trial_end ? 'trialing' : 'active' });
    Object.assign(session, { status: 'complete', payment_status: 'paid', subscription: sub.id });
    return { session, subscription: sub };
  }

  /** A card attached to `customer`, as confirming a SetupIntent with Stripe Elements would leave it. */
  attachCard(customer: string, card: { brand?: string; last4?: string; exp_month?: number; exp_year?: number } = {}) {
    const base = fixture('payment_method');
    return this.put(this.paymentMethods, {
      ...base,
      id: newId('pm'),
      created: now(),
      customer,
      type: 'card',
      card: { ...base.card, brand: 'visa', last4: '4242', exp_month: 8, exp_year: 2030, ...card },
    });
  }

  /**
   * The billing clock reaching a schedule's phase boundary: the subscription takes the last phase's
   * items and, with `end_behavior: release`, is released from the schedule (as Stripe does).
   */
  advanceSchedule(scheduleId: string) {
    const schedule = this.schedules.get(scheduleId);
    if (!schedule) throw new Error(`no schedule ${scheduleId}`);
    const sub = this.subscriptions.get(schedule.subscription);
    const phase = schedule.phases.at(-1);
    this.updateSubscription(sub, {
      items: phase.items.map((item: any) => ({ id: sub.items.data[0].id, price: item.price, quantity: item.quantity })),
      ...(phase.metadata ? { metadata: phase.metadata } : {}),
    });
    Object.assign(sub, { schedule: null });
    Object.assign(schedule, {
      status: 'released',
      released_at: now(),
      released_subscription: sub.id,
      subscription: null,
    });
    return { schedule, subscription: sub };
  }

  /** A Stripe event (`object: "event"`) wrapping `object`, as Stripe would deliver it. */
  event(
    type: string,
    object: unknown,
    options: { id?: string; created?: number; previousAttributes?: Record<string, unknown> } = {},
  ) {
    return {
      ...fixture('event'),
      id: options.id ?? newId('evt'),
      type,
      created: options.created ?? now(),
      api_version: Stripe.API_VERSION,
      data: {
        object: structuredClone(object),
        ...(options.previousAttributes ? { previous_attributes: options.previousAttributes } : {}),
      },
      request: { id: null, idempotency_key: null },
    };
  }

  // ── HTTP ───────────────────────────────────────────────────────────────────────────────────

  private async handle(req: http.IncomingMessage, res: http.ServerResponse) {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const url = new URL(req.url ?? '/', 'http://fake');
    const method = req.method ?? 'GET';
    const path = url.pathname;
    const bodyText = Buffer.concat(chunks).toString('utf8');
    const params =
      method === 'GET' || method === 'DELETE' ? parseStripeForm(url.search.slice(1)) : parseStripeForm(bodyText);
    if (this.extraRoutes && (await this.extraRoutes(req, res, bodyText))) return;
    const idempotencyKey = req.headers['idempotency-key'] as string | undefined;
    this.requests.push({ method, path, params, idempotencyKey });

    const send = (status: number, body: unknown, headers: Record<string, string> = {}) => {
      const text = JSON.stringify(body);
      res.writeHead(status, { 'content-type': 'application/json', 'request-id': newId('req'), ...headers });
      res.end(text);
      return { status, text };
    };

    if (!/^Bearer sk_(test|live)_\w+/.test(req.headers.authorization ?? '')) {
      send(401, stripeError('invalid_request_error', undefined, 'Invalid API Key provided'));
      return;
    }
    const failure = this.failures.find(
      (f) => f.remaining > 0 && (!f.method || f.method === method) && f.path.test(path),
    );
    if (failure) {
      failure.remaining--;
      send(
        failure.status,
        stripeError(failure.status >= 500 ? 'api_error' : 'invalid_request_error', undefined, 'Injected failure'),
        failure.shouldRetry === undefined ? {} : { 'stripe-should-retry': String(failure.shouldRetry) },
      );
      return;
    }
    const cacheKey = idempotencyKey && method === 'POST' ? `${path} ${idempotencyKey}` : undefined;
    if (cacheKey) {
      const seen = this.idempotent.get(cacheKey);
      if (seen) {
        if (seen.params !== bodyText)
          send(
            400,
            stripeError(
              'idempotency_error',
              undefined,
              'Keys for idempotent requests can only be used with the same parameters they were first used with.',
            ),
          );
        else {
          res.writeHead(seen.status, { 'content-type': 'application/json', 'idempotent-replayed': 'true' });
          res.end(seen.body);
        }
        return;
      }
    }
    let out: { status: number; text: string };
    try {
      out = send(200, this.route(method, path, params));
    } catch (err) {
      out =
        err instanceof HttpError
          ? send(err.status, err.body)
          : send(500, stripeError('api_error', undefined, String(err)));
    }
    if (cacheKey) this.idempotent.set(cacheKey, { params: bodyText, status: out.status, body: out.text });
  }

  private route(method: string, path: string, p: Record<string, any>): unknown {
    const [, v1, a, b, c] = path.split('/');
    if (v1 !== 'v1') throw notFound(path);
    const key = `${method} ${a}${b ? '/:id' : ''}`;
    switch (`${method} ${[a, b, c].filter(Boolean).join('/')}`) {
      case 'POST customers':
        return this.createCustomer(p);
      case 'POST products':
        return this.put(this.products, {
          ...fixture('product'),
          id: newId('prod'),
          created: now(),
          updated: now(),
          name: p.name,
          description: p.description ?? null,
          metadata: p.metadata ?? {},
          default_price: null,
          package_dimensions: null,
          type: 'service',
        });
      case 'GET products':
        return this.list(
          '/v1/products',
          [...this.products.values()].filter((x) => p.active === undefined || x.active === bool(p.active)),
          p,
        );
      case 'POST prices':
        return this.put(this.prices, {
          ...fixture('price'),
          id: newId('price'),
          created: now(),
          product: p.product,
          currency: p.currency,
          unit_amount: Number(p.unit_amount),
          unit_amount_decimal: String(p.unit_amount),
          lookup_key: p.lookup_key ?? null,
          metadata: p.metadata ?? {},
          recurring: {
            interval: p.recurring?.interval ?? 'month',
            interval_count: 1,
            meter: null,
            usage_type: 'licensed',
            trial_period_days: null,
          },
          transform_quantity: null,
          custom_unit_amount: null,
        });
      case 'GET prices':
        return this.list(
          '/v1/prices',
          [...this.prices.values()].filter(
            (x) => (!p.product || x.product === p.product) && (p.active === undefined || x.active === bool(p.active)),
          ),
          p,
        );
      case 'POST subscriptions': {
        if (!this.customers.has(p.customer))
          throw new HttpError(
            400,
            stripeError('invalid_request_error', 'resource_missing', `No such customer: '${p.customer}'`, 'customer'),
          );
        return this.createSubscriptionObject(p as any);
      }
      case 'POST checkout/sessions': {
        const s = {
          ...fixture('checkout.session'),
          id: `cs_test_${crypto.randomBytes(24).toString('hex')}`,
          created: now(),
          expires_at: now() + DAY,
          mode: p.mode,
          customer: p.customer ?? null,
          client_reference_id: p.client_reference_id ?? null,
          metadata: p.metadata ?? {},
          success_url: p.success_url,
          cancel_url: p.cancel_url ?? null,
          status: 'open',
          payment_status: 'unpaid',
          payment_intent: null,
          subscription: null,
        };
        s.url = `${this.url}/checkout/${s.id}`;
        Object.defineProperties(s, {
          _line_items: { value: p.line_items ?? [], enumerable: false },
          _trial_days: { value: p.subscription_data?.trial_period_days, enumerable: false },
          _subscription_metadata: { value: p.subscription_data?.metadata ?? {}, enumerable: false },
        });
        return this.put(this.checkoutSessions, s);
      }
      case 'POST billing_portal/sessions': {
        if (!this.customers.has(p.customer))
          throw new HttpError(
            400,
            stripeError('invalid_request_error', 'resource_missing', `No such customer: '${p.customer}'`, 'customer'),
          );
        const id = newId('bps');
        return this.put(this.portalSessions, {
          ...fixture('billing_portal.session'),
          id,
          created: now(),
          customer: p.customer,
          return_url: p.return_url ?? null,
          flow: null,
          livemode: false,
          url: `${this.url}/portal/${id}`,
        });
      }
      case 'POST subscription_schedules': {
        const sub = this.subscriptions.get(p.from_subscription);
        if (!sub) throw notFound(`No such subscription: '${p.from_subscription}'`);
        if (sub.schedule)
          throw new HttpError(
            400,
            stripeError('invalid_request_error', undefined, 'This subscription is already attached to a schedule.'),
          );
        const item = sub.items.data[0];
        const schedule = this.put(this.schedules, {
          ...fixture('subscription_schedule'),
          id: newId('sub_sched'),
          created: now(),
          customer: sub.customer,
          subscription: sub.id,
          status: 'active',
          end_behavior: 'release',
          canceled_at: null,
          completed_at: null,
          released_at: null,
          released_subscription: null,
          current_phase: { start_date: item.current_period_start, end_date: item.current_period_end },
          phases: [
            {
              start_date: item.current_period_start,
              end_date: item.current_period_end,
              trial_end: sub.trial_end,
              items: [{ price: item.price.id, quantity: item.quantity }],
              metadata: {},
            },
          ],
        });
        sub.schedule = schedule.id;
        return schedule;
      }
      case 'GET payment_methods':
        return this.list(
          '/v1/payment_methods',
          [...this.paymentMethods.values()].filter((x) => x.customer === p.customer && (!p.type || x.type === p.type)),
          p,
        );
      case 'POST setup_intents': {
        if (!this.customers.has(p.customer)) throw notFound(`No such customer: '${p.customer}'`);
        const id = newId('seti');
        return this.put(this.setupIntents, {
          ...fixture('setup_intent'),
          id,
          created: now(),
          customer: p.customer,
          usage: p.usage ?? 'off_session',
          client_secret: `${id}_secret_${crypto.randomBytes(12).toString('hex')}`,
          last_setup_error: null,
          next_action: null,
        });
      }
      case 'POST invoices/create_preview': {
        const sub = this.subscriptions.get(p.subscription);
        if (!sub || sub.customer !== p.customer) throw notFound(`No such subscription: '${p.subscription}'`);
        const schedule = sub.schedule ? this.schedules.get(sub.schedule) : null;
        // The next period's items: a scheduled phase's when one is pending, else the subscription's.
        const items = schedule
          ? schedule.phases
              .at(-1)
              .items.map((i: any) => ({ price: this.prices.get(i.price), quantity: Number(i.quantity) }))
          : sub.items.data.map((i: any) => ({ price: i.price, quantity: i.quantity }));
        const start = sub.items.data[0].current_period_end;
        const invoice = this.createInvoiceObject({ customer: sub.customer, subscription: sub.id, status: 'draft' });
        this.invoices.delete(invoice.id); // a preview is never stored
        const lines = items.map((i: any) => ({
          ...fixture('invoice').lines.data[0],
          id: newId('il'),
          amount: i.price.unit_amount * i.quantity,
          description: `${i.quantity} × ${i.price.nickname ?? i.price.product} (at ${i.price.unit_amount / 100} / month)`,
          period: { start, end: start + 30 * DAY },
        }));
        const total = lines.reduce((sum: number, l: any) => sum + l.amount, 0);
        return {
          ...invoice,
          id: null,
          amount_due: total,
          period_start: start,
          period_end: start,
          lines: { ...invoice.lines, data: lines },
        };
      }
      // ── billing meters (`agentry stripe setup`) ──
      case 'GET billing/meters':
        return this.list(
          '/v1/billing/meters',
          [...this.meters.values()].filter((m) => p.status === undefined || m.status === p.status),
          p,
        );
      case 'POST billing/meters': {
        for (const field of ['display_name', 'event_name', 'default_aggregation'])
          if (!p[field])
            throw new HttpError(
              400,
              stripeError('invalid_request_error', 'parameter_missing', `Missing required param: ${field}.`, field),
            );
        if ([...this.meters.values()].some((m) => m.event_name === p.event_name))
          throw new HttpError(
            400,
            stripeError(
              'invalid_request_error',
              undefined,
              `A meter with event_name ${p.event_name} already exists.`,
              'event_name',
            ),
          );
        return this.put(this.meters, {
          ...fixture('billing.meter'),
          id: newId('mtr'),
          created: now(),
          updated: now(),
          livemode: false,
          display_name: p.display_name,
          event_name: p.event_name,
          default_aggregation: { formula: p.default_aggregation.formula },
          customer_mapping: {
            type: p.customer_mapping?.type ?? 'by_id',
            event_payload_key: p.customer_mapping?.event_payload_key ?? 'stripe_customer_id',
          },
          value_settings: { event_payload_key: p.value_settings?.event_payload_key ?? 'value' },
        });
      }
      case 'POST billing/meter_events': {
        if (p.timestamp !== undefined && (Number(p.timestamp) < now() - 35 * DAY || Number(p.timestamp) > now() + 300))
          throw new HttpError(
            400,
            stripeError(
              'invalid_request_error',
              'timestamp_outside_window',
              'Timestamp must be within the past 35 calendar days and no more than 5 minutes in the future.',
              'timestamp',
            ),
          );
        const event = {
          ...fixture('billing.meter_event'),
          created: now(),
          event_name: p.event_name,
          identifier: p.identifier ?? newId('mev'),
          payload: p.payload,
          timestamp: Number(p.timestamp ?? now()),
        };
        this.meterEvents.set(event.identifier, event);
        return event;
      }
    }
    // Resource routes with an id.
    const id = b;
    const resource = (map: Map<string, any>, what: string) => {
      const found = map.get(id);
      if (!found) throw notFound(`No such ${what}: '${id}'`);
      return found;
    };
    if (a === 'customers' && b && !c) {
      const cust = resource(this.customers, 'customer');
      if (method === 'GET') return cust;
      if (method === 'POST')
        return Object.assign(
          cust,
          p.email !== undefined ? { email: p.email } : {},
          p.metadata ? { metadata: { ...cust.metadata, ...p.metadata } } : {},
          p.invoice_settings ? { invoice_settings: { ...cust.invoice_settings, ...p.invoice_settings } } : {},
        );
    }
    if (a === 'subscription_schedules' && b) {
      const schedule = resource(this.schedules, 'subscription_schedule');
      if (method === 'GET' && !c) return schedule;
      if (method === 'POST' && c === 'release') {
        const sub = this.subscriptions.get(schedule.subscription);
        if (sub) sub.schedule = null;
        return Object.assign(schedule, {
          status: 'released',
          released_at: now(),
          released_subscription: schedule.subscription,
          subscription: null,
        });
      }
      if (method === 'POST' && !c) {
        if (schedule.status !== 'active' && schedule.status !== 'not_started')
          throw new HttpError(
            400,
            stripeError('invalid_request_error', undefined, 'This schedule is no longer active.'),
          );
        return Object.assign(schedule, {
          ...(p.end_behavior ? { end_behavior: p.end_behavior } : {}),
          ...(p.phases
            ? {
                phases: p.phases.map((phase: any) => {
                  for (const item of phase.items ?? [])
                    if (!this.prices.has(item.price)) throw notFound(`No such price: '${item.price}'`);
                  return {
                    ...phase,
                    start_date: phase.start_date ? Number(phase.start_date) : undefined,
                    end_date: phase.end_date ? Number(phase.end_date) : undefined,
                    items: (phase.items ?? []).map((i: any) => ({ price: i.price, quantity: Number(i.quantity ?? 1) })),
                  };
                }),
              }
            : {}),
        });
      }
    }
    if (a === 'payment_methods' && b) {
      const pm = resource(this.paymentMethods, 'payment_method');
      if (method === 'GET' && !c) return pm;
      if (method === 'POST' && c === 'detach') {
        for (const cust of this.customers.values())
          if (cust.invoice_settings?.default_payment_method === pm.id)
            cust.invoice_settings = { ...cust.invoice_settings, default_payment_method: null };
        return Object.assign(pm, { customer: null });
      }
    }
    if (a === 'subscriptions' && b && !c) {
      const sub = resource(this.subscriptions, 'subscription');
      if (method === 'GET') return sub;
      if (method === 'DELETE')
        return Object.assign(sub, {
          status: 'canceled',
          canceled_at: now(),
          ended_at: now(),
          cancel_at_period_end: false,
        });
      if (method === 'POST') return this.updateSubscription(sub, p);
    }
    if (a === 'checkout' && b === 'sessions' && c && method === 'GET') {
      const s = this.checkoutSessions.get(c);
      if (!s) throw notFound(`No such checkout.session: '${c}'`);
      return s;
    }
    if (a === 'invoices' && b && !c && method === 'GET') return resource(this.invoices, 'invoice');
    if (a === 'invoices' && !b && method === 'GET')
      return this.list(
        '/v1/invoices',
        [...this.invoices.values()].filter((x) => !p.customer || x.customer === p.customer),
        p,
      );
    throw notFound(`Unrecognized request URL (${key}: ${path})`);
  }

  private updateSubscription(sub: any, p: Record<string, any>) {
    if (sub.status === 'canceled')
      throw new HttpError(
        400,
        stripeError(
          'invalid_request_error',
          undefined,
          'A canceled subscription can only update its cancellation_details and metadata.',
        ),
      );
    for (const item of (p.items ?? []) as { id?: string; price?: string; quantity?: string }[]) {
      const existing = sub.items.data.find((x: any) => x.id === item.id);
      if (!existing)
        throw new HttpError(
          400,
          stripeError('invalid_request_error', 'resource_missing', `No such subscription item: '${item.id}'`, 'items'),
        );
      if (item.price) {
        const price = this.prices.get(item.price);
        if (!price)
          throw new HttpError(
            400,
            stripeError(
              'invalid_request_error',
              'resource_missing',
              `No such price: '${item.price}'`,
              'items[0][price]',
            ),
          );
        existing.price = price;
      }
      if (item.quantity !== undefined) existing.quantity = Number(item.quantity);
    }
    if (p.cancel_at_period_end !== undefined) {
      sub.cancel_at_period_end = bool(p.cancel_at_period_end);
      sub.cancel_at = sub.cancel_at_period_end ? sub.items.data[0].current_period_end : null;
      sub.canceled_at = sub.cancel_at_period_end ? now() : null;
    }
    if (p.metadata) sub.metadata = { ...sub.metadata, ...p.metadata };
    return sub;
  }

  private put(map: Map<string, any>, obj: any) {
    map.set(obj.id, obj);
    return obj;
  }

  private list(url: string, items: any[], p: Record<string, any>) {
    const limit = Math.min(Number(p.limit ?? 10), 100);
    let start = 0;
    if (p.starting_after) start = items.findIndex((x) => x.id === p.starting_after) + 1;
    const page = items.slice(start, start + limit);
    return { object: 'list', url, has_more: start + limit < items.length, data: page };
  }
}

function stripeError(type: string, code: string | undefined, message: string, param?: string) {
  return { error: { type, ...(code ? { code } : {}), message, ...(param ? { param } : {}) } };
}
function notFound(message: string) {
  return new HttpError(404, stripeError('invalid_request_error', 'resource_missing', message));
}

/** A `Stripe-Signature` header for `payload`, made by the SDK's own test helper. */
export function signWebhook(payload: string, secret: string, timestamp = now()): string {
  return new Stripe('sk_test_signing').webhooks.generateTestHeaderString({ payload, secret, timestamp });
}
