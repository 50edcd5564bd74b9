import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../../test/harness.js';
import { addMember, logIn, NO_LOGIN_THROTTLE, signUp, type TestUser } from '../../../test/factories.js';
import { invitations } from './tenants.tables.js';

/**
 * An existing account joins a second tenant (`POST /api/v1/tenants/invitations/accept`), and login
 * then needs `tenant_id` to say which tenant the session is for.
 */
let t: TestApp;
beforeAll(async () => {
  t = await createTestApp(NO_LOGIN_THROTTLE);
});
afterAll(async () => t?.close());

const post = (url: string, payload: object, headers: Record<string, string> = {}) =>
  t.app.inject({ method: 'POST', url, payload, headers });
const accept = (token: string, user: TestUser) => post('/api/v1/tenants/invitations/accept', { token }, user.headers);
async function invite(owner: TestUser, email: string, role = 'member'): Promise<string> {
  const res = await post('/api/v1/tenants/current/invitations', { email, role }, owner.headers);
  expect(res.statusCode).toBe(201);
  return res.json().token;
}

describe('accepting an invitation with an existing account', () => {
  it('joins the tenant with the invited role; the token is single use', async () => {
    const host = await signUp(t.app, { tenant_name: 'Host Team' });
    const guest = await signUp(t.app);
    const token = await invite(host, guest.email.toUpperCase(), 'admin'); // the e-mail matches case-insensitively
    const res = await accept(token, guest);
    expect(res.statusCode).toBe(200);
    const hostTenant = (
      await t.app.inject({ method: 'GET', url: '/api/v1/tenants/current', headers: host.headers })
    ).json();
    expect(res.json()).toEqual({
      tenant: { id: hostTenant.id, slug: hostTenant.slug, name: 'Host Team' },
      role: 'admin',
    });
    const members = (
      await t.app.inject({ method: 'GET', url: '/api/v1/tenants/current/members', headers: host.headers })
    ).json();
    expect(members.items).toContainEqual(expect.objectContaining({ user_id: guest.session.user_id, role: 'admin' }));

    const again = await accept(token, guest);
    expect([again.statusCode, again.json().code]).toEqual([400, 'invalid_token']);
  });

  it("another user's invitation is 404 (and stays usable by its addressee); unknown and expired tokens are 400", async () => {
    const host = await signUp(t.app);
    const invitee = await signUp(t.app);
    const thief = await signUp(t.app);
    const token = await invite(host, invitee.email);
    const stolen = await accept(token, thief);
    expect([stolen.statusCode, stolen.json().code]).toEqual([404, 'not_found']);
    expect((await accept(token, invitee)).statusCode).toBe(200);
    // After use, the thief still learns nothing but "not found".
    expect((await accept(token, thief)).statusCode).toBe(404);

    const unknown = await accept('inv_not-a-real-token', invitee);
    expect([unknown.statusCode, unknown.json().code]).toEqual([400, 'invalid_token']);

    const other = await signUp(t.app);
    const expiring = await invite(other, invitee.email);
    await t.database.db
      .update(invitations)
      .set({ expiresAt: new Date(Date.now() - 1000) })
      .where(eq(invitations.tenantId, other.session.tenant_id));
    const expired = await accept(expiring, invitee);
    expect([expired.statusCode, expired.json().code]).toEqual([400, 'invalid_token']);
  });

  it('409 conflict when already a member; a service account and no token are refused; bad bodies are 422', async () => {
    const host = await signUp(t.app);
    const member = await addMember(t.app, host, 'viewer');
    const token = await invite(host, member.email, 'admin');
    const dup = await accept(token, member);
    expect([dup.statusCode, dup.json().code]).toEqual([409, 'conflict']);
    // The refused accept did not burn the invitation, nor change the role.
    const members = (
      await t.app.inject({ method: 'GET', url: '/api/v1/tenants/current/members', headers: host.headers })
    ).json();
    expect(members.items).toContainEqual(expect.objectContaining({ user_id: member.session.user_id, role: 'viewer' }));

    expect((await post('/api/v1/tenants/invitations/accept', { token })).statusCode).toBe(401);
    const sa = await post('/api/v1/service-accounts', { name: 'bot', scopes: ['tools:read'] }, host.headers);
    const saSession = (await post('/api/v1/auth/refresh', { refresh_token: sa.json().refresh_token })).json();
    const bySa = await post(
      '/api/v1/tenants/invitations/accept',
      { token },
      { authorization: `Bearer ${saSession.access_token}` },
    );
    expect(bySa.statusCode).toBe(403);
    for (const body of [{}, { token: '' }, { token: 42 }]) {
      const res = await post('/api/v1/tenants/invitations/accept', body, member.headers);
      expect([res.statusCode, res.json().code]).toEqual([422, 'validation_failed']);
    }
  });

  it('two concurrent accepts of one token: exactly one joins', async () => {
    const host = await signUp(t.app);
    const guest = await signUp(t.app);
    const token = await invite(host, guest.email);
    const results = await Promise.all([accept(token, guest), accept(token, guest)]);
    expect(results.filter((r) => r.statusCode === 200)).toHaveLength(1);
    // The loser meets either the used invitation or the membership the winner just committed.
    const loser = results.find((r) => r.statusCode !== 200)!;
    expect([
      [400, 'invalid_token'],
      [409, 'conflict'],
    ]).toContainEqual([loser.statusCode, loser.json().code]);
  });
});

describe('login for a user in several tenants', () => {
  it('400 tenant_required without tenant_id; tenant_id picks the tenant and its role', async () => {
    const home = await signUp(t.app);
    const host = await signUp(t.app, { tenant_name: 'Second Home' });
    expect((await accept(await invite(host, home.email, 'viewer'), home)).statusCode).toBe(200);

    const bare = await post('/api/v1/auth/token', { email: home.email, password: home.password });
    expect([bare.statusCode, bare.json().code]).toEqual([400, 'tenant_required']);

    const inHome = await logIn(t.app, home, home.session.tenant_id);
    expect([inHome.session.tenant_id, inHome.session.role]).toEqual([home.session.tenant_id, 'owner']);
    const inHost = await logIn(t.app, home, host.session.tenant_id);
    expect([inHost.session.tenant_id, inHost.session.role]).toEqual([host.session.tenant_id, 'viewer']);
    const me = await t.app.inject({ method: 'GET', url: '/api/v1/auth/me', headers: inHost.headers });
    expect(me.json()).toMatchObject({ tenant: { id: host.session.tenant_id, name: 'Second Home' }, role: 'viewer' });
    // The viewer session really has the viewer's scopes in that tenant.
    expect(
      (await t.app.inject({ method: 'GET', url: '/api/v1/tenants/current/members', headers: inHost.headers }))
        .statusCode,
    ).toBe(403);
  });

  it('a tenant_id the user is not a member of is 401 invalid_credentials, exactly like a wrong password', async () => {
    const user = await signUp(t.app);
    const stranger = await signUp(t.app);
    const wrongTenant = await post('/api/v1/auth/token', {
      email: user.email,
      password: user.password,
      tenant_id: stranger.session.tenant_id,
    });
    const wrongPassword = await post('/api/v1/auth/token', { email: user.email, password: `${user.password}x` });
    expect([wrongTenant.statusCode, wrongTenant.json().code]).toEqual([401, 'invalid_credentials']);
    const shape = (r: typeof wrongTenant) => ({ ...r.json(), request_id: undefined });
    expect(shape(wrongTenant)).toEqual(shape(wrongPassword));
    expect(wrongTenant.headers['www-authenticate']).toBe(wrongPassword.headers['www-authenticate']);
    // Nor does a random tenant id, or one of a tenant the user left.
    const random = await post('/api/v1/auth/token', {
      email: user.email,
      password: user.password,
      tenant_id: crypto.randomUUID(),
    });
    expect(shape(random)).toEqual(shape(wrongPassword));
  });

  it('a removed member can no longer log into that tenant', async () => {
    const host = await signUp(t.app);
    const guest = await signUp(t.app);
    expect((await accept(await invite(host, guest.email), guest)).statusCode).toBe(200);
    expect(
      (
        await t.app.inject({
          method: 'DELETE',
          url: `/api/v1/tenants/current/members/${guest.session.user_id}`,
          headers: host.headers,
        })
      ).statusCode,
    ).toBe(204);
    const res = await post('/api/v1/auth/token', {
      email: guest.email,
      password: guest.password,
      tenant_id: host.session.tenant_id,
    });
    expect([res.statusCode, res.json().code]).toEqual([401, 'invalid_credentials']);
    // With one tenant left, no tenant_id is needed again.
    expect((await post('/api/v1/auth/token', { email: guest.email, password: guest.password })).statusCode).toBe(200);
  });
});

describe('OpenAPI', () => {
  it('documents the additions to the contract: invitation acceptance and the profile update', async () => {
    const doc = (await t.app.inject({ method: 'GET', url: '/openapi.json' })).json();
    const accept = doc.paths['/api/v1/tenants/invitations/accept'].post;
    expect(accept.requestBody.content['application/json'].schema.required).toEqual(['token']);
    expect(Object.keys(accept.responses)).toContain('200');
    const profile = doc.paths['/api/v1/auth/me'].patch;
    expect(Object.keys(profile.requestBody.content['application/json'].schema.properties).sort()).toEqual([
      'avatar_url',
      'display_name',
      'locale',
      'timezone',
    ]);
  });
});
