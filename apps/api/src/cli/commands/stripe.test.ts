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
    const again = await runStripeSetup(cli(), { dryRun: false }, (l) => lines.push(l));
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
    const dry = await runStripeSetup(cli(), { dryRun: true }, () => {});
    expect(dry.map((r) => [r.plan, r.product.action, r.price.action])).toEqual([
      ['starter', 'would_create', 'would_create'],
      ['pro', 'would_create', 'would_create'],
    ]);
    expect(rig.fake.products.size).toBe(0);
    const created = await runStripeSetup(cli(), { dryRun: false }, () => {});
    expect(created.map((r) => r.product.action)).toEqual(['created', 'created']);
    expect(
      rig.fake.requestsTo('POST', '/v1/products').every((r) => r.idempotencyKey?.startsWith('agentry-product-')),
    ).toBe(true);
    expect((await rig.billing.plans.get('pro'))!.stripePriceId).toBe(created[1].price.id);
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
