import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addMember, signUp, type TestUser } from '../../../test/factories.js';
import { deliver, eventually, startBillingRig } from '../../../test/support/billing-rig.js';

type Rig = Awaited<ReturnType<typeof startBillingRig>>;

/** Plan changes now and at the period end (Stripe subscription schedules), the upcoming invoice, cards. */
describe('plan changes, upcoming invoice and payment methods (billing on, fake Stripe)', () => {
  let rig: Rig;
  beforeAll(async () => {
    rig = await startBillingRig();
  });
  afterAll(async () => rig?.close());

  const call = (who: TestUser, method: 'GET' | 'POST' | 'PATCH' | 'DELETE', path: string, payload?: object) =>
    rig.app.inject({
      method,
      url: `/api/v1/billing/tenants/${who.session.tenant_id}${path}`,
      headers: who.headers,
      ...(payload ? { payload } : {}),
    });
  async function subscribed(plan: 'starter' | 'pro') {
    const owner = await signUp(rig.app);
    const created = await call(owner, 'POST', '/subscription', { plan_code: plan });
    expect(created.statusCode).toBe(201);
    return { owner, subscription: created.json() };
  }
  const stripeSubOf = async (owner: TestUser) => (await rig.subscriptionOf(owner.session.tenant_id))!;

  it('schedules a downgrade for the period end, shows it pending, and cancels it', async () => {
    const { owner, subscription } = await subscribed('pro');
    // Pro includes 10 seats; the starter plan allows 5 at most, so the downgrade names its seats.
    const res = await call(owner, 'PATCH', '/subscription', { plan_code: 'starter', seat_count: 3 });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({
      plan_code: 'pro',
      pending_plan_code: 'starter',
      pending_change_at: subscription.current_period_end,
    });
    const row = await stripeSubOf(owner);
    const schedule = rig.fake.schedules.get(row.stripeScheduleId!)!;
    expect(schedule.subscription).toBe(row.stripeSubscriptionId);
    expect(schedule.end_behavior).toBe('release');
    const starter = (await rig.billing.plans.get('starter'))!;
    const pro = (await rig.billing.plans.get('pro'))!;
    expect(schedule.phases.map((p: any) => p.items[0].price)).toEqual([pro.stripePriceId, starter.stripePriceId]);
    expect(schedule.phases[0].end_date).toBe(Date.parse(subscription.current_period_end) / 1000);
    // The trial survives rewriting the first phase.
    expect(schedule.phases[0].trial_end).toBe(String(Date.parse(subscription.trial_ends_at) / 1000));

    // The upcoming invoice shows the next period on the scheduled plan.
    const upcoming = await call(owner, 'GET', '/invoices/upcoming');
    expect(upcoming.statusCode).toBe(200);
    expect(upcoming.json()).toMatchObject({ currency: 'usd', amount_due_cents: starter.priceCents * 3 });
    expect(upcoming.json().lines).toHaveLength(1);

    const cancelled = await call(owner, 'DELETE', '/subscription/pending-change');
    expect(cancelled.statusCode).toBe(200);
    expect(cancelled.json()).toMatchObject({ plan_code: 'pro', pending_plan_code: null, pending_change_at: null });
    expect(schedule.status).toBe('released');
    expect((await call(owner, 'DELETE', '/subscription/pending-change')).statusCode).toBe(404);
  });

  it('applies a scheduled change when Stripe reaches the boundary (webhook), whatever order the events come in', async () => {
    const { owner } = await subscribed('pro');
    const changed = await call(owner, 'PATCH', '/subscription', {
      plan_code: 'starter',
      seat_count: 3,
      timing: 'period_end',
    });
    expect(changed.json().pending_plan_code).toBe('starter');
    const row = await stripeSubOf(owner);
    const { schedule, subscription } = rig.fake.advanceSchedule(row.stripeScheduleId!);
    // The schedule's event first, then the subscription's; a duplicate of the first one changes nothing.
    const released = rig.fake.event('subscription_schedule.released', schedule);
    expect((await deliver(rig.app, released)).statusCode).toBe(202);
    expect((await deliver(rig.app, rig.fake.event('customer.subscription.updated', subscription))).statusCode).toBe(
      202,
    );
    expect((await deliver(rig.app, released)).json().duplicate).toBe(true);
    await eventually(async () => (await stripeSubOf(owner)).planCode === 'starter');
    const now = (await call(owner, 'GET', '/subscription')).json();
    expect(now).toMatchObject({ plan_code: 'starter', pending_plan_code: null, pending_change_at: null });
  });

  it('upgrades now with proration; a change made now releases a pending one; bad timing is 422, none is 404', async () => {
    const { owner } = await subscribed('starter');
    const upgraded = await call(owner, 'PATCH', '/subscription', { plan_code: 'pro' });
    expect(upgraded.json()).toMatchObject({ plan_code: 'pro', pending_plan_code: null });
    const update = rig.fake.requests
      .filter((r) => r.method === 'POST' && /^\/v1\/subscriptions\/sub_/.test(r.path))
      .at(-1)!;
    expect(update.params.proration_behavior).toBe('create_prorations');

    const scheduled = await call(owner, 'PATCH', '/subscription', { plan_code: 'starter' });
    expect(scheduled.json()).toMatchObject({ plan_code: 'pro', pending_plan_code: 'starter' });
    const scheduleId = (await stripeSubOf(owner)).stripeScheduleId!;
    // An upgrade now (here: more seats now) releases the scheduled change first.
    const now = await call(owner, 'PATCH', '/subscription', { seat_count: 4, timing: 'now' });
    expect(now.json()).toMatchObject({ plan_code: 'pro', seat_count: 4, pending_plan_code: null });
    expect(rig.fake.schedules.get(scheduleId)!.status).toBe('released');

    const bad = await call(owner, 'PATCH', '/subscription', { plan_code: 'starter', timing: 'later' });
    expect(bad.statusCode).toBe(422);
    const noPlanTrial = await signUp(rig.app);
    expect((await call(noPlanTrial, 'GET', '/invoices/upcoming')).statusCode).toBe(404);
    expect((await call(noPlanTrial, 'DELETE', '/subscription/pending-change')).statusCode).toBe(404);
  });

  it("lists, adds (SetupIntent), defaults and removes cards — only the tenant's own", async () => {
    const { owner } = await subscribed('pro');
    const stranger = await signUp(rig.app);
    const viewer = await addMember(rig.app, owner, 'viewer');
    expect((await call(stranger, 'GET', '/payment-methods')).json()).toEqual({ items: [] });

    const intent = await call(owner, 'POST', '/payment-methods/setup-intent');
    expect(intent.statusCode).toBe(200);
    expect(intent.json().client_secret).toMatch(/^seti_\w+_secret_/);
    expect((await call(viewer, 'POST', '/payment-methods/setup-intent')).statusCode).toBe(403);

    const customer = (await rig.customerOf(owner.session.tenant_id))!;
    const first = rig.fake.attachCard(customer, { last4: '4242' });
    const second = rig.fake.attachCard(customer, { brand: 'mastercard', last4: '4444' });
    const listed = await call(viewer, 'GET', '/payment-methods');
    expect(listed.statusCode).toBe(200);
    expect(listed.json().items).toEqual(
      expect.arrayContaining([
        { id: first.id, brand: 'visa', last4: '4242', exp_month: 8, exp_year: 2030, is_default: false },
        expect.objectContaining({ id: second.id, brand: 'mastercard', last4: '4444', is_default: false }),
      ]),
    );
    expect((await call(owner, 'POST', `/payment-methods/${second.id}/default`)).statusCode).toBe(200);
    const afterDefault = (await call(owner, 'GET', '/payment-methods')).json().items;
    expect(afterDefault.find((m: any) => m.id === second.id).is_default).toBe(true);

    // Another tenant's card, a card that does not exist, or a malformed id: never touched.
    const strangersCustomerCard = rig.fake.attachCard('cus_someone_else');
    expect((await call(owner, 'POST', `/payment-methods/${strangersCustomerCard.id}/default`)).statusCode).toBe(404);
    expect((await call(owner, 'DELETE', `/payment-methods/${strangersCustomerCard.id}`)).statusCode).toBe(404);
    expect(strangersCustomerCard.customer).toBe('cus_someone_else');
    expect((await call(stranger, 'DELETE', `/payment-methods/${first.id}`)).statusCode).toBe(404);
    expect((await call(owner, 'DELETE', '/payment-methods/pm_doesnotexist')).statusCode).toBe(404);
    expect((await call(owner, 'DELETE', '/payment-methods/..%2Fcustomers')).statusCode).toBe(422);

    expect((await call(owner, 'DELETE', `/payment-methods/${first.id}`)).statusCode).toBe(204);
    const last = await call(owner, 'DELETE', `/payment-methods/${second.id}`);
    expect(last.statusCode).toBe(409);
    expect((await call(owner, 'GET', '/payment-methods')).json().items.map((m: any) => m.id)).toEqual([second.id]);
  });
});
