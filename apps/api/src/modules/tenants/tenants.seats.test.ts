import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../../test/harness.js';
import { NO_LOGIN_THROTTLE, signUp, uniqueEmail, type TestUser } from '../../../test/factories.js';

/**
 * Seats without a subscription (API.md "Billing, more"): members + pending invitations against the
 * starter plan's `seats_included` (3). Seats with a subscription are in billing's seats test.
 */
let t: TestApp;
beforeAll(async () => {
  t = await createTestApp(NO_LOGIN_THROTTLE);
});
afterAll(async () => t?.close());

const invite = (owner: TestUser, email = uniqueEmail()) =>
  t.app.inject({
    method: 'POST',
    url: '/api/v1/tenants/current/invitations',
    headers: owner.headers,
    payload: { email, role: 'member' },
  });
const get = (owner: TestUser, url: string) => t.app.inject({ method: 'GET', url, headers: owner.headers });

describe('seats: members + pending invitations, up to the limit', () => {
  it('counts the owner and pending invitations, refuses the one past the limit with 409, frees a seat on revoke', async () => {
    const owner = await signUp(t.app);
    expect((await get(owner, '/api/v1/tenants/current/members')).json().seats).toEqual({ used: 1, limit: 3 });

    const first = await invite(owner);
    expect(first.statusCode).toBe(201);
    expect((await invite(owner)).statusCode).toBe(201);
    const over = await invite(owner);
    expect(over.statusCode).toBe(409);
    expect(over.json()).toMatchObject({ code: 'seat_limit_reached', details: { used: 3, limit: 3 } });

    const members = (await get(owner, '/api/v1/tenants/current/members')).json();
    expect(members.seats).toEqual({ used: 3, limit: 3 });
    const pending = (await get(owner, '/api/v1/tenants/current/invitations')).json().items;
    expect(pending).toHaveLength(2);
    expect(pending[0]).not.toHaveProperty('token');

    // The billing usage read shows the same numbers as the members page.
    const usage = await get(owner, `/api/v1/billing/tenants/${owner.session.tenant_id}/usage`);
    expect(usage.json().items.find((i: { feature_key: string }) => i.feature_key === 'seats')).toMatchObject({
      used: 3,
      hard_limit: 3,
    });

    const revoked = await t.app.inject({
      method: 'DELETE',
      url: `/api/v1/tenants/current/invitations/${first.json().id}`,
      headers: owner.headers,
    });
    expect(revoked.statusCode).toBe(204);
    // The revoked token no longer joins anyone.
    const late = await t.app.inject({
      method: 'POST',
      url: '/api/v1/auth/register',
      payload: { email: first.json().email, password: 'Str0ng-password-xyz', invite_token: first.json().token },
    });
    expect(late.statusCode).toBeGreaterThanOrEqual(400);
    expect(late.statusCode).toBeLessThan(500);
    expect((await invite(owner)).statusCode).toBe(201);
  });

  it('lets pending invitations join at the limit (their seat is already counted)', async () => {
    const owner = await signUp(t.app);
    const email = uniqueEmail();
    const token = (await invite(owner, email)).json().token;
    await invite(owner);
    const joined = await signUp(t.app, { email, invite_token: token });
    expect(joined.session.tenant_id).toBe(owner.session.tenant_id);
    expect((await get(owner, '/api/v1/tenants/current/members')).json().seats).toEqual({ used: 3, limit: 3 });
  });

  it('lets only one of many concurrent invitations at the boundary through', async () => {
    const owner = await signUp(t.app);
    await invite(owner);
    const results = await Promise.all(Array.from({ length: 6 }, () => invite(owner)));
    expect(results.map((r) => r.statusCode).sort()).toEqual([201, 409, 409, 409, 409, 409]);
    expect((await get(owner, '/api/v1/tenants/current/members')).json().seats).toEqual({ used: 3, limit: 3 });
  });

  it('revokes only a pending invitation of its own tenant', async () => {
    const owner = await signUp(t.app);
    const stranger = await signUp(t.app);
    const id = (await invite(owner)).json().id;
    const del = (who: TestUser, which: string) =>
      t.app.inject({ method: 'DELETE', url: `/api/v1/tenants/current/invitations/${which}`, headers: who.headers });
    expect((await del(stranger, id)).statusCode).toBe(404);
    expect((await del(owner, 'not-a-uuid')).statusCode).toBe(422);
    expect((await del(owner, id)).statusCode).toBe(204);
    expect((await del(owner, id)).statusCode).toBe(404);
  });
});
