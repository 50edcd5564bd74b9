import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateKeyPair } from 'jose';
import { createTestApp, type TestApp } from '../../../../test/harness.js';
import { addMember, NO_LOGIN_THROTTLE, signUp, type TestUser, uniqueEmail } from '../../../../test/factories.js';
import { startHandRolledIdp, startOidcProvider } from '../../../../test/support/oidc-idp.js';
import { ssoConfigs, ssoIdentities } from './sso.tables.js';

/**
 * Single sign-on end to end: the API (in process) against a real OpenID provider (`oidc-provider`)
 * on loopback, following the browser's redirects by hand; the ID-token attacks against a
 * hand-rolled provider signing the claims each test picks. PGlite or PostgreSQL+Redis (harness).
 */
const API = 'http://api.sso.test';
const WEB = 'http://localhost:3000';
const CALLBACK = `${API}/api/v1/auth/sso/callback`;
const CLIENT = { clientId: 'agentry-test', clientSecret: 'client-secret-of-the-test-0123456789' };

let t: TestApp;
let idp: Awaited<ReturnType<typeof startOidcProvider>>;
let rolled: Awaited<ReturnType<typeof startHandRolledIdp>>;

beforeAll(async () => {
  idp = await startOidcProvider({ ...CLIENT, redirectUri: CALLBACK });
  rolled = await startHandRolledIdp();
  // The IdPs run on loopback: the SSRF guard (sso.ssrf.test.ts) has to let them through.
  t = await createTestApp({
    ...NO_LOGIN_THROTTLE,
    PUBLIC_API_URL: API,
    PUBLIC_WEB_URL: WEB,
    SSO_ALLOW_PRIVATE_NETWORKS: 'true',
  });
});
afterAll(async () => {
  await t?.close();
  await idp?.close();
  await rolled?.close();
});

const inject = (method: 'GET' | 'PUT' | 'POST' | 'DELETE', url: string, payload?: object, headers: object = {}) =>
  t.app.inject({ method, url, payload, headers: headers as Record<string, string> });

async function slugOf(user: TestUser): Promise<string> {
  return (await inject('GET', '/api/v1/tenants/current', undefined, user.headers)).json().slug;
}

async function configure(owner: TestUser, body: Record<string, unknown> = {}) {
  const res = await inject(
    'PUT',
    '/api/v1/tenants/current/sso',
    { issuer: idp.issuer, client_id: CLIENT.clientId, client_secret: CLIENT.clientSecret, ...body },
    owner.headers,
  );
  expect(res.statusCode, res.body).toBe(200);
  return res.json();
}

/** GET start → the authorization URL (asserted to carry state, nonce and PKCE S256). */
async function start(slug: string, redirectUri = `${WEB}/sso/done`): Promise<URL> {
  const res = await inject('GET', `/api/v1/auth/sso/${slug}/start?redirect_uri=${encodeURIComponent(redirectUri)}`);
  expect(res.statusCode, res.body).toBe(302);
  const url = new URL(res.headers.location as string);
  expect(url.searchParams.get('state')).toBeTruthy();
  expect(url.searchParams.get('nonce')).toBeTruthy();
  expect(url.searchParams.get('code_challenge_method')).toBe('S256');
  expect(url.searchParams.get('code_challenge')).toMatch(/^[A-Za-z0-9_-]{43}$/);
  expect(url.searchParams.get('redirect_uri')).toBe(CALLBACK);
  return url;
}

/** The API's callback for the URL the provider sent the browser to; answers where the API sends it next. */
async function callback(at: URL): Promise<URL> {
  expect(at.origin + at.pathname).toBe(CALLBACK);
  const res = await inject('GET', `/api/v1/auth/sso/callback${at.search}`);
  expect(res.statusCode, res.body).toBe(302);
  return new URL(res.headers.location as string);
}

/** The whole browser journey at the real provider, as `account`: answers the web app's landing URL. */
async function signInAtIdp(slug: string, account: { sub: string; email: string; email_verified?: boolean }) {
  idp.state.nextAccount = { email_verified: true, ...account };
  idp.resetSession();
  const authorize = await start(slug);
  const back = await idp.follow(authorize.href);
  return { landing: await callback(back), back };
}

async function exchange(loginCode: string) {
  return inject('POST', '/api/v1/auth/sso/exchange', { login_code: loginCode });
}

describe('configuration: /tenants/current/sso', () => {
  it('is owner-only, seals the secret (never returned), checks the issuer by discovery, and is audited', async () => {
    const owner = await signUp(t.app);
    const admin = await addMember(t.app, owner, 'admin');
    expect((await inject('GET', '/api/v1/tenants/current/sso', undefined, owner.headers)).statusCode).toBe(404);
    const forbidden = await inject(
      'PUT',
      '/api/v1/tenants/current/sso',
      { issuer: idp.issuer, client_id: 'x', client_secret: 'y' },
      admin.headers,
    );
    expect(forbidden.statusCode).toBe(403);

    const bad = await inject(
      'PUT',
      '/api/v1/tenants/current/sso',
      { issuer: `${rolled.issuer}/nothing-here`, client_id: 'x', client_secret: 'y' },
      owner.headers,
    );
    expect(bad.statusCode).toBe(422);
    expect(bad.json().errors).toEqual([expect.objectContaining({ path: 'issuer' })]);
    const hostile = await inject(
      'PUT',
      '/api/v1/tenants/current/sso',
      { issuer: idp.issuer, client_id: 'x', client_secret: 'y', default_role: 'owner' },
      owner.headers,
    );
    expect(hostile.statusCode).toBe(422);

    const saved = await configure(owner, { allowed_domains: ['Example.ORG'], auto_provision: 'domain', enforce: true });
    expect(saved).toMatchObject({
      issuer: idp.issuer,
      client_id: CLIENT.clientId,
      client_secret_set: true,
      allowed_domains: ['example.org'],
      auto_provision: 'domain',
      default_role: 'member',
      enforce: true,
      redirect_uri: CALLBACK,
    });
    const read = await inject('GET', '/api/v1/tenants/current/sso', undefined, owner.headers);
    expect(read.body).not.toContain(CLIENT.clientSecret);
    const tenantId = owner.session.tenant_id;
    const [row] = await t.database.db.select().from(ssoConfigs).where(eq(ssoConfigs.tenantId, tenantId));
    expect(row.clientSecretSealed).not.toContain(CLIENT.clientSecret);
    expect(row.clientSecretSealed).toMatch(/^v\d+\./);

    const audit = await inject('GET', '/api/v1/audit-events?action=sso.configured', undefined, owner.headers);
    expect(audit.json().items[0]).toMatchObject({ action: 'sso.configured', metadata: { enforce: true } });
    expect(audit.body).not.toContain(CLIENT.clientSecret);

    expect((await inject('DELETE', '/api/v1/tenants/current/sso', undefined, owner.headers)).statusCode).toBe(204);
    expect((await inject('GET', '/api/v1/tenants/current/sso', undefined, owner.headers)).statusCode).toBe(404);
    expect((await inject('DELETE', '/api/v1/tenants/current/sso', undefined, owner.headers)).statusCode).toBe(404);
  });
});

describe('the code flow against oidc-provider', () => {
  it('an existing member signs in: login_code → session in the tenant; identity linked; the code and state work once', async () => {
    const owner = await signUp(t.app);
    const member = await addMember(t.app, owner, 'member');
    await configure(owner);
    const slug = await slugOf(owner);
    const sub = `sub-${member.email}`;
    const { landing, back } = await signInAtIdp(slug, { sub, email: member.email });
    expect(landing.origin + landing.pathname).toBe(`${WEB}/sso/done`);
    const loginCode = landing.searchParams.get('login_code');
    expect(loginCode, landing.href).toBeTruthy();

    const session = await exchange(loginCode as string);
    expect(session.statusCode, session.body).toBe(200);
    expect(session.json()).toMatchObject({
      tenant_id: owner.session.tenant_id,
      user_id: member.session.user_id,
      role: 'member',
    });
    const me = await inject('GET', '/api/v1/auth/me', undefined, {
      authorization: `Bearer ${session.json().access_token}`,
    });
    expect(me.statusCode).toBe(200);
    const links = await t.database.db.select().from(ssoIdentities).where(eq(ssoIdentities.subject, sub));
    expect(links).toHaveLength(1);
    expect(links[0].issuer).toBe(idp.issuer);

    // The login code is single-use; the state too (a replayed callback finds no state).
    const again = await exchange(loginCode as string);
    expect([again.statusCode, again.json().code]).toEqual([400, 'invalid_token']);
    const replay = await callback(back);
    expect(replay.searchParams.get('sso_error')).toBe('invalid_state');
    expect(replay.searchParams.get('login_code')).toBeNull();

    const audit = await inject('GET', '/api/v1/audit-events?action=auth.login', undefined, owner.headers);
    expect(audit.json().items.some((e: { metadata: { method: string } }) => e.metadata.method === 'sso')).toBe(true);
  });

  it('refuses a forged state, an unknown login code, and a redirect_uri off the web origins', async () => {
    const owner = await signUp(t.app);
    await configure(owner);
    const slug = await slugOf(owner);
    const forged = await callback(new URL(`${CALLBACK}?code=abc&state=not-a-state`));
    expect(forged.href).toBe(`${WEB}/login?sso_error=invalid_state`);
    const unknown = await exchange('sso_made-up');
    expect([unknown.statusCode, unknown.json().code]).toEqual([400, 'invalid_token']);
    for (const target of [
      'https://evil.example/steal',
      'http://localhost:3000@evil.example/x',
      'javascript:alert(1)',
    ]) {
      const res = await inject('GET', `/api/v1/auth/sso/${slug}/start?redirect_uri=${encodeURIComponent(target)}`);
      expect(res.statusCode, target).toBe(400);
    }
    // Not a URL at all: hostile input, 422.
    const malformed = await inject(
      'GET',
      `/api/v1/auth/sso/${slug}/start?redirect_uri=${encodeURIComponent('http://localhost:3000.evil.example/x')}`,
    );
    expect(malformed.statusCode).toBe(422);
    expect(
      (await inject('GET', `/api/v1/auth/sso/no-such-tenant/start?redirect_uri=${encodeURIComponent(WEB)}`)).statusCode,
    ).toBe(404);
  });

  it('a state answered by a second browser is spent: only one callback gets a login code', async () => {
    const owner = await signUp(t.app);
    const member = await addMember(t.app, owner, 'member');
    await configure(owner);
    const { back } = await signInAtIdp(await slugOf(owner), { sub: `s2-${member.email}`, email: member.email }).then(
      async (first) => {
        expect(first.landing.searchParams.get('login_code')).toBeTruthy();
        return first;
      },
    );
    const results = await Promise.all([callback(back), callback(back)]);
    expect(results.filter((u) => u.searchParams.get('login_code'))).toHaveLength(0);
  });

  it('an unverified e-mail is refused', async () => {
    const owner = await signUp(t.app);
    const member = await addMember(t.app, owner, 'member');
    await configure(owner);
    const { landing } = await signInAtIdp(await slugOf(owner), {
      sub: `u-${member.email}`,
      email: member.email,
      email_verified: false,
    });
    expect(landing.searchParams.get('sso_error')).toBe('email_not_verified');
  });

  it('invited: a pending invitation joins with its role; an address without one is refused', async () => {
    const owner = await signUp(t.app);
    await configure(owner, { auto_provision: 'invited' });
    const slug = await slugOf(owner);
    const invitee = uniqueEmail('invitee');
    const inv = await inject(
      'POST',
      '/api/v1/tenants/current/invitations',
      { email: invitee, role: 'viewer' },
      owner.headers,
    );
    expect(inv.statusCode).toBe(201);
    const ok = await signInAtIdp(slug, { sub: `i-${invitee}`, email: invitee });
    const session = await exchange(ok.landing.searchParams.get('login_code') as string);
    expect(session.statusCode).toBe(200);
    expect(session.json().role).toBe('viewer');
    const members = (await inject('GET', '/api/v1/tenants/current/members', undefined, owner.headers)).json();
    expect(members.items.find((m: { email: string }) => m.email === invitee)).toMatchObject({ role: 'viewer' });

    const stranger = uniqueEmail('stranger');
    const refused = await signInAtIdp(slug, { sub: `x-${stranger}`, email: stranger });
    expect(refused.landing.searchParams.get('sso_error')).toBe('not_allowed');
  });

  it('an existing account outside the tenant is never joined through SSO, even when invited or in a domain', async () => {
    const owner = await signUp(t.app);
    const outsider = await signUp(t.app, { email: uniqueEmail('outsider').replace('example.test', 'corp.example') });
    await configure(owner, { auto_provision: 'domain', allowed_domains: ['corp.example'] });
    await inject(
      'POST',
      '/api/v1/tenants/current/invitations',
      { email: outsider.email, role: 'member' },
      owner.headers,
    );
    const { landing } = await signInAtIdp(await slugOf(owner), { sub: `o-${outsider.email}`, email: outsider.email });
    expect(landing.searchParams.get('sso_error')).toBe('not_allowed');
  });

  it('domain: a verified address in allowed_domains joins as default_role, within the seat limit; others are refused', async () => {
    const owner = await signUp(t.app); // 1 of the starter plan's 3 seats
    await configure(owner, { auto_provision: 'domain', allowed_domains: ['acme.example'], default_role: 'viewer' });
    const slug = await slugOf(owner);
    const joined: string[] = [];
    for (const n of [1, 2]) {
      const email = `p${n}-${Date.now()}@acme.example`;
      const { landing } = await signInAtIdp(slug, { sub: `d-${email}`, email });
      const session = await exchange(landing.searchParams.get('login_code') as string);
      expect(session.statusCode, landing.href).toBe(200);
      joined.push(email);
    }
    const members = (await inject('GET', '/api/v1/tenants/current/members', undefined, owner.headers)).json();
    for (const email of joined)
      expect(members.items.find((m: { email: string }) => m.email === email)).toMatchObject({ role: 'viewer' });
    const full = `p3-${Date.now()}@acme.example`;
    const over = await signInAtIdp(slug, { sub: `d-${full}`, email: full });
    expect(over.landing.searchParams.get('sso_error')).toBe('seat_limit_reached');
    const elsewhere = `p4-${Date.now()}@other.example`;
    const off = await signInAtIdp(slug, { sub: `d-${elsewhere}`, email: elsewhere });
    expect(off.landing.searchParams.get('sso_error')).toBe('not_allowed');
  });

  it('off: a member signs in, nobody new is provisioned', async () => {
    const owner = await signUp(t.app);
    const member = await addMember(t.app, owner, 'member');
    await configure(owner, { auto_provision: 'off', allowed_domains: ['example.test'] });
    const slug = await slugOf(owner);
    const ok = await signInAtIdp(slug, { sub: `f-${member.email}`, email: member.email });
    expect(ok.landing.searchParams.get('login_code')).toBeTruthy();
    const stranger = uniqueEmail('new');
    const refused = await signInAtIdp(slug, { sub: `f-${stranger}`, email: stranger });
    expect(refused.landing.searchParams.get('sso_error')).toBe('not_allowed');
  });

  it('lookup answers the slug for a configured domain only', async () => {
    const owner = await signUp(t.app);
    const domain = `lookup-${Date.now()}.example`;
    await configure(owner, { allowed_domains: [domain] });
    const found = await inject('GET', `/api/v1/auth/sso/lookup?email=${encodeURIComponent(`a@${domain}`)}`);
    expect(found.json()).toEqual({ tenant_slug: await slugOf(owner) });
    expect((await inject('GET', '/api/v1/auth/sso/lookup?email=a%40nowhere.example')).statusCode).toBe(404);
    expect((await inject('GET', '/api/v1/auth/sso/lookup?email=not-an-email')).statusCode).toBe(422);
  });
});

describe('enforce', () => {
  it("refuses password login to the tenant's non-owner members (403 sso_required); owners keep it; a member's other tenant is unaffected", async () => {
    const owner = await signUp(t.app);
    const member = await addMember(t.app, owner, 'member');
    const admin = await addMember(t.app, owner, 'admin');
    // The member also belongs to a second tenant that does not enforce SSO.
    const other = await signUp(t.app);
    const inv = await inject(
      'POST',
      '/api/v1/tenants/current/invitations',
      { email: member.email, role: 'member' },
      other.headers,
    );
    const accept = await inject(
      'POST',
      '/api/v1/tenants/invitations/accept',
      { token: inv.json().token },
      member.headers,
    );
    expect(accept.statusCode, accept.body).toBe(200);

    await configure(owner, { enforce: true });
    const login = (user: TestUser, tenantId: string) =>
      inject('POST', '/api/v1/auth/token', { email: user.email, password: user.password, tenant_id: tenantId });
    const tenantId = owner.session.tenant_id;
    for (const user of [member, admin]) {
      const refused = await login(user, tenantId);
      expect([refused.statusCode, refused.json().code]).toEqual([403, 'sso_required']);
    }
    // A wrong password is still just invalid_credentials (enforcement is not revealed without it).
    const wrong = await inject('POST', '/api/v1/auth/token', {
      email: member.email,
      password: 'Wrong-password-123',
      tenant_id: tenantId,
    });
    expect(wrong.statusCode).toBe(401);
    expect((await login(owner, tenantId)).statusCode).toBe(200);
    expect((await login(member, other.session.tenant_id)).statusCode).toBe(200);
    // SSO still lets the member in.
    const { landing } = await signInAtIdp(await slugOf(owner), { sub: `e-${member.email}`, email: member.email });
    expect((await exchange(landing.searchParams.get('login_code') as string)).statusCode).toBe(200);
  });
});

describe('ID-token attacks (hand-rolled provider signing the claims each case picks)', () => {
  let owner: TestUser;
  let member: TestUser;
  let slug: string;
  beforeAll(async () => {
    owner = await signUp(t.app);
    member = await addMember(t.app, owner, 'member');
    const res = await inject(
      'PUT',
      '/api/v1/tenants/current/sso',
      { issuer: rolled.issuer, client_id: CLIENT.clientId, client_secret: CLIENT.clientSecret },
      owner.headers,
    );
    expect(res.statusCode, res.body).toBe(200);
    slug = await slugOf(owner);
  });

  /** Start, then the provider "redirects back" with a code; its token endpoint signs `claims`. */
  async function attempt(claims: (nonce: string) => Record<string, unknown>, signingKey?: CryptoKey) {
    const authorize = await start(slug);
    rolled.control.nonce = authorize.searchParams.get('nonce') as string;
    rolled.control.claims = claims;
    rolled.control.signingKey = signingKey;
    const back = new URL(CALLBACK);
    back.searchParams.set('code', 'code-1');
    back.searchParams.set('state', authorize.searchParams.get('state') as string);
    return callback(back);
  }
  const now = () => Math.floor(Date.now() / 1000);
  const good = (nonce: string) => ({
    iss: rolled.issuer,
    aud: CLIENT.clientId,
    sub: `r-${member.email}`,
    nonce,
    iat: now(),
    exp: now() + 300,
    email: member.email,
    email_verified: true,
  });

  it('the well-formed token signs in (the control case)', async () => {
    const landing = await attempt(good);
    expect(landing.searchParams.get('login_code'), landing.href).toBeTruthy();
  });

  it.each([
    ['wrong nonce', (n: string) => ({ ...good(n), nonce: 'another-nonce' }), 'invalid_id_token'],
    ['wrong audience', (n: string) => ({ ...good(n), aud: 'someone-else' }), 'invalid_id_token'],
    ['wrong issuer', (n: string) => ({ ...good(n), iss: 'http://127.0.0.1:1/evil' }), 'invalid_id_token'],
    ['expired', (n: string) => ({ ...good(n), iat: now() - 3600, exp: now() - 1800 }), 'invalid_id_token'],
    ['unverified e-mail', (n: string) => ({ ...good(n), email_verified: false }), 'email_not_verified'],
    ['e-mail_verified as a string', (n: string) => ({ ...good(n), email_verified: 'true' }), 'email_not_verified'],
  ])('%s → sso_error', async (_name, claims, code) => {
    const landing = await attempt(claims);
    expect(landing.searchParams.get('sso_error'), landing.href).toBe(code);
    expect(landing.searchParams.get('login_code')).toBeNull();
  });

  it('a token signed with a key the issuer does not publish → invalid_id_token', async () => {
    const { privateKey } = await generateKeyPair('RS256');
    const landing = await attempt(good, privateKey);
    expect(landing.searchParams.get('sso_error')).toBe('invalid_id_token');
  });
});
