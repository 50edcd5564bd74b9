import type { AuditEvent } from '@agentry/contracts';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addMember, logIn, NO_LOGIN_THROTTLE, signUp, strongPassword, type TestUser } from '../../../test/factories.js';
import { startBillingRig } from '../../../test/support/billing-rig.js';
import { mailOutbox } from '../mail/mail.tables.js';
import { totpCode } from '../auth/accounts/mfa/totp.js';
import { looksLikeSecret } from './audit-scrub.js';

type Rig = Awaited<ReturnType<typeof startBillingRig>>;

/** API.md "Tenant operations and audit": each action recorded by the flow that causes it, read back over HTTP. */
describe('the audit log over HTTP', () => {
  let rig: Rig;
  let owner: TestUser;
  let member: TestUser;
  let stranger: TestUser;
  /** Every secret the flows handled: none may appear anywhere in the stored log. */
  const secrets: string[] = [];

  const call = (user: TestUser | undefined, method: string, url: string, payload?: unknown, headers = {}) =>
    rig.app.inject({
      method: method as 'GET',
      url,
      headers: { ...(user?.headers ?? {}), ...headers },
      ...(payload === undefined ? {} : { payload: payload as object }),
    });
  const events = async (user: TestUser, query = '') => {
    const res = await call(user, 'GET', `/api/v1/audit-events${query}`);
    expect(res.statusCode, res.body).toBe(200);
    return res.json() as { items: AuditEvent[]; next_cursor: string | null };
  };
  const find = async (user: TestUser, action: string) => (await events(user, `?action=${action}&limit=200`)).items;

  beforeAll(async () => {
    rig = await startBillingRig(NO_LOGIN_THROTTLE);
    owner = await signUp(rig.app);
    stranger = await signUp(rig.app);
    member = await addMember(rig.app, owner, 'member');
    secrets.push(owner.password, member.password, stranger.password, owner.session.refresh_token);
  });
  afterAll(async () => rig?.close());

  it('auth.login with the masked IP, the user agent and the request id of the request', async () => {
    const res = await rig.app.inject({
      method: 'POST',
      url: '/api/v1/auth/token',
      remoteAddress: '198.51.100.77',
      headers: { 'user-agent': `AuditTest/1.0 ${'x'.repeat(500)}`, 'x-request-id': 'audit-login-1' },
      payload: { email: owner.email, password: owner.password },
    });
    expect(res.statusCode, res.body).toBe(200);
    secrets.push(res.json().access_token, res.json().refresh_token);
    const [login] = await find(owner, 'auth.login');
    expect(login).toMatchObject({
      action: 'auth.login',
      actor: { type: 'user', id: owner.session.user_id, email: owner.email },
      ip_masked: '198.51.100.0',
      request_id: 'audit-login-1',
      metadata: { method: 'password' },
    });
    expect(login.user_agent).toHaveLength(256);
    expect(login.user_agent?.startsWith('AuditTest/1.0')).toBe(true);
  });

  it('auth.login_failed for a wrong password of a member; an unknown e-mail is in no tenant’s log', async () => {
    const wrong = 'Wrong-passw0rd-123';
    secrets.push(wrong);
    expect(
      (await call(undefined, 'POST', '/api/v1/auth/token', { email: owner.email, password: wrong })).statusCode,
    ).toBe(401);
    await call(undefined, 'POST', '/api/v1/auth/token', { email: 'nobody@example.test', password: wrong });
    const failed = await find(owner, 'auth.login_failed');
    expect(failed).toHaveLength(1);
    expect(failed[0]).toMatchObject({ actor: { id: owner.session.user_id }, metadata: { reason: 'bad_password' } });
  });

  it('member.invited, member.joined, member.role_changed, member.removed', async () => {
    const invited = await find(owner, 'member.invited');
    expect(invited[0]).toMatchObject({
      actor: { type: 'user', id: owner.session.user_id },
      metadata: { role: 'member' },
    });
    expect(JSON.stringify(invited)).not.toContain('inv_');
    const joined = await find(owner, 'member.joined');
    expect(joined[0]).toMatchObject({ actor: { id: member.session.user_id }, metadata: { role: 'member' } });

    const other = await addMember(rig.app, owner, 'viewer');
    const id = other.session.user_id;
    expect((await call(owner, 'PATCH', `/api/v1/tenants/current/members/${id}`, { role: 'admin' })).statusCode).toBe(
      200,
    );
    expect((await call(owner, 'DELETE', `/api/v1/tenants/current/members/${id}`)).statusCode).toBe(204);
    expect((await find(owner, 'member.role_changed'))[0]).toMatchObject({
      target: { type: 'user', id },
      metadata: { from: 'viewer', to: 'admin' },
    });
    expect((await find(owner, 'member.removed'))[0]).toMatchObject({ target: { type: 'user', id } });
  });

  it('service_account.created and service_account.deleted, never the refresh token', async () => {
    const created = await call(owner, 'POST', '/api/v1/service-accounts', { name: 'ci-bot', scopes: ['tools:read'] });
    expect(created.statusCode, created.body).toBe(201);
    secrets.push(created.json().refresh_token);
    const id = created.json().id;
    expect((await call(owner, 'DELETE', `/api/v1/service-accounts/${id}`)).statusCode).toBe(204);
    expect((await find(owner, 'service_account.created'))[0]).toMatchObject({
      target: { type: 'service_account', id },
      metadata: { name: 'ci-bot', scopes: ['tools:read'] },
    });
    expect((await find(owner, 'service_account.deleted'))[0]).toMatchObject({ target: { id } });
  });

  it('subscription.changed on create and update', async () => {
    const url = `/api/v1/billing/tenants/${owner.session.tenant_id}/subscription`;
    expect((await call(owner, 'POST', url, { plan_code: 'starter' })).statusCode).toBe(201);
    expect((await call(owner, 'PATCH', url, { auto_renew: false })).statusCode).toBe(200);
    const changes = await find(owner, 'subscription.changed');
    expect(changes.map((e) => e.metadata.change)).toEqual(['updated', 'created']);
    expect(changes[1]).toMatchObject({ metadata: { plan_code: 'starter' }, actor: { id: owner.session.user_id } });
  });

  it('auth.password_changed, auth.password_reset and auth.logout', async () => {
    const user = await signUp(rig.app);
    const next = strongPassword();
    const reset = strongPassword();
    secrets.push(user.password, next, reset);
    const changed = await call(user, 'POST', '/api/v1/auth/password/change', {
      current_password: user.password,
      new_password: next,
    });
    expect(changed.statusCode, changed.body).toBe(204);
    expect(await find(user, 'auth.password_changed')).toHaveLength(1);

    await call(undefined, 'POST', '/api/v1/auth/password/forgot', { email: user.email });
    const mail = (await rig.test.database.db.select().from(mailOutbox)).find(
      (r) => r.toAddress === user.email && r.kind === 'password_reset',
    );
    const token = decodeURIComponent(/token=([^\s&]+)/.exec(mail!.bodyText)![1]);
    secrets.push(token);
    expect(
      (await call(undefined, 'POST', '/api/v1/auth/password/reset', { token, new_password: reset })).statusCode,
    ).toBe(204);
    const again = await logIn(rig.app, { email: user.email, password: reset });
    expect(await find(again, 'auth.password_reset')).toHaveLength(1);
    expect((await call(again, 'POST', '/api/v1/auth/logout')).statusCode).toBe(204);
    const admin = await logIn(rig.app, { email: user.email, password: reset });
    expect((await find(admin, 'auth.logout'))[0]).toMatchObject({
      actor: { type: 'user', id: user.session.user_id },
      target: { type: 'session', id: again.session.session_id },
    });
  });

  it('auth.mfa_enabled, auth.recovery_code_used and auth.mfa_disabled, never the secret or the codes', async () => {
    const user = await signUp(rig.app);
    const enroll = await call(user, 'POST', '/api/v1/auth/mfa/totp/enroll');
    expect(enroll.statusCode).toBe(200);
    const { secret } = enroll.json() as { secret: string };
    const now = Math.floor(Date.now() / 1000);
    const verified = await call(user, 'POST', '/api/v1/auth/mfa/totp/verify', { code: totpCode(secret, now) });
    expect(verified.statusCode, verified.body).toBe(200);
    const codes = verified.json().recovery_codes as string[];
    secrets.push(secret, ...codes);
    expect((await find(user, 'auth.mfa_enabled')).map((e) => e.actor.id)).toEqual([user.session.user_id]);

    const login = await call(undefined, 'POST', '/api/v1/auth/token', { email: user.email, password: user.password });
    expect(login.statusCode).toBe(202);
    const challenged = await call(undefined, 'POST', '/api/v1/auth/mfa/challenge', {
      mfa_token: login.json().mfa_token,
      recovery_code: codes[0],
    });
    expect(challenged.statusCode, challenged.body).toBe(200);
    const again: TestUser = {
      ...user,
      session: challenged.json(),
      headers: { authorization: `Bearer ${challenged.json().access_token}` },
    };
    expect(await find(again, 'auth.recovery_code_used')).toHaveLength(1);

    // The next time step: a code accepted once is refused the second time.
    const off = await call(again, 'DELETE', '/api/v1/auth/mfa', {
      password: user.password,
      code: totpCode(secret, now + 30),
    });
    expect(off.statusCode, off.body).toBe(204);
    expect(await find(again, 'auth.mfa_disabled')).toHaveLength(1);
  });

  it('pages newest first with an opaque cursor, and filters by actor and since', async () => {
    const all: AuditEvent[] = [];
    let cursor: string | null = null;
    do {
      const page = await events(owner, `?limit=3${cursor ? `&cursor=${cursor}` : ''}`);
      expect(page.items.length).toBeLessThanOrEqual(3);
      all.push(...page.items);
      cursor = page.next_cursor;
    } while (cursor);
    const full = (await events(owner, '?limit=200')).items;
    expect(all.map((e) => e.id)).toEqual(full.map((e) => e.id));
    expect(new Set(all.map((e) => e.id)).size).toBe(all.length);
    const times = all.map((e) => e.created_at);
    expect([...times].sort().reverse()).toEqual(times);

    const mine = (await events(owner, `?actor_id=${member.session.user_id}`)).items;
    expect(mine.length).toBeGreaterThan(0);
    expect(mine.every((e) => e.actor.id === member.session.user_id)).toBe(true);
    const future = (await events(owner, `?since=${encodeURIComponent('2999-01-01T00:00:00Z')}`)).items;
    expect(future).toEqual([]);
  });

  it('a tenant never sees another tenant’s events, even by filtering on its actors', async () => {
    await logIn(rig.app, stranger);
    const theirs = (await events(stranger, '?limit=200')).items;
    expect(theirs.length).toBeGreaterThan(0);
    const ownerIds = new Set((await events(owner, '?limit=200')).items.map((e) => e.id));
    expect(theirs.some((e) => ownerIds.has(e.id))).toBe(false);
    expect((await events(stranger, `?actor_id=${owner.session.user_id}`)).items).toEqual([]);
    // A cursor is a position, not a key: another tenant's cursor only pages the caller's own log.
    const ownerPage = await events(owner, '?limit=1');
    const viaCursor = (await events(stranger, `?cursor=${ownerPage.next_cursor}`)).items;
    expect(viaCursor.some((e) => ownerIds.has(e.id))).toBe(false);
  });

  it('needs audit:read: a member gets 403, no token 401', async () => {
    expect((await call(member, 'GET', '/api/v1/audit-events')).statusCode).toBe(403);
    expect((await call(member, 'GET', '/api/v1/audit-events/export')).statusCode).toBe(403);
    expect((await call(undefined, 'GET', '/api/v1/audit-events')).statusCode).toBe(401);
  });

  it('bad input is 4xx, never 5xx', async () => {
    const bad = [
      ['?cursor=not-a-cursor!', 400, 'invalid_cursor'],
      [`?cursor=${Buffer.from('["2020-01-01T00:00:00.000Z","x"]').toString('base64url')}`, 400, 'invalid_cursor'],
      [
        `?cursor=${Buffer.from('["+275760-09-13T00:00:00.000Z","00000000-0000-4000-8000-000000000000"]').toString('base64url')}`,
        400,
        'invalid_cursor',
      ],
      [`?cursor=${'A'.repeat(300)}`, 422, 'validation_failed'],
      ['?limit=0', 422, 'validation_failed'],
      ['?limit=1000', 422, 'validation_failed'],
      ['?limit=abc', 422, 'validation_failed'],
      ['?action=nope', 422, 'validation_failed'],
      ['?actor_id=123', 422, 'validation_failed'],
      ['?since=yesterday', 422, 'validation_failed'],
      ['?since=%00', 422, 'validation_failed'],
    ] as const;
    for (const [query, status, code] of bad) {
      const res = await call(owner, 'GET', `/api/v1/audit-events${query}`);
      expect([query, res.statusCode, res.json().code]).toEqual([query, status, code]);
    }
    for (const query of ['?format=xml', '?since=nope', '?format=csv&action=x']) {
      const res = await call(owner, 'GET', `/api/v1/audit-events/export${query}`);
      expect([query, res.statusCode]).toEqual([query, 422]);
    }
  });

  it('exports the same events as NDJSON and CSV, streamed, newest first', async () => {
    const listed = (await events(owner, '?limit=200')).items;
    const nd = await call(owner, 'GET', '/api/v1/audit-events/export?format=ndjson');
    expect(nd.statusCode).toBe(200);
    expect(nd.headers['content-type']).toContain('application/x-ndjson');
    expect(nd.headers['content-disposition']).toContain('audit-events.ndjson');
    const lines = nd.body
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as AuditEvent);
    expect(lines.map((e) => e.id)).toEqual(listed.map((e) => e.id));

    const csv = await call(owner, 'GET', '/api/v1/audit-events/export?format=csv&action=member.invited');
    expect(csv.statusCode).toBe(200);
    expect(csv.headers['content-type']).toContain('text/csv');
    const rows = csv.body.trim().split('\r\n');
    expect(rows[0]).toBe(
      'id,created_at,action,actor_type,actor_id,actor_email,target_type,target_id,ip_masked,user_agent,request_id,metadata',
    );
    expect(rows.length - 1).toBe(listed.filter((e) => e.action === 'member.invited').length);
    expect(rows[1]).toContain(',member.invited,user,');

    const since = await call(owner, 'GET', '/api/v1/audit-events/export?since=2999-01-01T00:00:00Z');
    expect(since.body).toBe('');
  });

  it('no secret, token or password is stored anywhere in the log', async () => {
    const dump = (
      await rig.test.database.db.execute(sql`select row_to_json(a)::text as j from audit_events a`)
    ).rows.map((r) => (r as { j: string }).j);
    expect(dump.length).toBeGreaterThan(15);
    const text = dump.join('\n');
    for (const secret of secrets) expect(text.includes(secret), 'a secret is in the audit log').toBe(false);
    for (const row of dump) {
      const values = Object.values(JSON.parse(row).metadata as Record<string, unknown>);
      for (const v of values) if (typeof v === 'string') expect(looksLikeSecret(v)).toBe(false);
    }
    // Every action recorded here is in the contract's list.
    const actions = new Set(dump.map((r) => JSON.parse(r).action as string));
    expect([...actions].sort()).toEqual(
      [
        'auth.login',
        'auth.login_failed',
        'auth.logout',
        'auth.mfa_disabled',
        'auth.mfa_enabled',
        'auth.password_changed',
        'auth.password_reset',
        'auth.recovery_code_used',
        'member.invited',
        'member.joined',
        'member.removed',
        'member.role_changed',
        'service_account.created',
        'service_account.deleted',
        'subscription.changed',
      ].sort(),
    );
  });
});
