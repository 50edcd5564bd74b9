import { eq, sql } from 'drizzle-orm';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../../test/harness.js';
import { addMember, logIn, NO_LOGIN_THROTTLE, signUp, type TestUser } from '../../../test/factories.js';
import { users } from '../auth/accounts/accounts.tables.js';
import { TenantsRepo } from '../tenants/tenants.repo.js';
import { billingSubscriptions } from '../billing/billing.tables.js';
import { TABLES_WITHOUT_TENANT_ID, TenantDeletion, tenantOwnedTables } from './tenant-deletion.js';

/** API.md "Tenant operations and audit": deprovisioning and the deletion of a tenant's data. */
describe.each([
  ['0', 'at once'],
  ['30', 'after the retention'],
])('deprovisioning with TENANT_DATA_RETENTION_DAYS=%s (%s)', (days) => {
  let t: TestApp;
  let operator: TestUser;
  let victim: TestUser;
  let colleague: TestUser;
  let bystander: TestUser;
  /** Also a member of the bystander tenant: the account must survive. */
  let shared: TestUser;

  const call = (user: TestUser | undefined, method: string, url: string, payload?: unknown) =>
    t.app.inject({
      method: method as 'GET',
      url,
      headers: user?.headers ?? {},
      ...(payload === undefined ? {} : { payload: payload as object }),
    });

  /** Rows per tenant-owned table for one tenant. */
  const rowsOf = async (tenantId: string) => {
    const counts: Record<string, number> = {};
    for (const table of await tenantOwnedTables(t.database.db)) {
      const r = await t.database.db.execute(
        sql`select count(*)::int as n from ${sql.identifier(table)} where tenant_id = ${tenantId}`,
      );
      counts[table] = (r.rows[0] as { n: number }).n;
    }
    const tenant = await t.database.db.execute(sql`select count(*)::int as n from tenants where id = ${tenantId}`);
    counts.tenants = (tenant.rows[0] as { n: number }).n;
    return counts;
  };

  const populate = async (user: TestUser) => {
    expect((await call(user, 'POST', '/api/v1/chat', { message: 'What time is it in Lisbon?' })).statusCode).toBe(200);
    expect(
      (await call(user, 'POST', '/api/v1/service-accounts', { name: 'bot', scopes: ['tools:read'] })).statusCode,
    ).toBe(201);
    expect(
      (await call(user, 'POST', '/api/v1/tenants/current/invitations', { email: 'pending@example.test' })).statusCode,
    ).toBe(201);
  };

  beforeAll(async () => {
    t = await createTestApp({ ...NO_LOGIN_THROTTLE, TENANT_DATA_RETENTION_DAYS: days });
    const op = await signUp(t.app, { tenant_name: 'Operations' });
    await t.database.db.update(users).set({ isOperator: true }).where(eq(users.email, op.email));
    operator = await logIn(t.app, op);
    victim = await signUp(t.app, { tenant_name: 'Leaving Co' });
    // Five seats (owner, colleague, shared account, a pending invitation), as a paid plan gives; the
    // subscription row is the tenant's too, so its deletion is checked with the rest.
    await t.database.db
      .insert(billingSubscriptions)
      .values({ tenantId: victim.session.tenant_id, planCode: 'pro', status: 'active', seatCount: 5 });
    colleague = await addMember(t.app, victim, 'admin');
    bystander = await signUp(t.app, { tenant_name: 'Staying Co' });
    shared = await addMember(t.app, bystander, 'member');
    // The shared account also joins the leaving tenant.
    const invite = await call(victim, 'POST', '/api/v1/tenants/current/invitations', { email: shared.email });
    expect(
      (await call(shared, 'POST', '/api/v1/tenants/invitations/accept', { token: invite.json().token })).statusCode,
    ).toBe(200);
    await populate(victim);
    await populate(bystander);
  });
  afterAll(async () => t?.close());

  it('refuses the tenant at once and deletes every row of it when due, and nothing of anyone else', async () => {
    const victimId = victim.session.tenant_id;
    const before = await rowsOf(victimId);
    for (const table of ['conversations', 'messages', 'memberships', 'service_accounts', 'audit_events', 'sessions'])
      expect(before[table], table).toBeGreaterThan(0);
    const others = await rowsOf(bystander.session.tenant_id);

    const res = await call(operator, 'POST', `/api/v1/platform/tenants/${victimId}/deprovision`, {
      reason: 'contract ended',
    });
    expect(res.statusCode, res.body).toBe(202);
    expect(res.json()).toMatchObject({ id: victimId, status: 'deprovisioned' });
    const due = new Date(res.json().delete_after).getTime();
    expect(Math.abs(due - (Date.now() + Number(days) * 86_400_000))).toBeLessThan(60_000);

    const me = await call(colleague, 'GET', '/api/v1/auth/me');
    expect([me.statusCode, me.json().code]).toEqual([403, 'tenant_suspended']);

    if (days !== '0') {
      // Still there until due; login refused; suspend/reactivate refused; a repeat keeps the date.
      expect((await rowsOf(victimId)).conversations).toBe(before.conversations);
      const login = await call(undefined, 'POST', '/api/v1/auth/token', {
        email: colleague.email,
        password: colleague.password,
      });
      expect([login.statusCode, login.json().code]).toEqual([403, 'tenant_suspended']);
      expect((await call(operator, 'POST', `/api/v1/platform/tenants/${victimId}/reactivate`)).statusCode).toBe(409);
      const again = await call(operator, 'POST', `/api/v1/platform/tenants/${victimId}/deprovision`, { reason: 'x' });
      expect(again.json().delete_after).toBe(res.json().delete_after);
      const repo = new TenantsRepo();
      const deletion = new TenantDeletion({
        database: t.database,
        tenants: { dueForDeletion: (now) => repo.dueForDeletion(t.database.db, now) },
        jobs: undefined as never,
        logger: pino({ level: 'silent' }),
        intervalMs: 1000,
      });
      expect(await deletion.deleteDue(new Date())).toEqual([]);
      expect(await deletion.deleteDue(new Date(due + 1000))).toEqual([victimId]);
    }

    const after = await rowsOf(victimId);
    for (const [table, n] of Object.entries(after)) expect([table, n]).toEqual([table, 0]);
    expect(await rowsOf(bystander.session.tenant_id)).toEqual(others);
    // Accounts of that tenant only are gone; the one also in another tenant stays and still signs in there.
    const emails = (await t.database.db.select({ email: users.email }).from(users)).map((u) => u.email);
    expect(emails).not.toContain(victim.email);
    expect(emails).not.toContain(colleague.email);
    expect(emails).toContain(shared.email);
    expect((await logIn(t.app, shared, bystander.session.tenant_id)).session.tenant_id).toBe(
      bystander.session.tenant_id,
    );
    expect((await call(operator, 'GET', `/api/v1/platform/tenants/${victimId}`)).statusCode).toBe(404);
  });
});

describe('tenant-owned tables', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(async () => t?.close());

  it('every table has a tenant_id (deleted by it) or says in TABLES_WITHOUT_TENANT_ID how deletion treats it', async () => {
    const result = await t.database.db.execute(
      sql`select table_name from information_schema.tables where table_schema = 'public' order by 1`,
    );
    const all = (result.rows as { table_name: string }[]).map((r) => r.table_name);
    const owned = new Set(await tenantOwnedTables(t.database.db));
    const uncovered = all.filter((table) => !owned.has(table) && !(table in TABLES_WITHOUT_TENANT_ID));
    expect(uncovered, 'tables a tenant deletion would leave behind').toEqual([]);
    const stale = Object.keys(TABLES_WITHOUT_TENANT_ID).filter((table) => !all.includes(table) || owned.has(table));
    expect(stale, 'entries of TABLES_WITHOUT_TENANT_ID that are not (or no longer) tables without tenant_id').toEqual(
      [],
    );
  });
});

describe('deprovisioning a paying tenant (billing on, fake Stripe)', () => {
  it('cancels the Stripe subscription at once, idempotently', async () => {
    const { startBillingRig } = await import('../../../test/support/billing-rig.js');
    const rig = await startBillingRig(NO_LOGIN_THROTTLE);
    try {
      const op = await signUp(rig.app);
      await rig.test.database.db.update(users).set({ isOperator: true }).where(eq(users.email, op.email));
      const operator = await logIn(rig.app, op);
      const owner = await signUp(rig.app);
      const tenantId = owner.session.tenant_id;
      const created = await rig.app.inject({
        method: 'POST',
        url: `/api/v1/billing/tenants/${tenantId}/subscription`,
        headers: owner.headers,
        payload: { plan_code: 'starter' },
      });
      expect(created.statusCode, created.body).toBe(201);
      for (let i = 0; i < 2; i++) {
        const res = await rig.app.inject({
          method: 'POST',
          url: `/api/v1/platform/tenants/${tenantId}/deprovision`,
          headers: operator.headers,
          payload: { reason: 'offboarding' },
        });
        expect(res.statusCode, res.body).toBe(202);
      }
      expect((await rig.subscriptionOf(tenantId))?.status).toBe('canceled');
    } finally {
      await rig.close();
    }
  });
});
