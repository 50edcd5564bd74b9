import crypto from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../../test/harness.js';
import { addMember, NO_LOGIN_THROTTLE, signUp } from '../../../test/factories.js';
import { memberships } from './tenants.tables.js';

/**
 * The member list joins memberships (tenants' table) with who the accounts are through the auth
 * module's account directory — tenants never reads auth's tables.
 */
let t: TestApp;
beforeAll(async () => {
  t = await createTestApp(NO_LOGIN_THROTTLE);
});
afterAll(async () => t?.close());

describe('GET /api/v1/tenants/current/members', () => {
  it("shows each member's e-mail and display name from their account, oldest first, and only the caller's tenant", async () => {
    const owner = await signUp(t.app, { display_name: 'Olga Owner' });
    const admin = await addMember(t.app, owner, 'admin', { display_name: 'Ada Admin' });
    const viewer = await addMember(t.app, owner, 'viewer');
    await signUp(t.app); // another tenant's owner, never listed here
    const res = await t.app.inject({ method: 'GET', url: '/api/v1/tenants/current/members', headers: owner.headers });
    expect(res.statusCode).toBe(200);
    expect(res.json().items.map((m: Record<string, unknown>) => [m.user_id, m.email, m.display_name, m.role])).toEqual([
      [owner.session.user_id, owner.email, 'Olga Owner', 'owner'],
      [admin.session.user_id, admin.email, 'Ada Admin', 'admin'],
      [viewer.session.user_id, viewer.email, null, 'viewer'],
    ]);
  });

  it('a membership whose account does not exist is not listed', async () => {
    const owner = await signUp(t.app);
    await t.database.db
      .insert(memberships)
      .values({ tenantId: owner.session.tenant_id, userId: crypto.randomUUID(), role: 'member' });
    const res = await t.app.inject({ method: 'GET', url: '/api/v1/tenants/current/members', headers: owner.headers });
    expect(res.json().items.map((m: { user_id: string }) => m.user_id)).toEqual([owner.session.user_id]);
  });
});
