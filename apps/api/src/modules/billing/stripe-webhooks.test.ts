import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp } from '../../../test/harness.js';
import { deliver, eventually, newTenantId, startBillingRig } from '../../../test/support/billing-rig.js';

type Rig = Awaited<ReturnType<typeof startBillingRig>>;

describe('POST /webhooks/stripe', () => {
  let rig: Rig;
  beforeAll(async () => {
    rig = await startBillingRig();
  });
  afterAll(async () => rig?.close());

  /** A tenant with a Stripe customer and a trialing subscription on the starter price, in the fake Stripe. */
  async function tenantWithSubscription() {
    const tenantId = newTenantId();
    const customer = rig.fake.createCustomer({ metadata: { tenant_id: tenantId } });
    await rig.saveCustomer(tenantId, customer.id);
    const starter = (await rig.billing.plans.get('starter'))!;
    const sub = rig.fake.createSubscriptionObject({
      customer: customer.id,
      items: [{ price: starter.stripePriceId!, quantity: 3 }],
      trial_period_days: 14,
      metadata: { tenant_id: tenantId },
    });
    return { tenantId, customer, sub };
  }

  const storedEvent = (id: string) => rig.billing.events.find(id);

  it('rejects a missing or bad signature and a stale timestamp with 400, storing nothing', async () => {
    const { sub } = await tenantWithSubscription();
    const event = rig.fake.event('customer.subscription.created', sub);
    const missing = await deliver(rig.app, event, { signature: null });
    const wrongSecret = await deliver(rig.app, event, { secret: 'whsec_not_the_right_one' });
    const stale = await deliver(rig.app, event, { timestamp: Math.floor(Date.now() / 1000) - 301 });
    // A minute past the tolerance: a future timestamp gets closer as the test runs (+301 from a
    // floored second was accepted once the clock crossed into the next second, on a loaded host).
    const future = await deliver(rig.app, event, { timestamp: Math.floor(Date.now() / 1000) + 360 });
    const garbage = await deliver(rig.app, event, { signature: 't=1,v1=deadbeef' });
    for (const res of [missing, wrongSecret, stale, future, garbage]) {
      expect(res.statusCode).toBe(400);
      expect(res.headers['content-type']).toContain('application/problem+json');
      expect(res.json().code).toBe('bad_request');
    }
    expect(await storedEvent(event.id)).toBeNull();
  });

  it('rejects a tampered body even with a valid signature of the original', async () => {
    const { sub } = await tenantWithSubscription();
    const event = rig.fake.event('customer.subscription.created', sub);
    const { signWebhook } = await import('../../../test/support/fake-stripe.js');
    const signature = signWebhook(JSON.stringify(event), 'whsec_test_agentry_billing_secret');
    const res = await rig.app.inject({
      method: 'POST',
      url: '/webhooks/stripe',
      headers: { 'content-type': 'application/json', 'stripe-signature': signature },
      payload: JSON.stringify({ ...event, type: 'customer.subscription.deleted' }),
    });
    expect(res.statusCode).toBe(400);
    expect(await storedEvent(event.id)).toBeNull();
  });

  it('stores the event before answering 202, then applies it from a re-fetched object', async () => {
    const { tenantId, sub } = await tenantWithSubscription();
    const event = rig.fake.event('customer.subscription.created', sub);
    const res = await deliver(rig.app, event);
    expect(res.statusCode).toBe(202);
    expect(res.json()).toEqual({ received: true, duplicate: false });
    const stored = await storedEvent(event.id);
    expect(stored).toMatchObject({ type: 'customer.subscription.created' });
    const processed = await eventually(async () =>
      (await storedEvent(event.id))?.status === 'processed' ? storedEvent(event.id) : null,
    );
    expect(processed).toMatchObject({ status: 'processed', attempts: 1, tenantId, lastError: null });
    expect(processed!.processedAt).toBeInstanceOf(Date);
    const row = await rig.subscriptionOf(tenantId);
    expect(row).toMatchObject({ planCode: 'starter', status: 'trialing', seatCount: 3, stripeSubscriptionId: sub.id });
    const published = await rig.billing.stream.read(tenantId);
    expect(published.map((e) => e.type)).toEqual(['customer.subscription.created']);
    expect(published[0]).toMatchObject({
      stripe_event_id: event.id,
      subscription: { plan_code: 'starter', status: 'trialing', seat_count: 3 },
    });
  });

  it('acknowledges a duplicate event id with duplicate:true and no second effect', async () => {
    const { tenantId, sub } = await tenantWithSubscription();
    const event = rig.fake.event('customer.subscription.created', sub);
    expect((await deliver(rig.app, event)).json()).toEqual({ received: true, duplicate: false });
    await eventually(async () => (await storedEvent(event.id))?.status === 'processed');
    const again = await deliver(rig.app, event);
    expect(again.statusCode).toBe(202);
    expect(again.json()).toEqual({ received: true, duplicate: true });
    await new Promise((r) => setTimeout(r, 150));
    expect((await storedEvent(event.id))!.attempts).toBe(1);
    expect(await rig.billing.stream.read(tenantId)).toHaveLength(1);
    expect(rig.fake.requestsTo('GET', `/v1/subscriptions/${sub.id}`)).toHaveLength(1);
  });

  it("ends in Stripe's current state whatever order the events arrive in", async () => {
    const { tenantId, sub } = await tenantWithSubscription();
    const created = rig.fake.event('customer.subscription.created', sub, {
      created: Math.floor(Date.now() / 1000) - 60,
    });
    // The trial ends and the plan changes seats in Stripe; the "updated" event says so…
    rig.fake.setSubscription(sub.id, { status: 'active', trial_end: null });
    rig.fake.subscriptions.get(sub.id).items.data[0].quantity = 4;
    const updated = rig.fake.event('customer.subscription.updated', rig.fake.subscriptions.get(sub.id));
    // …but it is delivered first, and the stale "created" (status trialing in its payload) after it.
    await deliver(rig.app, updated);
    await eventually(async () => (await storedEvent(updated.id))?.status === 'processed');
    await deliver(rig.app, created);
    await eventually(async () => (await storedEvent(created.id))?.status === 'processed');
    const row = await rig.subscriptionOf(tenantId);
    expect(row).toMatchObject({ status: 'active', seatCount: 4, trialEndsAt: null });
  });

  it('retries a failing handler through the queue and applies the event exactly once', async () => {
    const { tenantId, sub } = await tenantWithSubscription();
    // Two 500s: the SDK retries the first itself (1 network retry), the second fails attempt 1.
    rig.fake.failNext({ method: 'GET', path: `/v1/subscriptions/${sub.id}`, times: 2, status: 500 });
    const event = rig.fake.event('customer.subscription.created', sub);
    expect((await deliver(rig.app, event)).statusCode).toBe(202);
    const done = await eventually(async () => {
      const row = await storedEvent(event.id);
      return row?.status === 'processed' ? row : null;
    });
    expect(done.attempts).toBe(2);
    expect(done.lastError).toBeNull();
    await new Promise((r) => setTimeout(r, 150));
    expect(await rig.billing.stream.read(tenantId)).toHaveLength(1);
    expect((await rig.subscriptionOf(tenantId))?.status).toBe('trialing');
  });

  it('marks an event failed after the last attempt, with the error kept', async () => {
    const { sub } = await tenantWithSubscription();
    rig.fake.failNext({ method: 'GET', path: `/v1/subscriptions/${sub.id}`, times: 100, status: 500 });
    const event = rig.fake.event('customer.subscription.updated', sub);
    await deliver(rig.app, event);
    const failed = await eventually(async () => {
      const row = await storedEvent(event.id);
      return row?.status === 'failed' ? row : null;
    });
    expect(failed.attempts).toBe(3);
    expect(failed.lastError).toContain('subscriptions.retrieve');
    rig.fake.clearFailures();
  });

  it('handles customer.subscription.deleted, invoice.paid, invoice.payment_failed', async () => {
    const { tenantId, customer, sub } = await tenantWithSubscription();
    await deliver(rig.app, rig.fake.event('customer.subscription.created', sub));
    const paid = rig.fake.createInvoiceObject({
      customer: customer.id,
      subscription: sub.id,
      status: 'paid',
      amount_due: 1900,
    });
    const paidEvent = rig.fake.event('invoice.paid', paid);
    await deliver(rig.app, paidEvent);
    await eventually(async () => (await storedEvent(paidEvent.id))?.status === 'processed');

    rig.fake.setSubscription(sub.id, { status: 'past_due' });
    const failed = rig.fake.createInvoiceObject({
      customer: customer.id,
      subscription: sub.id,
      status: 'open',
      amount_due: 1900,
    });
    const failedEvent = rig.fake.event('invoice.payment_failed', failed);
    await deliver(rig.app, failedEvent);
    await eventually(async () => (await storedEvent(failedEvent.id))?.status === 'processed');
    expect((await rig.subscriptionOf(tenantId))?.status).toBe('past_due');
    const invoices = await rig.invoicesOf(tenantId);
    expect(invoices.map((i) => [i.stripeInvoiceId, i.status, i.amountDueCents]).sort()).toEqual(
      [
        [paid.id, 'paid', 1900],
        [failed.id, 'open', 1900],
      ].sort(),
    );

    rig.fake.setSubscription(sub.id, { status: 'canceled', ended_at: Math.floor(Date.now() / 1000) });
    const deleted = rig.fake.event('customer.subscription.deleted', rig.fake.subscriptions.get(sub.id));
    await deliver(rig.app, deleted);
    await eventually(async () => (await storedEvent(deleted.id))?.status === 'processed');
    const row = await rig.subscriptionOf(tenantId);
    expect(row).toMatchObject({ status: 'canceled', autoRenew: false });
    const types = (await rig.billing.stream.read(tenantId)).map((e) => e.type);
    expect(types).toEqual(
      expect.arrayContaining(['invoice.paid', 'invoice.payment_failed', 'customer.subscription.deleted']),
    );
  });

  it('publishes an invoice event on the billing stream, with the subscription it changed', async () => {
    const { tenantId, customer, sub } = await tenantWithSubscription();
    const created = rig.fake.event('customer.subscription.created', sub);
    await deliver(rig.app, created);
    await eventually(async () => (await storedEvent(created.id))?.status === 'processed');

    rig.fake.setSubscription(sub.id, { status: 'past_due' });
    const invoice = rig.fake.createInvoiceObject({
      customer: customer.id,
      subscription: sub.id,
      status: 'open',
      amount_due: 1900,
    });
    const failed = rig.fake.event('invoice.payment_failed', invoice);
    await deliver(rig.app, failed);
    await eventually(async () => (await storedEvent(failed.id))?.status === 'processed');

    const published = await rig.billing.stream.read(tenantId);
    expect(published.map((e) => e.type)).toEqual(['customer.subscription.created', 'invoice.payment_failed']);
    expect(published[1]).toMatchObject({
      tenant_id: tenantId,
      stripe_event_id: failed.id,
      summary: 'Invoice open: 19.00 USD',
      invoice: { id: invoice.id, status: 'open', amount_due_cents: 1900 },
      subscription: { status: 'past_due', plan_code: 'starter' },
    });
    expect((await rig.subscriptionOf(tenantId))?.status).toBe('past_due');
  });

  it('leaves the current subscription alone when events about an older one arrive (one rule for every event)', async () => {
    const { tenantId, customer, sub: older } = await tenantWithSubscription();
    rig.fake.setSubscription(older.id, { status: 'canceled', ended_at: Math.floor(Date.now() / 1000) });
    // The tenant has moved on: its row follows a newer, live subscription.
    const starter = (await rig.billing.plans.get('starter'))!;
    const current = rig.fake.createSubscriptionObject({
      customer: customer.id,
      items: [{ price: starter.stripePriceId!, quantity: 5 }],
      metadata: { tenant_id: tenantId },
    });
    const createdCurrent = rig.fake.event('customer.subscription.created', current);
    await deliver(rig.app, createdCurrent);
    await eventually(async () => (await storedEvent(createdCurrent.id))?.status === 'processed');
    const before = await rig.subscriptionOf(tenantId);
    expect(before).toMatchObject({ stripeSubscriptionId: current.id, seatCount: 5 });

    // Late: the older subscription's deletion, then its final invoice being paid.
    const deleted = rig.fake.event('customer.subscription.deleted', rig.fake.subscriptions.get(older.id));
    await deliver(rig.app, deleted);
    await eventually(async () => (await storedEvent(deleted.id))?.status === 'processed');
    const finalInvoice = rig.fake.createInvoiceObject({
      customer: customer.id,
      subscription: older.id,
      status: 'paid',
      amount_due: 700,
    });
    const paid = rig.fake.event('invoice.paid', finalInvoice);
    await deliver(rig.app, paid);
    await eventually(async () => (await storedEvent(paid.id))?.status === 'processed');

    expect(await rig.subscriptionOf(tenantId)).toMatchObject({
      stripeSubscriptionId: current.id,
      status: before!.status,
      seatCount: 5,
    });
    // The invoice is the tenant's all the same: recorded and announced, without a subscription.
    expect((await rig.invoicesOf(tenantId)).map((i) => i.stripeInvoiceId)).toEqual([finalInvoice.id]);
    const published = await rig.billing.stream.read(tenantId);
    expect(published.map((e) => e.type)).toEqual(['customer.subscription.created', 'invoice.paid']);
    expect(published[1].invoice).toMatchObject({ id: finalInvoice.id, status: 'paid' });
    expect(published[1].subscription).toBeUndefined();
  });

  it('handles checkout.session.completed: maps the customer and syncs the new subscription', async () => {
    const tenantId = newTenantId();
    const customer = rig.fake.createCustomer({});
    const pro = (await rig.billing.plans.get('pro'))!;
    const session = await rig.billing.gateway!.createCheckoutSession(
      {
        mode: 'subscription',
        customer: customer.id,
        client_reference_id: tenantId,
        line_items: [{ price: pro.stripePriceId!, quantity: 10 }],
        subscription_data: { metadata: { tenant_id: tenantId, plan_code: 'pro' } },
        success_url: 'https://example.com/ok',
      },
      `test-${tenantId}`,
    );
    const { session: completed } = rig.fake.completeCheckout(session.id);
    const event = rig.fake.event('checkout.session.completed', completed);
    await deliver(rig.app, event);
    await eventually(async () => (await storedEvent(event.id))?.status === 'processed');
    expect(await rig.customerOf(tenantId)).toBe(customer.id);
    expect(await rig.subscriptionOf(tenantId)).toMatchObject({
      planCode: 'pro',
      status: 'active',
      seatCount: 10,
    });
  });

  it('stores but ignores event types it does not act on', async () => {
    const event = rig.fake.event('plan.created', { id: 'plan_x', object: 'plan' });
    expect((await deliver(rig.app, event)).statusCode).toBe(202);
    await eventually(async () => (await storedEvent(event.id))?.status === 'ignored');
  });

  it('answers 400 to a validly signed payload holding NUL or a lone surrogate, storing nothing', async () => {
    const { sub } = await tenantWithSubscription();
    for (const hostile of ['\\u0000', '\\ud800', '\\udc00x']) {
      const event = rig.fake.event('customer.subscription.updated', sub);
      // Escaped in the JSON text, as an attacker would send it: JSON.parse turns it into the bad string.
      const raw = JSON.stringify(event).replace('"object":"event"', `"object":"event","note":"a${hostile}b"`);
      const res = await deliver(rig.app, raw);
      expect(res.statusCode, hostile).toBe(400);
      expect(res.json().code).toBe('bad_request');
      expect(await storedEvent(event.id)).toBeNull();
    }
    const key = rig.fake.event('customer.subscription.updated', sub);
    const badKey = JSON.stringify(key).replace('"object":"event"', '"object":"event","k\\u0000":1');
    expect((await deliver(rig.app, badKey)).statusCode).toBe(400);
  });

  it('answers 400 to a non-JSON or non-event body', async () => {
    const res = await deliver(rig.app, 'not an event');
    expect(res.statusCode).toBe(400);
  });
});

describe('POST /webhooks/stripe with billing off', () => {
  it('answers 503 billing_disabled', async () => {
    const test = await createTestApp();
    try {
      const res = await test.app.inject({
        method: 'POST',
        url: '/webhooks/stripe',
        headers: { 'content-type': 'application/json', 'stripe-signature': 't=1,v1=x' },
        payload: '{}',
      });
      expect(res.statusCode).toBe(503);
      expect(res.json().code).toBe('billing_disabled');
    } finally {
      await test.close();
    }
  });
});
