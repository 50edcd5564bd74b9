import crypto from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../../../test/harness.js';
import { metricValue } from '../../../../test/support/metrics.js';
import { addMember, bearer, logIn, NO_LOGIN_THROTTLE, signUp, uniqueEmail } from '../../../../test/factories.js';
import { buildSignedEnvelope } from '../../../cli/commands/service-accounts.js';

const operator = crypto.generateKeyPairSync('ed25519');
const operatorX = (operator.publicKey.export({ format: 'jwk' }) as { x: string }).x;

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp({
    ...NO_LOGIN_THROTTLE,
    AUTH_LOCKOUT_THRESHOLD: '3',
    AUTH_LOCKOUT_DURATION_SECONDS: '2',
    AUTH_OPERATOR_KEYS: JSON.stringify({ ops1: operatorX }),
  });
});
afterAll(async () => t?.close());

const post = (url: string, payload: unknown, headers: Record<string, string> = {}) =>
  t.app.inject({ method: 'POST', url, payload: payload as object, headers });
const metric = (series: string) => metricValue(t.app, series);

describe('register', () => {
  it('409 email_taken, case-insensitively', async () => {
    const u = await signUp(t.app);
    const res = await post('/api/v1/auth/register', { email: u.email.toUpperCase(), password: 'another-Str0ng-pass' });
    expect([res.statusCode, res.json().code]).toEqual([409, 'email_taken']);
  });

  it.each([
    ['too short', 'short-pw1'],
    ['over 72 UTF-8 bytes (never truncated)', 'é'.repeat(37)],
    ['common', 'password1234'],
  ])('422 for a weak password: %s', async (_n, password) => {
    const res = await post('/api/v1/auth/register', { email: uniqueEmail(), password });
    expect([res.statusCode, res.json().code]).toEqual([422, 'validation_failed']);
    // Field errors name the field itself, as in the contract's example (`"path": "email"`).
    expect(res.json().errors.map((e: { path: string }) => e.path)).toContain('password');
  });

  it('422 field errors name the field: an invalid email is at path "email"', async () => {
    const res = await post('/api/v1/auth/register', { email: 'not-an-email', password: 'another-Str0ng-pass' });
    expect(res.statusCode).toBe(422);
    expect(res.json().errors).toEqual([{ path: 'email', message: expect.any(String) }]);
  });

  it('a 72-byte password works, and its 72nd byte matters', async () => {
    const password = `${'a'.repeat(60)}Bc1-xyz-XYZ`.slice(0, 71) + 'Q';
    expect(Buffer.byteLength(password)).toBe(72);
    const u = await signUp(t.app, { password });
    const wrong = await post('/api/v1/auth/token', { email: u.email, password: `${password.slice(0, 71)}R` });
    expect(wrong.statusCode).toBe(401);
    expect((await post('/api/v1/auth/token', { email: u.email, password })).statusCode).toBe(200);
  });

  it('403 signup_closed under invite_only and closed', async () => {
    for (const policy of ['invite_only', 'closed']) {
      const other = await createTestApp({ SIGNUP_POLICY: policy });
      try {
        const res = await other.app.inject({
          method: 'POST',
          url: '/api/v1/auth/register',
          payload: { email: uniqueEmail(), password: 'Str0ng-enough-pass' },
        });
        expect([res.statusCode, res.json().code]).toEqual([403, 'signup_closed']);
      } finally {
        await other.close();
      }
    }
  }, 120_000); // two more embedded databases: slow on a shared machine
});

describe('login', () => {
  it('unknown e-mail: same 401 as a wrong password, after one bcrypt comparison (counted)', async () => {
    const before = await metric('auth_password_comparisons_total{result="dummy"}');
    const res = await post('/api/v1/auth/token', { email: uniqueEmail('ghost'), password: 'whatever-Pass-123' });
    expect([res.statusCode, res.json().code, res.json().detail]).toEqual([
      401,
      'invalid_credentials',
      'Invalid email or password.',
    ]);
    expect(await metric('auth_password_comparisons_total{result="dummy"}')).toBe(before + 1);
  });

  it('locks at the threshold (423 with Retry-After), even for the right password, and unlocks after the duration', async () => {
    const u = await signUp(t.app);
    for (let i = 0; i < 3; i++)
      expect((await post('/api/v1/auth/token', { email: u.email, password: 'wrong-Password-1' })).statusCode).toBe(401);
    const locked = await post('/api/v1/auth/token', { email: u.email, password: u.password });
    expect([locked.statusCode, locked.json().code]).toEqual([423, 'account_locked']);
    expect(Number(locked.headers['retry-after'])).toBeGreaterThan(0);
    await new Promise((r) => setTimeout(r, 2100));
    expect((await post('/api/v1/auth/token', { email: u.email, password: u.password })).statusCode).toBe(200);
  });

  it('an existing account registering with an invitation gets email_taken (it accepts through /tenants/invitations/accept)', async () => {
    const owner = await signUp(t.app);
    const member = await addMember(t.app, owner, 'member');
    const second = await signUp(t.app);
    const inv = await post(
      '/api/v1/tenants/current/invitations',
      { email: member.email, role: 'viewer' },
      second.headers,
    );
    expect(inv.statusCode).toBe(201);
    const res = await post('/api/v1/auth/register', {
      email: member.email,
      password: member.password,
      invite_token: inv.json().token,
    });
    expect([res.statusCode, res.json().code]).toEqual([409, 'email_taken']);
    // The invitation is still usable by its owner (tenants.invitations.test.ts covers the rest).
    expect(
      (await post('/api/v1/tenants/invitations/accept', { token: inv.json().token }, member.headers)).statusCode,
    ).toBe(200);
  });
});

describe('tenants and members', () => {
  it('members list, role change, last owner rules, removal ends sessions', async () => {
    const owner = await signUp(t.app, { tenant_name: 'Team X' });
    const admin = await addMember(t.app, owner, 'admin');
    const viewer = await addMember(t.app, owner, 'viewer');
    const cur = await t.app.inject({ method: 'GET', url: '/api/v1/tenants/current', headers: viewer.headers });
    expect(cur.json()).toMatchObject({ id: owner.session.tenant_id, name: 'Team X' });
    const members = await t.app.inject({
      method: 'GET',
      url: '/api/v1/tenants/current/members',
      headers: admin.headers,
    });
    expect(
      members
        .json()
        .items.map((m: { role: string }) => m.role)
        .sort(),
    ).toEqual(['admin', 'owner', 'viewer']);
    const demote = await t.app.inject({
      method: 'PATCH',
      url: `/api/v1/tenants/current/members/${owner.session.user_id}`,
      headers: owner.headers,
      payload: { role: 'admin' },
    });
    expect([demote.statusCode, demote.json().code]).toEqual([409, 'conflict']);
    const removeOwner = await t.app.inject({
      method: 'DELETE',
      url: `/api/v1/tenants/current/members/${owner.session.user_id}`,
      headers: owner.headers,
    });
    expect(removeOwner.statusCode).toBe(409);
    const adminMakesOwner = await t.app.inject({
      method: 'PATCH',
      url: `/api/v1/tenants/current/members/${viewer.session.user_id}`,
      headers: admin.headers,
      payload: { role: 'owner' },
    });
    expect(adminMakesOwner.statusCode).toBe(403);
    const promote = await t.app.inject({
      method: 'PATCH',
      url: `/api/v1/tenants/current/members/${viewer.session.user_id}`,
      headers: owner.headers,
      payload: { role: 'member' },
    });
    expect([promote.statusCode, promote.json()]).toEqual([200, { role: 'member' }]);
    const remove = await t.app.inject({
      method: 'DELETE',
      url: `/api/v1/tenants/current/members/${admin.session.user_id}`,
      headers: owner.headers,
    });
    expect(remove.statusCode).toBe(204);
    expect((await t.app.inject({ method: 'GET', url: '/api/v1/auth/me', headers: admin.headers })).statusCode).toBe(
      401,
    );
    const stranger = await signUp(t.app);
    const cross = await t.app.inject({
      method: 'DELETE',
      url: `/api/v1/tenants/current/members/${viewer.session.user_id}`,
      headers: stranger.headers,
    });
    expect(cross.statusCode).toBe(404);
  });
});

describe('e-mail and passwords', () => {
  it('forgot → reset (from the outbox) revokes sessions and lifts a lockout; verify e-mail; bad tokens are 400', async () => {
    const u = await signUp(t.app);
    expect((await post('/api/v1/auth/password/forgot', { email: u.email })).statusCode).toBe(202);
    expect((await post('/api/v1/auth/password/forgot', { email: uniqueEmail('nobody') })).statusCode).toBe(202);
    const { mailOutbox } = await import('../../mail/mail.tables.js');
    const rows = await t.database.db.select().from(mailOutbox);
    const mine = rows.filter((r) => r.toAddress === u.email);
    const token = (kind: string) => /token=([^\s&]+)/.exec(mine.find((r) => r.kind === kind)!.bodyText)![1];
    const verify = await post('/api/v1/auth/email/verify', { token: decodeURIComponent(token('verify_email')) });
    expect(verify.statusCode).toBe(204);
    const reset = await post('/api/v1/auth/password/reset', {
      token: decodeURIComponent(token('password_reset')),
      new_password: 'Brand-new-Passw0rd',
    });
    expect(reset.statusCode).toBe(204);
    expect((await t.app.inject({ method: 'GET', url: '/api/v1/auth/me', headers: u.headers })).statusCode).toBe(401);
    const again = await post('/api/v1/auth/password/reset', {
      token: decodeURIComponent(token('password_reset')),
      new_password: 'Brand-new-Passw0rd2',
    });
    expect([again.statusCode, again.json().code]).toEqual([400, 'invalid_token']);
    const fresh = await logIn(t.app, { email: u.email, password: 'Brand-new-Passw0rd' });
    const me = await t.app.inject({ method: 'GET', url: '/api/v1/auth/me', headers: fresh.headers });
    expect(me.json().user.email_verified).toBe(true);
  });

  it('a refused new password leaves the reset link usable; two concurrent resets with it: exactly one wins', async () => {
    const u = await signUp(t.app);
    expect((await post('/api/v1/auth/password/forgot', { email: u.email })).statusCode).toBe(202);
    const { mailOutbox } = await import('../../mail/mail.tables.js');
    const mail = (await t.database.db.select().from(mailOutbox)).find(
      (r) => r.toAddress === u.email && r.kind === 'password_reset',
    )!;
    const token = decodeURIComponent(/token=([^\s&]+)/.exec(mail.bodyText)![1]);

    const weak = await post('/api/v1/auth/password/reset', { token, new_password: 'password' });
    expect([weak.statusCode, weak.json().code]).toEqual([422, 'validation_failed']);
    const results = await Promise.all(
      ['Retry-after-refusal-1', 'Retry-after-refusal-2'].map((p) =>
        post('/api/v1/auth/password/reset', { token, new_password: p }),
      ),
    );
    expect(results.map((r) => r.statusCode).sort()).toEqual([204, 400]);
    const winner = results[0].statusCode === 204 ? 'Retry-after-refusal-1' : 'Retry-after-refusal-2';
    expect((await post('/api/v1/auth/token', { email: u.email, password: winner })).statusCode).toBe(200);
  });

  it('password change: 401 on a wrong current password, revokes other sessions', async () => {
    const u = await signUp(t.app);
    const other = await logIn(t.app, u);
    const wrong = await post(
      '/api/v1/auth/password/change',
      { current_password: 'nope-nope-nope', new_password: 'Another-Str0ng-1' },
      u.headers,
    );
    expect([wrong.statusCode, wrong.json().code]).toEqual([401, 'invalid_credentials']);
    const ok = await post(
      '/api/v1/auth/password/change',
      { current_password: u.password, new_password: 'Another-Str0ng-1' },
      u.headers,
    );
    expect(ok.statusCode).toBe(204);
    expect((await t.app.inject({ method: 'GET', url: '/api/v1/auth/me', headers: u.headers })).statusCode).toBe(200);
    expect((await t.app.inject({ method: 'GET', url: '/api/v1/auth/me', headers: other.headers })).statusCode).toBe(
      401,
    );
  });
});

describe('service accounts', () => {
  it('create (scopes within the caller), refresh as service:<id>, list, revoke stops its tokens', async () => {
    const owner = await signUp(t.app);
    const member = await addMember(t.app, owner, 'admin');
    const tooMuch = await post('/api/v1/service-accounts', { name: 'x', scopes: ['tenant:manage'] }, member.headers);
    expect(tooMuch.statusCode).toBe(403);
    const created = await post(
      '/api/v1/service-accounts',
      { name: 'bot', scopes: ['conversations:read', 'tools:read'] },
      owner.headers,
    );
    expect(created.statusCode).toBe(201);
    const session = (await post('/api/v1/auth/refresh', { refresh_token: created.json().refresh_token })).json();
    const claims = JSON.parse(Buffer.from(session.access_token.split('.')[1], 'base64url').toString());
    expect(claims.sub).toBe(`service:${created.json().id}`);
    expect(session.scopes).toEqual(['conversations:read', 'tools:read']);
    const list = await t.app.inject({ method: 'GET', url: '/api/v1/service-accounts', headers: owner.headers });
    expect(list.json().items.map((i: { id: string }) => i.id)).toContain(created.json().id);
    const del = await t.app.inject({
      method: 'DELETE',
      url: `/api/v1/service-accounts/${created.json().id}`,
      headers: owner.headers,
    });
    expect(del.statusCode).toBe(204);
    expect(
      (await t.app.inject({ method: 'GET', url: '/api/v1/tenants/current', headers: bearer(session.access_token) }))
        .statusCode,
    ).toBe(401);
    expect((await post('/api/v1/auth/refresh', { refresh_token: session.refresh_token })).statusCode).toBe(401);
  });

  it('operator issuance: signed envelope → 201; bad signature, stale iat, reused nonce → 401', async () => {
    const owner = await signUp(t.app);
    const env = buildSignedEnvelope({
      account: 'ci',
      tenantId: owner.session.tenant_id,
      scopes: ['tools:read'],
      keyId: 'ops1',
      privateKey: operator.privateKey,
    });
    const ok = await post('/api/v1/auth/service-accounts/issue', env.body, env.headers);
    expect(ok.statusCode).toBe(201);
    expect(ok.json()).toMatchObject({ tenant_id: owner.session.tenant_id, scopes: ['tools:read'] });
    const replay = await post('/api/v1/auth/service-accounts/issue', env.body, env.headers);
    expect([replay.statusCode, replay.json().code]).toEqual([401, 'nonce_reused']);
    const forged = buildSignedEnvelope({
      account: 'ci',
      tenantId: owner.session.tenant_id,
      scopes: ['*'],
      keyId: 'ops1',
      privateKey: crypto.generateKeyPairSync('ed25519').privateKey,
    });
    expect((await post('/api/v1/auth/service-accounts/issue', forged.body, forged.headers)).statusCode).toBe(401);
    const tampered = buildSignedEnvelope({
      account: 'ci',
      tenantId: owner.session.tenant_id,
      scopes: ['tools:read'],
      keyId: 'ops1',
      privateKey: operator.privateKey,
    });
    const tamperedRes = await post(
      '/api/v1/auth/service-accounts/issue',
      tampered.body.replace('tools:read', 'tenant:manage'),
      tampered.headers,
    );
    expect(tamperedRes.statusCode).toBe(401);
    const stale = buildSignedEnvelope({
      account: 'ci',
      tenantId: owner.session.tenant_id,
      scopes: ['tools:read'],
      keyId: 'ops1',
      privateKey: operator.privateKey,
      now: Date.now() - 301_000,
    });
    expect((await post('/api/v1/auth/service-accounts/issue', stale.body, stale.headers)).statusCode).toBe(401);
    const malformed = await post('/api/v1/auth/service-accounts/issue', '{not json', {
      'content-type': 'application/json',
    });
    expect(malformed.statusCode).toBe(400);
  });
});
