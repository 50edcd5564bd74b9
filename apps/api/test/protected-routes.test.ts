import crypto from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { declaredRoutes } from '../src/platform/http/auth-guard.js';
import { createTestApp, type TestApp } from './harness.js';
import { bearer, NO_LOGIN_THROTTLE, signUp, type TestUser } from './factories.js';
import { forgeAccessToken } from './token-forge.js';

/**
 * The shared suite: every protected route the app registers — including routes other modules add
 * later, enumerated from the app itself — refuses no token, an expired token, another tenant's
 * context and too few scopes.
 */
let t: TestApp;
let owner: TestUser;
let other: TestUser;
let narrow: Record<string, string>;

async function serviceToken(user: TestUser, scopes: string[]): Promise<string> {
  const created = await t.app.inject({
    method: 'POST',
    url: '/api/v1/service-accounts',
    headers: user.headers,
    payload: { name: `sa-${scopes[0]}`, scopes },
  });
  expect(created.statusCode).toBe(201);
  const refreshed = await t.app.inject({
    method: 'POST',
    url: '/api/v1/auth/refresh',
    payload: { refresh_token: created.json().refresh_token },
  });
  expect(refreshed.statusCode).toBe(200);
  return refreshed.json().access_token;
}

beforeAll(async () => {
  t = await createTestApp(NO_LOGIN_THROTTLE);
  owner = await signUp(t.app);
  other = await signUp(t.app);
  // Two service accounts holding one scope each: every scoped route lacks the scope of one of them.
  narrow = {
    'tenant:manage': await serviceToken(owner, ['tenant:manage']),
    'tools:read': await serviceToken(owner, ['tools:read']),
  };
});
afterAll(async () => t?.close());

function protectedRoutes() {
  return declaredRoutes(t.app).filter((r) => r.auth !== 'public');
}

function urlFor(url: string, tenantId: string) {
  return url
    .replace(/:tenant_id/g, tenantId)
    .replace(/:[a-z_]+/g, () => crypto.randomUUID())
    .replace(/\*$/, 'x');
}

describe('every protected route', () => {
  it('there are protected routes to check (auth, tenants, service accounts at least)', () => {
    const urls = protectedRoutes().map((r) => r.url);
    expect(urls).toContain('/api/v1/auth/me');
    expect(urls).toContain('/api/v1/tenants/current/members');
    expect(urls).toContain('/api/v1/service-accounts');
  });

  it('401 unauthenticated without a token', async () => {
    for (const r of protectedRoutes()) {
      const res = await t.app.inject({
        method: r.method as 'GET',
        url: urlFor(r.url, owner.session.tenant_id),
        payload: r.method === 'GET' ? undefined : {},
      });
      expect([r.method, r.url, res.statusCode, res.json().code]).toEqual([r.method, r.url, 401, 'unauthenticated']);
      expect(res.headers['www-authenticate']).toMatch(/^Bearer/);
    }
  });

  it('401 token_expired with an expired token', async () => {
    const now = Math.floor(Date.now() / 1000);
    const expired = await forgeAccessToken(
      t.config,
      {
        sub: `user:${owner.session.user_id}`,
        tenant_id: owner.session.tenant_id,
        sid: owner.session.session_id,
        scope: owner.session.scopes.join(' '),
      },
      { iat: now - 1000, nbf: now - 1000, exp: now - 60 },
    );
    for (const r of protectedRoutes()) {
      const res = await t.app.inject({
        method: r.method as 'GET',
        url: urlFor(r.url, owner.session.tenant_id),
        headers: bearer(expired),
        payload: r.method === 'GET' ? undefined : {},
      });
      expect([r.method, r.url, res.statusCode, res.json().code]).toEqual([r.method, r.url, 401, 'token_expired']);
    }
  });

  it("403 tenant_mismatch with another tenant's context (X-Tenant-Id, or the {tenant_id} path)", async () => {
    for (const r of protectedRoutes()) {
      const viaHeader = await t.app.inject({
        method: r.method as 'GET',
        url: urlFor(r.url, owner.session.tenant_id),
        headers: { ...owner.headers, 'x-tenant-id': other.session.tenant_id },
        payload: r.method === 'GET' ? undefined : {},
      });
      expect([r.method, r.url, viaHeader.statusCode, viaHeader.json().code]).toEqual([
        r.method,
        r.url,
        403,
        'tenant_mismatch',
      ]);
      if (r.url.includes(':tenant_id')) {
        const viaPath = await t.app.inject({
          method: r.method as 'GET',
          url: urlFor(r.url, owner.session.tenant_id),
          headers: other.headers,
          payload: r.method === 'GET' ? undefined : {},
        });
        expect([r.method, r.url, viaPath.statusCode, viaPath.json().code]).toEqual([
          r.method,
          r.url,
          403,
          'tenant_mismatch',
        ]);
      }
    }
  });

  it('403 insufficient_scope with too few scopes', async () => {
    const scoped = protectedRoutes().filter((r) => r.auth !== 'access');
    for (const r of scoped) {
      const token = r.auth === 'tenant:manage' ? narrow['tools:read'] : narrow['tenant:manage'];
      const res = await t.app.inject({
        method: r.method as 'GET',
        url: urlFor(r.url, owner.session.tenant_id),
        headers: bearer(token),
        payload: r.method === 'GET' ? undefined : {},
      });
      expect([r.method, r.url, res.statusCode, res.json().code]).toEqual([r.method, r.url, 403, 'insufficient_scope']);
    }
  });
});
