import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addMember, signUp, type TestUser } from '../../../test/factories.js';
import { createTestApp } from '../../../test/harness.js';
import { deliver, eventually, startBillingRig } from '../../../test/support/billing-rig.js';

type Rig = Awaited<ReturnType<typeof startBillingRig>>;
const json = { 'content-type': 'application/json' };

describe('billing HTTP API (billing on, fake Stripe)', () => {
  let rig: Rig;
  beforeAll(async () => {
    rig = await startBillingRig();
  });
  afterAll(async () => rig?.close());

  const url = (owner: TestUser, path: string) => `/api/v1/billing/tenants/${owner.session.tenant_id}${path}`;

  it('lists the seeded plans publicly', async () => {
    const res = await rig.app.inject({ method: 'GET', url: '/api/v1/billing/plans' });
    expect(res.statusCode).toBe(200);
    const codes = res.json().items.map((p: { code: string }) => p.code);
    expect(codes).toEqual(['starter', 'pro']);
    const starter = res.json().items[0];
    expect(starter).toMatchObject({ interval: 'month', currency: 'usd', trial_days: 14, seats_included: 3 });
    expect(starter.features.map((f: { key: string }) => f.key)).toEqual([
      'messages',
      'input_tokens',
      'output_tokens',
      'seats',
      'storage_bytes',
    ]);
  });

  it('starts a trial subscription in Stripe, refuses a second one, changes it and cancels it', async () => {
    const owner = await signUp(rig.app);
    expect(
      (await rig.app.inject({ method: 'GET', url: url(owner, '/subscription'), headers: owner.headers })).statusCode,
    ).toBe(404);

    const unknownPlan = await rig.app.inject({
      method: 'POST',
      url: url(owner, '/subscription'),
      headers: { ...owner.headers, ...json },
      payload: { plan_code: 'platinum' },
    });
    expect(unknownPlan.statusCode).toBe(404);

    const created = await rig.app.inject({
      method: 'POST',
      url: url(owner, '/subscription'),
      headers: { ...owner.headers, ...json },
      payload: { plan_code: 'starter', billing_email: 'billing@example.test' },
    });
    expect(created.statusCode).toBe(201);
    expect(created.json()).toMatchObject({
      tenant_id: owner.session.tenant_id,
      plan_code: 'starter',
      status: 'trialing',
      auto_renew: true,
      seat_count: 3,
      billing_email: 'billing@example.test',
      cancel_at: null,
    });
    expect(created.json().trial_ends_at).not.toBeNull();
    const createCall = rig.fake.requestsTo('POST', '/v1/subscriptions').at(-1)!;
    expect(createCall.idempotencyKey).toMatch(/^agentry-subscription-create-/);
    expect(createCall.params).toMatchObject({
      trial_period_days: '14',
      metadata: { tenant_id: owner.session.tenant_id, plan_code: 'starter' },
    });
    expect(rig.fake.requestsTo('POST', '/v1/customers').at(-1)!.idempotencyKey).toBe(
      `agentry-customer-${owner.session.tenant_id}`,
    );

    const again = await rig.app.inject({
      method: 'POST',
      url: url(owner, '/subscription'),
      headers: { ...owner.headers, ...json },
      payload: { plan_code: 'pro' },
    });
    expect(again.statusCode).toBe(409);
    expect(again.json().code).toBe('subscription_exists');

    const empty = await rig.app.inject({
      method: 'PATCH',
      url: url(owner, '/subscription'),
      headers: { ...owner.headers, ...json },
      payload: {},
    });
    expect(empty.statusCode).toBe(400);
    expect(empty.json().code).toBe('empty_update');

    const tooMany = await rig.app.inject({
      method: 'PATCH',
      url: url(owner, '/subscription'),
      headers: { ...owner.headers, ...json },
      payload: { seat_count: 6 },
    });
    expect(tooMany.statusCode).toBe(422);
    // The field error names the field, as schema failures do.
    expect(tooMany.json()).toMatchObject({ code: 'validation_failed', errors: [{ path: 'seat_count' }] });

    const changed = await rig.app.inject({
      method: 'PATCH',
      url: url(owner, '/subscription'),
      headers: { ...owner.headers, ...json },
      payload: { plan_code: 'pro', seat_count: 12, auto_renew: false },
    });
    expect(changed.statusCode).toBe(200);
    expect(changed.json()).toMatchObject({ plan_code: 'pro', seat_count: 12, auto_renew: false });
    expect(changed.json().cancel_at).not.toBeNull();

    const cancelled = await rig.app.inject({
      method: 'POST',
      url: url(owner, '/subscription/cancel'),
      headers: { ...owner.headers, ...json },
      payload: { at_period_end: false },
    });
    expect(cancelled.statusCode).toBe(200);
    expect(cancelled.json()).toMatchObject({ status: 'canceled', auto_renew: false });
    const afterCancel = await rig.app.inject({
      method: 'POST',
      url: url(owner, '/subscription/cancel'),
      headers: { ...owner.headers, ...json },
      payload: { at_period_end: true },
    });
    expect(afterCancel.statusCode).toBe(404);
    // An ended subscription frees the slot for a new one.
    const restarted = await rig.app.inject({
      method: 'POST',
      url: url(owner, '/subscription'),
      headers: { ...owner.headers, ...json },
      payload: { plan_code: 'pro' },
    });
    expect(restarted.statusCode).toBe(201);
  });

  it('returns Checkout and portal URLs from Stripe', async () => {
    const owner = await signUp(rig.app);
    const checkout = await rig.app.inject({
      method: 'POST',
      url: url(owner, '/checkout-session'),
      headers: { ...owner.headers, ...json },
      payload: { plan_code: 'pro' },
    });
    expect(checkout.statusCode).toBe(200);
    expect(checkout.json().url).toMatch(new RegExp(`^${rig.fake.url}/checkout/cs_test_`));
    const session = [...rig.fake.checkoutSessions.values()].at(-1)!;
    expect(session).toMatchObject({ mode: 'subscription', client_reference_id: owner.session.tenant_id });
    const portal = await rig.app.inject({
      method: 'POST',
      url: url(owner, '/portal-session'),
      headers: { ...owner.headers, ...json },
      payload: {},
    });
    expect(portal.statusCode).toBe(200);
    expect(portal.json().url).toMatch(new RegExp(`^${rig.fake.url}/portal/bps_`));
  });

  it("sends customers back only to the web app's own origins (no open redirect through Stripe)", async () => {
    const owner = await signUp(rig.app);
    const post = (path: string, payload: object) =>
      rig.app.inject({ method: 'POST', url: url(owner, path), headers: { ...owner.headers, ...json }, payload });
    const hostile = ['https://evil.example/billing', 'http://localhost:3000.evil.example/x', 'javascript:alert(1)'];
    for (const bad of hostile) {
      for (const [path, field] of [
        ['/checkout-session', 'success_url'],
        ['/checkout-session', 'cancel_url'],
        ['/portal-session', 'return_url'],
      ] as const) {
        const res = await post(path, { [field]: bad });
        expect(res.statusCode, `${field}=${bad}`).toBe(422);
        expect(res.json().code).toBe('validation_failed');
      }
    }
    const ok = await post('/checkout-session', { success_url: 'http://localhost:3000/billing?welcome=1' });
    expect(ok.statusCode).toBe(200);
    expect([...rig.fake.checkoutSessions.values()].at(-1)!.success_url).toBe('http://localhost:3000/billing?welcome=1');
    expect((await post('/portal-session', { return_url: 'http://127.0.0.1:3000/billing' })).statusCode).toBe(200);
  });

  it('maps a Stripe outage to 503 unavailable, never a 500', async () => {
    const owner = await signUp(rig.app);
    rig.fake.failNext({ method: 'POST', path: '/v1/customers', times: 5, status: 503 });
    const res = await rig.app.inject({
      method: 'POST',
      url: url(owner, '/portal-session'),
      headers: { ...owner.headers, ...json },
      payload: {},
    });
    expect(res.statusCode).toBe(503);
    expect(res.json().code).toBe('unavailable');
    expect(res.headers['retry-after']).toBe('5');
    rig.fake.clearFailures();
  });

  it('counts usage once per idempotency key and reports it against the plan', async () => {
    const owner = await signUp(rig.app);
    const post = (payload: object) =>
      rig.app.inject({ method: 'POST', url: url(owner, '/usage'), headers: { ...owner.headers, ...json }, payload });
    const first = await post({ feature_key: 'messages', quantity: 5, idempotency_key: 'k-1' });
    expect(first.statusCode).toBe(202);
    expect(first.json()).toEqual({ accepted: true, duplicate: false });
    expect((await post({ feature_key: 'messages', quantity: 5, idempotency_key: 'k-1' })).json()).toEqual({
      accepted: true,
      duplicate: true,
    });
    await post({ feature_key: 'messages', quantity: 2 });
    expect((await post({ feature_key: 'gpu_hours', quantity: 1 })).statusCode).toBe(404);
    expect((await post({ feature_key: 'messages', quantity: 0 })).statusCode).toBe(422);
    const usage = await rig.app.inject({ method: 'GET', url: url(owner, '/usage'), headers: owner.headers });
    expect(usage.statusCode).toBe(200);
    expect(usage.json().items.find((i: { feature_key: string }) => i.feature_key === 'messages')).toEqual({
      feature_key: 'messages',
      used: 7,
      hard_limit: 2000,
      soft_limit: 1600,
    });
  });

  it('enforces billing:read vs billing:manage and the path tenant', async () => {
    const owner = await signUp(rig.app);
    // Four seats: the owner and one member of each other role.
    const subscribed = await rig.app.inject({
      method: 'POST',
      url: url(owner, '/subscription'),
      headers: { ...owner.headers, ...json },
      payload: { plan_code: 'starter', seat_count: 4 },
    });
    expect(subscribed.statusCode).toBe(201);
    const viewer = await addMember(rig.app, owner, 'viewer');
    const member = await addMember(rig.app, owner, 'member');
    const admin = await addMember(rig.app, owner, 'admin');
    const stranger = await signUp(rig.app);
    for (const reader of [viewer, member, admin]) {
      expect(
        (await rig.app.inject({ method: 'GET', url: url(owner, '/usage'), headers: reader.headers })).statusCode,
      ).toBe(200);
      expect(
        (await rig.app.inject({ method: 'GET', url: url(owner, '/invoices'), headers: reader.headers })).statusCode,
      ).toBe(200);
    }
    for (const weak of [viewer, member]) {
      const res = await rig.app.inject({
        method: 'POST',
        url: url(owner, '/subscription'),
        headers: { ...weak.headers, ...json },
        payload: { plan_code: 'starter' },
      });
      expect(res.statusCode).toBe(403);
      expect(res.json().code).toBe('insufficient_scope');
      expect(
        (
          await rig.app.inject({
            method: 'POST',
            url: url(owner, '/usage'),
            headers: { ...weak.headers, ...json },
            payload: { feature_key: 'messages', quantity: 1 },
          })
        ).statusCode,
      ).toBe(403);
    }
    expect(
      (
        await rig.app.inject({
          method: 'POST',
          url: url(owner, '/portal-session'),
          headers: { ...admin.headers, ...json },
          payload: {},
        })
      ).statusCode,
    ).toBe(200);
    const cross = await rig.app.inject({ method: 'GET', url: url(owner, '/subscription'), headers: stranger.headers });
    expect(cross.statusCode).toBe(403);
    expect(cross.json().code).toBe('tenant_mismatch');
    expect((await rig.app.inject({ method: 'GET', url: url(owner, '/usage') })).statusCode).toBe(401);
    expect(
      (await rig.app.inject({ method: 'GET', url: '/api/v1/billing/tenants/not-a-uuid/usage', headers: owner.headers }))
        .statusCode,
    ).toBeGreaterThanOrEqual(400);
  });

  it('lists invoices delivered by webhooks, for its own tenant only', async () => {
    const owner = await signUp(rig.app);
    const other = await signUp(rig.app);
    await rig.app.inject({
      method: 'POST',
      url: url(owner, '/portal-session'),
      headers: { ...owner.headers, ...json },
      payload: {},
    });
    const customerId = await rig.customerOf(owner.session.tenant_id);
    const invoice = rig.fake.createInvoiceObject({ customer: customerId!, status: 'paid', amount_due: 1900 });
    const event = rig.fake.event('invoice.paid', invoice);
    await deliver(rig.app, event);
    await eventually(async () => (await rig.billing.events.find(event.id))?.status === 'processed');
    const mine = await rig.app.inject({ method: 'GET', url: url(owner, '/invoices'), headers: owner.headers });
    expect(mine.json().items).toEqual([
      expect.objectContaining({ id: invoice.id, status: 'paid', amount_due_cents: 1900, currency: 'usd' }),
    ]);
    const theirs = await rig.app.inject({ method: 'GET', url: url(other, '/invoices'), headers: other.headers });
    expect(theirs.json().items).toEqual([]);
  });
});

describe('billing HTTP API with billing off', () => {
  it('keeps plans and usage readable and answers writes and the stream with 503 billing_disabled', async () => {
    const test = await createTestApp();
    try {
      const owner = await signUp(test.app);
      const base = `/api/v1/billing/tenants/${owner.session.tenant_id}`;
      expect((await test.app.inject({ method: 'GET', url: '/api/v1/billing/plans' })).statusCode).toBe(200);
      expect((await test.app.inject({ method: 'GET', url: `${base}/usage`, headers: owner.headers })).statusCode).toBe(
        200,
      );
      for (const [method, path, payload] of [
        ['POST', '/subscription', { plan_code: 'starter' }],
        ['PATCH', '/subscription', { seat_count: 2 }],
        ['POST', '/subscription/cancel', { at_period_end: true }],
        ['POST', '/checkout-session', {}],
        ['POST', '/portal-session', {}],
        ['DELETE', '/subscription/pending-change', undefined],
        ['GET', '/invoices/upcoming', undefined],
        ['GET', '/payment-methods', undefined],
        ['POST', '/payment-methods/setup-intent', undefined],
        ['POST', '/payment-methods/pm_123/default', undefined],
        ['DELETE', '/payment-methods/pm_123', undefined],
      ] as const) {
        const res = await test.app.inject({
          method,
          url: `${base}${path}`,
          headers: payload ? { ...owner.headers, ...json } : owner.headers,
          ...(payload ? { payload } : {}),
        });
        expect(res.statusCode, `${method} ${path}`).toBe(503);
        expect(res.json().code).toBe('billing_disabled');
      }
      const stream = await test.app.inject({ method: 'GET', url: '/api/v1/billing/stream', headers: owner.headers });
      expect(stream.statusCode).toBe(503);
      expect(stream.json().code).toBe('billing_disabled');
    } finally {
      await test.close();
    }
  });
});
