import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deliver, eventually, newTenantId, startBillingRig } from '../../../test/support/billing-rig.js';
import { billingForCli, parseSince, runStripeReplay, runStripeSetup } from './stripe.js';

type Rig = Awaited<ReturnType<typeof startBillingRig>>;

describe('agentry stripe setup / replay', () => {
  let rig: Rig;
  beforeAll(async () => {
    rig = await startBillingRig();
  });
  afterAll(async () => rig?.close());

  const cli = () => billingForCli({ config: rig.test.config, database: rig.test.database, ports: rig.test.ports });

  it('setup is idempotent by metadata.plan_code, and --dry-run creates nothing', async () => {
    // The rig ran setup once already: a second run finds everything.
    const lines: string[] = [];
    const { plans: again } = await runStripeSetup(cli(), { dryRun: false }, (l) => lines.push(l));
    expect(again.map((r) => [r.plan, r.product.action, r.price.action])).toEqual([
      ['starter', 'found', 'found'],
      ['pro', 'found', 'found'],
    ]);
    expect(rig.fake.products.size).toBe(2);
    expect(rig.fake.prices.size).toBe(2);
    expect(lines.some((l) => l.includes('starter: product found'))).toBe(true);
    const starter = await rig.billing.plans.get('starter');
    expect(starter!.stripePriceId).toBe(again[0].price.id);

    // A new Stripe account (empty): the dry run reports what it would create and creates nothing.
    rig.fake.reset();
    const { plans: dry } = await runStripeSetup(cli(), { dryRun: true }, () => {});
    expect(dry.map((r) => [r.plan, r.product.action, r.price.action])).toEqual([
      ['starter', 'would_create', 'would_create'],
      ['pro', 'would_create', 'would_create'],
    ]);
    expect(rig.fake.products.size).toBe(0);
    const { plans: created } = await runStripeSetup(cli(), { dryRun: false }, () => {});
    expect(created.map((r) => r.product.action)).toEqual(['created', 'created']);
    expect(
      rig.fake.requestsTo('POST', '/v1/products').every((r) => r.idempotencyKey?.startsWith('agentry-product-')),
    ).toBe(true);
    expect((await rig.billing.plans.get('pro'))!.stripePriceId).toBe(created[1].price.id);
  });

  it('setup creates one billing meter per metered feature once, by event_name, across runs; --dry-run creates none', async () => {
    rig.fake.reset(); // a new Stripe account: no products, prices or meters
    const seen = rig.fake.requests.length;
    /** Meter calls made since the reset (the fake keeps the request log across resets). */
    const since = (method: string) =>
      rig.fake.requests.slice(seen).filter((r) => r.method === method && r.path === '/v1/billing/meters');
    const expected = ['messages', 'input_tokens', 'output_tokens'];
    const dry = await runStripeSetup(cli(), { dryRun: true }, () => {});
    expect(dry.meters.map((m) => [m.feature, m.event_name, m.action])).toEqual(
      expected.map((f) => [f, `agentry_${f}`, 'would_create']),
    );
    expect(since('POST')).toHaveLength(0);

    // A 5xx on one create: the SDK retries it with the same idempotency key.
    rig.fake.failNext({ method: 'POST', path: '/v1/billing/meters', times: 1, status: 500 });
    const lines: string[] = [];
    const first = await runStripeSetup(cli(), { dryRun: false }, (l) => lines.push(l));
    expect(first.meters.map((m) => m.action)).toEqual(['created', 'created', 'created']);
    expect(rig.fake.meters.size).toBe(3);
    for (const meter of rig.fake.meters.values())
      expect(meter).toMatchObject({
        default_aggregation: { formula: 'sum' },
        customer_mapping: { type: 'by_id', event_payload_key: 'stripe_customer_id' },
        value_settings: { event_payload_key: 'value' },
        status: 'active',
      });
    const creates = since('POST');
    expect(creates).toHaveLength(4);
    expect(creates.map((r) => r.idempotencyKey)).toEqual([
      'agentry-meter-agentry_messages',
      'agentry-meter-agentry_messages',
      'agentry-meter-agentry_input_tokens',
      'agentry-meter-agentry_output_tokens',
    ]);
    expect(lines).toContain(`  meter agentry_messages: created (${first.meters[0].id})`);

    // The second run finds them all and creates nothing.
    const second = await runStripeSetup(cli(), { dryRun: false }, () => {});
    expect(second.meters.map((m) => [m.action, m.id])).toEqual(first.meters.map((m) => ['found', m.id]));
    expect(rig.fake.meters.size).toBe(3);
    expect(since('POST')).toHaveLength(4);
    expect(since('GET')).toHaveLength(3);
  });

  it('replay --failed re-runs failed events once Stripe answers again; --event re-runs one', async () => {
    const tenantId = newTenantId();
    const customer = rig.fake.createCustomer({ metadata: { tenant_id: tenantId } });
    await rig.saveCustomer(tenantId, customer.id);
    const starter = (await rig.billing.plans.get('starter'))!;
    const sub = rig.fake.createSubscriptionObject({
      customer: customer.id,
      items: [{ price: starter.stripePriceId!, quantity: 2 }],
      trial_period_days: 14,
    });
    rig.fake.failNext({ method: 'GET', path: `/v1/subscriptions/${sub.id}`, times: 1000, status: 500 });
    const event = rig.fake.event('customer.subscription.created', sub);
    await deliver(rig.app, event);
    await eventually(async () => (await rig.billing.events.find(event.id))?.status === 'failed');
    expect(await rig.subscriptionOf(tenantId)).toBeNull();

    rig.fake.clearFailures();
    const results = await runStripeReplay(cli(), { failed: true }, () => {});
    expect(results).toEqual([{ id: event.id, outcome: 'processed' }]);
    expect(await rig.billing.events.find(event.id)).toMatchObject({ status: 'processed', lastError: null });
    expect(await rig.subscriptionOf(tenantId)).toMatchObject({
      status: 'trialing',
      seatCount: 2,
    });
    expect(await runStripeReplay(cli(), { failed: true }, () => {})).toEqual([]);

    rig.fake.subscriptions.get(sub.id).items.data[0].quantity = 4;
    expect(await runStripeReplay(cli(), { event: event.id }, () => {})).toEqual([
      { id: event.id, outcome: 'processed' },
    ]);
    expect((await rig.subscriptionOf(tenantId))!.seatCount).toBe(4);

    const since = await runStripeReplay(cli(), { since: '1h' }, () => {});
    expect(since.map((r) => r.id)).toContain(event.id);
    await expect(runStripeReplay(cli(), { event: 'evt_unknown' }, () => {})).rejects.toThrow(/no stored event/);
    await expect(runStripeReplay(cli(), { failed: true, since: '1h' }, () => {})).rejects.toThrow(/exactly one/);
  });

  it('parses --since as a time or a duration', () => {
    expect(parseSince('2026-01-02T03:04:05Z').toISOString()).toBe('2026-01-02T03:04:05.000Z');
    expect(Date.now() - parseSince('2h').getTime()).toBeGreaterThanOrEqual(2 * 3600 * 1000 - 1000);
    expect(() => parseSince('yesterday')).toThrow();
  });
});
