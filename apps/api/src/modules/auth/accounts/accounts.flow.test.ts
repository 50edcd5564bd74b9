import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../../../test/harness.js';
import { addMember, NO_LOGIN_THROTTLE, signUp, logIn } from '../../../../test/factories.js';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp(NO_LOGIN_THROTTLE);
});
afterAll(async () => t?.close());

describe('bodiless routes sent Content-Type: application/json with an empty body', () => {
  it('treat it as no body: email/verify/send 202, logout 204, logout/all 204; a route that needs a body still answers 400', async () => {
    const owner = await signUp(t.app);
    const json = (user: { headers: { authorization: string } }) => ({
      ...user.headers,
      'content-type': 'application/json',
      'content-length': '0',
    });
    const send = await t.app.inject({
      method: 'POST',
      url: '/api/v1/auth/email/verify/send',
      headers: json(owner),
      payload: '',
    });
    expect(send.statusCode, send.body).toBe(202);
    const session = await logIn(t.app, owner);
    const out = await t.app.inject({ method: 'POST', url: '/api/v1/auth/logout', headers: json(session), payload: '' });
    expect(out.statusCode, out.body).toBe(204);
    expect((await t.app.inject({ method: 'GET', url: '/api/v1/auth/me', headers: session.headers })).statusCode).toBe(
      401,
    );
    const all = await t.app.inject({
      method: 'POST',
      url: '/api/v1/auth/logout/all',
      headers: json(owner),
      payload: '',
    });
    expect(all.statusCode, all.body).toBe(204);
    const refresh = await t.app.inject({
      method: 'POST',
      url: '/api/v1/auth/refresh',
      headers: { 'content-type': 'application/json', 'content-length': '0' },
      payload: '',
    });
    expect([refresh.statusCode, refresh.json().code]).toEqual([400, 'bad_request']);
  });
});

describe('register → login → refresh → logout', () => {
  it('round trip', async () => {
    const owner = await signUp(t.app, { tenant_name: 'Acme Corp', display_name: 'Ada' });
    expect(owner.session.role).toBe('owner');
    expect(owner.session.refresh_token).toMatch(/^rt_/);
    expect((owner.session as unknown as { tenant_slug: string }).tenant_slug).toMatch(/^acme-corp-/);
    const me = await t.app.inject({ method: 'GET', url: '/api/v1/auth/me', headers: owner.headers });
    expect(me.statusCode).toBe(200);
    expect(me.json().tenant.name).toBe('Acme Corp');

    const again = await logIn(t.app, owner);
    const refreshed = await t.app.inject({
      method: 'POST',
      url: '/api/v1/auth/refresh',
      payload: { refresh_token: again.session.refresh_token },
    });
    expect(refreshed.statusCode).toBe(200);
    const pair = refreshed.json();
    expect(pair.refresh_token).not.toBe(again.session.refresh_token);

    const out = await t.app.inject({
      method: 'POST',
      url: '/api/v1/auth/logout',
      headers: { authorization: `Bearer ${pair.access_token}` },
    });
    expect(out.statusCode).toBe(204);
    const after = await t.app.inject({
      method: 'GET',
      url: '/api/v1/auth/me',
      headers: { authorization: `Bearer ${pair.access_token}` },
    });
    expect(after.statusCode).toBe(401);
    const me2 = await t.app.inject({ method: 'GET', url: '/api/v1/auth/me', headers: owner.headers });
    expect(me2.statusCode).toBe(200);

    const viewer = await addMember(t.app, owner, 'viewer');
    expect(viewer.session.role).toBe('viewer');
    expect(viewer.session.tenant_id).toBe(owner.session.tenant_id);
  });
});
