import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { logIn, signUp } from '../../../test/factories.js';
import { deliver, eventually, startBillingRig } from '../../../test/support/billing-rig.js';
import { users } from '../auth/accounts/accounts.tables.js';

type Rig = Awaited<ReturnType<typeof startBillingRig>>;

/** API.md "Tenant operations and audit": Stripe webhooks for a suspended tenant are still processed. */
describe('a suspended tenant and Stripe', () => {
  let rig: Rig;
  beforeAll(async () => {
    rig = await startBillingRig();
  });
  afterAll(async () => rig?.close());

  it('refuses the tenant’s token but still applies its webhooks', async () => {
    const op = await signUp(rig.app, { tenant_name: 'Operations' });
    await rig.test.database.db.update(users).set({ isOperator: true }).where(eq(users.email, op.email));
    const operator = await logIn(rig.app, op);
    const owner = await signUp(rig.app, { tenant_name: 'Paused Co' });
    const tenantId = owner.session.tenant_id;

    const suspended = await rig.app.inject({
      method: 'POST',
      url: `/api/v1/platform/tenants/${tenantId}/suspend`,
      headers: operator.headers,
      payload: { reason: 'chargeback review' },
    });
    expect(suspended.statusCode).toBe(200);
    const me = await rig.app.inject({ method: 'GET', url: '/api/v1/auth/me', headers: owner.headers });
    expect([me.statusCode, me.json().code]).toEqual([403, 'tenant_suspended']);

    const customer = rig.fake.createCustomer({ metadata: { tenant_id: tenantId } });
    await rig.saveCustomer(tenantId, customer.id);
    const starter = (await rig.billing.plans.get('starter'))!;
    const sub = rig.fake.createSubscriptionObject({
      customer: customer.id,
      items: [{ price: starter.stripePriceId!, quantity: 3 }],
      trial_period_days: 14,
      metadata: { tenant_id: tenantId },
    });
    const event = rig.fake.event('customer.subscription.created', sub);
    expect((await deliver(rig.app, event)).statusCode).toBe(202);
    await eventually(async () => (await rig.billing.events.find(event.id))?.status === 'processed');
    expect(await rig.subscriptionOf(tenantId)).toMatchObject({ stripeSubscriptionId: sub.id, status: 'trialing' });
  });
});
