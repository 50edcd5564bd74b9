import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signUp, uniqueEmail, type TestUser } from '../../../test/factories.js';
import { startBillingRig } from '../../../test/support/billing-rig.js';

type Rig = Awaited<ReturnType<typeof startBillingRig>>;

/** Seats with a subscription: its `seat_count` is the limit; lowering it below the seats in use is refused. */
describe('seats with a subscription (billing on, fake Stripe)', () => {
  let rig: Rig;
  beforeAll(async () => {
    rig = await startBillingRig();
  });
  afterAll(async () => rig?.close());

  const call = (owner: TestUser, method: 'GET' | 'POST' | 'PATCH', url: string, payload?: object) =>
    rig.app.inject({ method, url, headers: owner.headers, ...(payload ? { payload } : {}) });
  const billing = (owner: TestUser, path: string) => `/api/v1/billing/tenants/${owner.session.tenant_id}${path}`;
  const invite = (owner: TestUser, email = uniqueEmail()) =>
    call(owner, 'POST', '/api/v1/tenants/current/invitations', { email, role: 'member' });
  const seats = async (owner: TestUser) => (await call(owner, 'GET', '/api/v1/tenants/current/members')).json().seats;

  it('follows seat_count, refuses to go below the seats in use, updates the Stripe quantity, and falls back to the starter seats when the subscription ends', async () => {
    const owner = await signUp(rig.app);
    const created = await call(owner, 'POST', billing(owner, '/subscription'), { plan_code: 'pro', seat_count: 5 });
    expect(created.statusCode).toBe(201);
    expect(await seats(owner)).toEqual({ used: 1, limit: 5 });

    const tokens: { email: string; token: string }[] = [];
    for (let i = 0; i < 4; i++) {
      const res = await invite(owner);
      expect(res.statusCode).toBe(201);
      tokens.push(res.json());
    }
    expect((await invite(owner)).json()).toMatchObject({ code: 'seat_limit_reached', details: { used: 5, limit: 5 } });

    const lower = await call(owner, 'PATCH', billing(owner, '/subscription'), { seat_count: 4 });
    expect(lower.statusCode).toBe(409);
    expect(lower.json().code).toBe('seat_limit_reached');

    const raised = await call(owner, 'PATCH', billing(owner, '/subscription'), { seat_count: 6 });
    expect(raised.statusCode).toBe(200);
    const update = rig.fake.requests
      .filter((r) => r.method === 'POST' && /^\/v1\/subscriptions\/sub_/.test(r.path))
      .at(-1)!;
    expect(update.params.items[0].quantity).toBe('6');
    expect(await seats(owner)).toEqual({ used: 5, limit: 6 });
    expect((await invite(owner)).statusCode).toBe(201);

    const usage = (await call(owner, 'GET', billing(owner, '/usage'))).json();
    expect(usage.items.find((i: { feature_key: string }) => i.feature_key === 'seats')).toMatchObject({
      used: 6,
      hard_limit: 6,
    });

    // Ended: back to the starter plan's 3 seats while 6 are in use — nobody else joins.
    const cancelled = await call(owner, 'POST', billing(owner, '/subscription/cancel'), { at_period_end: false });
    expect(cancelled.statusCode).toBe(200);
    expect(await seats(owner)).toEqual({ used: 6, limit: 3 });
    const join = await rig.app.inject({
      method: 'POST',
      url: '/api/v1/auth/register',
      payload: { email: tokens[0].email, password: 'Str0ng-password-xyz', invite_token: tokens[0].token },
    });
    expect(join.statusCode).toBe(409);
    expect(join.json().code).toBe('seat_limit_reached');
    expect((await invite(owner)).statusCode).toBe(409);
  });
});
