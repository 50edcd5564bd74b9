import type { AuditEvent } from '@agentry/contracts';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, listenOnFreePort, type TestApp } from '../../../test/harness.js';
import { streamSse } from '../../../test/support/sse-client.js';
import { addMember, logIn, NO_LOGIN_THROTTLE, signUp, type TestUser } from '../../../test/factories.js';
import { users } from '../auth/accounts/accounts.tables.js';

/** API.md "Tenant operations and audit": platform operators, suspension and reactivation. */
describe('platform operators over HTTP', () => {
  let t: TestApp;
  let other: TestApp;
  let operator: TestUser;
  let owner: TestUser;
  let member: TestUser;
  let bystander: TestUser;

  const call = (app: TestApp, user: TestUser | undefined, method: string, url: string, payload?: unknown) =>
    app.app.inject({
      method: method as 'GET',
      url,
      headers: user?.headers ?? {},
      ...(payload === undefined ? {} : { payload: payload as object }),
    });
  const tenantOf = (u: TestUser) => u.session.tenant_id;

  beforeAll(async () => {
    t = await createTestApp({ ...NO_LOGIN_THROTTLE, OFFLINE_MODEL_DELAY_MS: '15' });
    // A second replica on the same database and ports: a suspension must reach it at once.
    other = await createTestApp(
      { ...NO_LOGIN_THROTTLE, OFFLINE_MODEL_DELAY_MS: '15', DATA_DIR: t.config.dataDir },
      { database: t.database, ports: t.ports },
    );
    const op = await signUp(t.app, { tenant_name: 'Operations' });
    await t.database.db.update(users).set({ isOperator: true }).where(eq(users.email, op.email));
    operator = await logIn(t.app, op);
    owner = await signUp(t.app, { tenant_name: 'Acme Widgets' });
    member = await addMember(t.app, owner, 'member');
    bystander = await signUp(t.app, { tenant_name: 'Bystander Co' });
  });
  afterAll(async () => {
    await other?.close();
    await t?.close();
  });

  it('an operator’s token carries platform:operator; nobody else’s does, and they get 403', async () => {
    expect(operator.session.scopes).toContain('platform:operator');
    expect(owner.session.scopes).not.toContain('platform:operator');
    const id = tenantOf(owner);
    for (const [method, url, body] of [
      ['GET', '/api/v1/platform/tenants'],
      ['GET', `/api/v1/platform/tenants/${id}`],
      ['POST', `/api/v1/platform/tenants/${id}/suspend`, { reason: 'x' }],
      ['POST', `/api/v1/platform/tenants/${id}/reactivate`],
    ] as const) {
      const res = await call(t, owner, method, url, body);
      expect([url, res.statusCode, res.json().code]).toEqual([url, 403, 'insufficient_scope']);
      expect((await call(t, undefined, method, url, body)).statusCode).toBe(401);
    }
  });

  it('lists every tenant by slug with member counts; search, status filter and cursor pages', async () => {
    const found = await call(t, operator, 'GET', '/api/v1/platform/tenants?q=acme');
    expect(found.statusCode, found.body).toBe(200);
    expect(found.json().items).toEqual([
      expect.objectContaining({
        id: tenantOf(owner),
        name: 'Acme Widgets',
        status: 'active',
        member_count: 2,
        plan_code: null,
      }),
    ]);
    expect(
      (await call(t, operator, 'GET', `/api/v1/platform/tenants?q=${tenantOf(bystander)}`)).json().items,
    ).toHaveLength(1);
    expect((await call(t, operator, 'GET', '/api/v1/platform/tenants?q=%25')).json().items).toEqual([]);

    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const res = await call(
        t,
        operator,
        'GET',
        `/api/v1/platform/tenants?limit=1${cursor ? `&cursor=${cursor}` : ''}`,
      );
      expect(res.statusCode, res.body).toBe(200);
      seen.push(...res.json().items.map((i: { slug: string }) => i.slug));
      cursor = res.json().next_cursor;
    } while (cursor);
    expect(seen.length).toBeGreaterThanOrEqual(3);
    expect([...seen].sort()).toEqual(seen);
  });

  it('reads a tenant with its members and usage; unknown 404, malformed 422', async () => {
    const res = await call(t, operator, 'GET', `/api/v1/platform/tenants/${tenantOf(owner)}`);
    expect(res.statusCode, res.body).toBe(200);
    const detail = res.json();
    expect(detail.members.map((m: { email: string }) => m.email).sort()).toEqual([owner.email, member.email].sort());
    expect(detail).toMatchObject({ status: 'active', subscription: null, suspended_at: null });
    expect(detail.usage === null || Array.isArray(detail.usage.items)).toBe(true);
    const unknown = await call(t, operator, 'GET', '/api/v1/platform/tenants/00000000-0000-4000-8000-000000000000');
    expect(unknown.statusCode).toBe(404);
    expect((await call(t, operator, 'GET', '/api/v1/platform/tenants/nope')).statusCode).toBe(422);
  });

  it('bad input is 4xx, never 5xx', async () => {
    const id = tenantOf(owner);
    for (const [method, url, body, status] of [
      ['GET', '/api/v1/platform/tenants?cursor=!!', undefined, 400],
      ['GET', `/api/v1/platform/tenants?cursor=${Buffer.from('../x').toString('base64url')}`, undefined, 400],
      ['GET', '/api/v1/platform/tenants?limit=0', undefined, 422],
      ['GET', '/api/v1/platform/tenants?status=deleted', undefined, 422],
      ['GET', '/api/v1/platform/tenants?q=%00', undefined, 422],
      ['POST', `/api/v1/platform/tenants/${id}/suspend`, { reason: '' }, 422],
      ['POST', `/api/v1/platform/tenants/${id}/suspend`, { reason: 'x'.repeat(501) }, 422],
      ['POST', `/api/v1/platform/tenants/${id}/suspend`, {}, 422],
      ['POST', '/api/v1/platform/tenants/00000000-0000-4000-8000-000000000000/suspend', { reason: 'x' }, 404],
      ['POST', '/api/v1/platform/tenants/00000000-0000-4000-8000-000000000000/reactivate', undefined, 404],
    ] as const) {
      const res = await call(t, operator, method, url, body);
      expect([url, res.statusCode]).toEqual([url, status]);
    }
  });

  it('suspension: tokens refused on every replica, login and refresh refused, other tenants untouched, audited', async () => {
    const id = tenantOf(owner);
    const res = await call(t, operator, 'POST', `/api/v1/platform/tenants/${id}/suspend`, {
      reason: 'abuse report 42',
    });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({ id, status: 'suspended', reason: 'abuse report 42' });

    for (const app of [t, other]) {
      const me = await call(app, member, 'GET', '/api/v1/auth/me');
      expect([me.statusCode, me.json().code]).toEqual([403, 'tenant_suspended']);
    }
    const login = await call(t, undefined, 'POST', '/api/v1/auth/token', {
      email: owner.email,
      password: owner.password,
    });
    expect([login.statusCode, login.json().code]).toEqual([403, 'tenant_suspended']);
    const refresh = await call(t, undefined, 'POST', '/api/v1/auth/refresh', {
      refresh_token: owner.session.refresh_token,
    });
    expect(refresh.statusCode).toBeGreaterThanOrEqual(400);
    expect(refresh.statusCode).toBeLessThan(500);
    expect((await call(other, bystander, 'GET', '/api/v1/auth/me')).statusCode).toBe(200);

    const listed = await call(t, operator, 'GET', '/api/v1/platform/tenants?status=suspended');
    expect(listed.json().items.map((i: { id: string }) => i.id)).toEqual([id]);
    const detail = (await call(t, operator, 'GET', `/api/v1/platform/tenants/${id}`)).json();
    expect(detail).toMatchObject({ status: 'suspended', suspend_reason: 'abuse report 42' });
  });

  it('reactivation restores access (the ended sessions stay ended); both actions are in the tenant’s audit log', async () => {
    const id = tenantOf(owner);
    const res = await call(t, operator, 'POST', `/api/v1/platform/tenants/${id}/reactivate`);
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toEqual({ id, status: 'active' });
    for (const app of [t, other]) expect((await call(app, member, 'GET', '/api/v1/auth/me')).statusCode).toBe(401);
    const again = await logIn(t.app, owner);
    expect((await call(other, again, 'GET', '/api/v1/auth/me')).statusCode).toBe(200);

    const log = (await call(t, again, 'GET', '/api/v1/audit-events?limit=200')).json().items as AuditEvent[];
    const ops = log.filter((e) => e.action.startsWith('tenant.'));
    expect(ops.map((e) => e.action)).toEqual(['tenant.reactivated', 'tenant.suspended']);
    for (const e of ops) expect(e.actor).toMatchObject({ type: 'operator', id: operator.session.user_id });
    expect(ops[1].metadata).toEqual({ reason: 'abuse report 42' });
    // The operator's own tenant's log holds nothing of it; neither does the bystander's.
    const theirs = (await call(t, bystander, 'GET', '/api/v1/audit-events?limit=200')).json().items as AuditEvent[];
    expect(theirs.some((e) => e.action.startsWith('tenant.'))).toBe(false);
  });

  it('suspension ends the tenant’s running runs with run.failed tenant_suspended, whichever replica runs them', async () => {
    const victim = await signUp(t.app, { tenant_name: 'Streaming Co' });
    const port = Number(new URL(await listenOnFreePort(t.app)).port);
    let suspended = false;
    const res = await streamSse({
      port,
      method: 'POST',
      path: '/api/v1/chat/stream',
      headers: victim.headers,
      body: { message: 'please tell me a long story about seven blue whales that sing across the cold northern sea' },
      stopWhen: (e) => {
        if (!suspended && e.event === 'message.delta') {
          suspended = true;
          // Suspended through the other replica: the run on this one ends through pub/sub.
          void call(other, operator, 'POST', `/api/v1/platform/tenants/${tenantOf(victim)}/suspend`, {
            reason: 'stop it',
          }).then((r) => expect(r.statusCode).toBe(200));
        }
        return false;
      },
    });
    expect(suspended).toBe(true);
    expect(res.events.at(-1)).toMatchObject({
      event: 'run.failed',
      data: { code: 'tenant_suspended', retryable: false },
    });
    expect(res.events.filter((e) => e.event === 'run.completed')).toHaveLength(0);
  });
});
