import crypto from 'node:crypto';
import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../../../test/harness.js';
import { bearer, logIn, NO_LOGIN_THROTTLE, signUp, type TestUser } from '../../../../test/factories.js';
import { activeKey, forgeAccessToken } from '../../../../test/token-forge.js';
import { rotateKeys } from '../../../cli/commands/keys.js';

let t: TestApp;
let user: TestUser;
beforeAll(async () => {
  // Reuse detection at once (no grace window): the window is tested in refresh-grace.test.ts.
  t = await createTestApp({ ...NO_LOGIN_THROTTLE, AUTH_REFRESH_REUSE_GRACE_SECONDS: '0' });
  user = await signUp(t.app);
});
afterAll(async () => t?.close());

const me = (token: string) => t.app.inject({ method: 'GET', url: '/api/v1/auth/me', headers: bearer(token) });
const base = () => ({
  sub: `user:${user.session.user_id}`,
  tenant_id: user.session.tenant_id,
  sid: user.session.session_id,
  scope: user.session.scopes.join(' '),
});

describe('JWT attacks are refused (401)', () => {
  it('a well-formed forged token with the real key is accepted (control)', async () => {
    expect((await me(await forgeAccessToken(t.config, base()))).statusCode).toBe(200);
  });

  it('alg none', async () => {
    const enc = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
    const now = Math.floor(Date.now() / 1000);
    const token = `${enc({ alg: 'none', typ: 'at+jwt', kid: activeKey(t.config).kid })}.${enc({ ...base(), iss: t.config.auth.issuer, aud: t.config.auth.audience, iat: now, nbf: now, exp: now + 300, jti: 'x', token_use: 'access' })}.`;
    const res = await me(token);
    expect([res.statusCode, res.json().code]).toEqual([401, 'invalid_token']);
  });

  it('HS256 signed with the public key as the secret', async () => {
    const { kid, publicKey } = activeKey(t.config);
    const secret = new TextEncoder().encode(JSON.stringify(publicKey.export({ format: 'jwk' })));
    const now = Math.floor(Date.now() / 1000);
    const token = await new SignJWT({ ...base(), token_use: 'access' })
      .setProtectedHeader({ alg: 'HS256', kid, typ: 'at+jwt' })
      .setIssuer(t.config.auth.issuer)
      .setAudience(t.config.auth.audience)
      .setIssuedAt(now)
      .setNotBefore(now)
      .setExpirationTime(now + 300)
      .setJti('x')
      .sign(secret);
    expect((await me(token)).json().code).toBe('invalid_token');
  });

  it.each([
    ['wrong iss', { claims: { iss: 'https://evil.example' } }],
    ['wrong aud', { claims: { aud: 'other-api' } }],
    ['wrong typ', { header: { typ: 'JWT' } }],
    ['unknown kid', { header: { kid: 'ed-unknown' } }],
    ['refresh token use', { claims: { token_use: 'refresh' } }],
    ['nbf in the future', { nbf: Math.floor(Date.now() / 1000) + 120 }],
  ])('%s', async (_name, options) => {
    const res = await me(await forgeAccessToken(t.config, base(), options as never));
    expect([res.statusCode, res.json().code]).toEqual([401, 'invalid_token']);
  });

  it('expired → token_expired', async () => {
    const now = Math.floor(Date.now() / 1000);
    const res = await me(await forgeAccessToken(t.config, base(), { iat: now - 900, nbf: now - 900, exp: now - 30 }));
    expect([res.statusCode, res.json().code]).toEqual([401, 'token_expired']);
  });

  it('tampered payload', async () => {
    const [h, p, s] = user.session.access_token.split('.');
    const claims = JSON.parse(Buffer.from(p, 'base64url').toString());
    claims.scope = `${claims.scope} tenant:manage`;
    claims.role = 'owner';
    const res = await me(
      `${h}.${Buffer.from(JSON.stringify({ ...claims, tenant_id: crypto.randomUUID() })).toString('base64url')}.${s}`,
    );
    expect(res.json().code).toBe('invalid_token');
  });

  it('signed by a key from another key set (same kid)', async () => {
    const { privateKey } = crypto.generateKeyPairSync('ed25519');
    const res = await me(await forgeAccessToken(t.config, base(), { key: privateKey }));
    expect(res.json().code).toBe('invalid_token');
  });

  it('a refresh token presented as an access token', async () => {
    expect((await me(user.session.refresh_token)).statusCode).toBe(401);
  });
});

describe('refresh tokens', () => {
  it('reuse of a rotated token revokes the whole family, access tokens included', async () => {
    const s = await logIn(t.app, user);
    const r1 = await t.app.inject({
      method: 'POST',
      url: '/api/v1/auth/refresh',
      payload: { refresh_token: s.session.refresh_token },
    });
    expect(r1.statusCode).toBe(200);
    const reuse = await t.app.inject({
      method: 'POST',
      url: '/api/v1/auth/refresh',
      payload: { refresh_token: s.session.refresh_token },
    });
    expect([reuse.statusCode, reuse.json().code]).toEqual([401, 'refresh_token_reused']);
    const r2 = await t.app.inject({
      method: 'POST',
      url: '/api/v1/auth/refresh',
      payload: { refresh_token: r1.json().refresh_token },
    });
    expect([r2.statusCode, r2.json().code]).toEqual([401, 'invalid_token']);
    expect((await me(r1.json().access_token)).statusCode).toBe(401);
    expect((await me(s.session.access_token)).statusCode).toBe(401);
  });

  it('two concurrent refreshes with one token: exactly one succeeds', async () => {
    const s = await logIn(t.app, user);
    const results = await Promise.all(
      [0, 1].map(() =>
        t.app.inject({
          method: 'POST',
          url: '/api/v1/auth/refresh',
          payload: { refresh_token: s.session.refresh_token },
        }),
      ),
    );
    expect(results.map((r) => r.statusCode).sort()).toEqual([200, 401]);
  });

  it('garbage and unknown tokens → invalid_token', async () => {
    for (const token of ['nope', `rt_${crypto.randomBytes(32).toString('base64url')}`]) {
      const res = await t.app.inject({
        method: 'POST',
        url: '/api/v1/auth/refresh',
        payload: { refresh_token: token },
      });
      expect([res.statusCode, res.json().code]).toEqual([401, 'invalid_token']);
    }
  });
});

describe('sessions', () => {
  it('DELETE /auth/sessions/{id} stops that session at once; another user gets 404', async () => {
    const a = await logIn(t.app, user);
    const list = await t.app.inject({ method: 'GET', url: '/api/v1/auth/sessions', headers: user.headers });
    expect(
      list.json().items.some((i: { id: string; current: boolean }) => i.id === user.session.session_id && i.current),
    ).toBe(true);
    const stranger = await signUp(t.app);
    const denied = await t.app.inject({
      method: 'DELETE',
      url: `/api/v1/auth/sessions/${a.session.session_id}`,
      headers: stranger.headers,
    });
    expect(denied.statusCode).toBe(404);
    const del = await t.app.inject({
      method: 'DELETE',
      url: `/api/v1/auth/sessions/${a.session.session_id}`,
      headers: user.headers,
    });
    expect(del.statusCode).toBe(204);
    expect((await me(a.session.access_token)).statusCode).toBe(401);
  });

  it('logout/all ends every session', async () => {
    const u = await signUp(t.app);
    const second = await logIn(t.app, u);
    expect(
      (await t.app.inject({ method: 'POST', url: '/api/v1/auth/logout/all', headers: u.headers })).statusCode,
    ).toBe(204);
    expect((await me(u.session.access_token)).statusCode).toBe(401);
    expect((await me(second.session.access_token)).statusCode).toBe(401);
  });
});

describe('keys and JWKS', () => {
  it('JWKS: OKP keys, cache headers, 304 on If-None-Match (list, *, weak)', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/.well-known/jwks.json' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['cache-control']).toBe('public, max-age=300');
    const etag = res.headers.etag as string;
    expect(etag).toMatch(/^"[^"]+"$/);
    expect(res.headers['last-modified']).toBeTruthy();
    expect(res.json().keys[0]).toMatchObject({ kty: 'OKP', crv: 'Ed25519', use: 'sig', alg: 'EdDSA' });
    expect(res.json().keys.every((k: Record<string, unknown>) => !('d' in k))).toBe(true);
    for (const inm of [etag, `"zzz", ${etag}`, '*', `W/${etag}`]) {
      const nm = await t.app.inject({
        method: 'GET',
        url: '/.well-known/jwks.json',
        headers: { 'if-none-match': inm },
      });
      expect([nm.statusCode, nm.body, nm.headers.etag]).toEqual([304, '', etag]);
    }
    const metrics = await t.app.inject({ method: 'GET', url: '/metrics' });
    expect(metrics.body).toMatch(/jwks_not_modified_total 4/);
    expect(metrics.body).toMatch(/jwt_signings_total \d+/);
    expect(metrics.body).toMatch(/jwt_verifications_total\{result="invalid"\} \d+/);
  });

  it('after keys rotate, old tokens verify, new ones are signed by the new key, the ETag changes', async () => {
    const before = await t.app.inject({ method: 'GET', url: '/.well-known/jwks.json' });
    const oldToken = user.session.access_token;
    const rotated = await rotateKeys(t.config);
    expect(rotated.retired[0].kid).toBe(user.session.kid);
    // A second replica (or a restart) on the same key store and database.
    const replica = await createTestApp({ DATA_DIR: t.config.dataDir }, { database: t.database, ports: t.ports });
    try {
      const after = await replica.app.inject({ method: 'GET', url: '/.well-known/jwks.json' });
      expect(after.headers.etag).not.toBe(before.headers.etag);
      expect(
        (await replica.app.inject({ method: 'GET', url: '/api/v1/auth/me', headers: bearer(oldToken) })).statusCode,
      ).toBe(200);
      const fresh = await logIn(replica.app, user);
      expect(fresh.session.kid).toBe(rotated.active.kid);
      // The first replica meets a token of the new key, re-reads the key set, and accepts it.
      expect((await me(fresh.session.access_token)).statusCode).toBe(200);
      expect((await me(oldToken)).statusCode).toBe(200);
    } finally {
      await replica.close();
    }
  });
});
