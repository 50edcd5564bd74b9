import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../../../test/harness.js';
import { NO_LOGIN_THROTTLE, signUp } from '../../../../test/factories.js';

/**
 * Attack: SSRF through single sign-on. A tenant owner names the OpenID issuer; the API fetches its
 * discovery document, keys, token and UserInfo endpoints. Unless SSO_ALLOW_PRIVATE_NETWORKS=true,
 * loopback, private, link-local and cloud-metadata addresses are refused — when the configuration
 * is saved and again on every sign-in (a name that resolves elsewhere later is caught then). The
 * "issuer" here is a loopback server that counts what reaches it. PGlite or PostgreSQL+Redis.
 */
let hits = 0;
let server: http.Server;
let issuer: string;
let guarded: TestApp;

beforeAll(async () => {
  server = http.createServer((req, res) => {
    hits += 1;
    if (req.url !== '/.well-known/openid-configuration') return void res.writeHead(404).end();
    res.writeHead(200, { 'content-type': 'application/json' }).end(
      JSON.stringify({
        issuer,
        authorization_endpoint: `${issuer}/auth`,
        token_endpoint: `${issuer}/token`,
        jwks_uri: `${issuer}/jwks`,
        response_types_supported: ['code'],
        subject_types_supported: ['public'],
        id_token_signing_alg_values_supported: ['RS256'],
      }),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  guarded = await createTestApp(NO_LOGIN_THROTTLE);
});
afterAll(async () => {
  await guarded?.close();
  await new Promise((resolve) => server?.close(resolve));
});

const save = (t: TestApp, headers: object, issuerUrl: string) =>
  t.app.inject({
    method: 'PUT',
    url: '/api/v1/tenants/current/sso',
    payload: { issuer: issuerUrl, client_id: 'agentry', client_secret: 'a-client-secret-0123456789' },
    headers: headers as Record<string, string>,
  });

describe('SSRF through the OpenID issuer', () => {
  it('is refused on save for a loopback issuer, by address or by name, and nothing reaches it', async () => {
    const owner = await signUp(guarded.app);
    const before = hits;
    const port = new URL(issuer).port;
    for (const url of [issuer, `http://localhost:${port}`, `http://[::1]:${port}`]) {
      const res = await save(guarded, owner.headers, url);
      expect([res.statusCode, res.json().code], url).toEqual([422, 'validation_failed']);
      expect(res.json().errors[0].path).toBe('issuer');
      expect(res.json().errors[0].message, url).toMatch(/loopback, private or link-local/);
    }
    expect(hits).toBe(before);
  });

  it('is refused for cloud metadata, private and link-local literals (before any connection)', async () => {
    const owner = await signUp(guarded.app);
    for (const url of [
      'http://169.254.169.254/latest',
      'http://[::ffff:169.254.169.254]',
      'http://10.0.0.1',
      'http://192.168.1.1',
      'http://[fd00:ec2::254]',
      'http://0.0.0.0',
    ]) {
      const res = await save(guarded, owner.headers, url);
      expect([res.statusCode, res.json().errors?.[0]?.message], url).toEqual([
        422,
        expect.stringMatching(/loopback, private or link-local/),
      ]);
    }
  });

  it('SSO_ALLOW_PRIVATE_NETWORKS=true lets a local IdP in; a replica without it refuses the sign-in (checked on every fetch)', async () => {
    const open = await createTestApp({ ...NO_LOGIN_THROTTLE, SSO_ALLOW_PRIVATE_NETWORKS: 'true' });
    try {
      const owner = await signUp(open.app);
      const before = hits;
      const ok = await save(open, owner.headers, issuer);
      expect(ok.statusCode, ok.body).toBe(200);
      expect(hits).toBeGreaterThan(before);

      // The same storage, a replica with the guard on: the saved issuer is fetched again at start.
      const replica = await createTestApp(NO_LOGIN_THROTTLE, { database: open.database, ports: open.ports });
      try {
        const slug = (owner.session as unknown as { tenant_slug: string }).tenant_slug;
        const atStart = hits;
        const start = await replica.app.inject({
          method: 'GET',
          url: `/api/v1/auth/sso/${slug}/start?redirect_uri=${encodeURIComponent('http://localhost:3000/login')}`,
        });
        expect(start.statusCode).toBe(502);
        expect(hits).toBe(atStart);
        // The replica that allows it still starts (the test could fail the other way).
        const allowed = await open.app.inject({
          method: 'GET',
          url: `/api/v1/auth/sso/${slug}/start?redirect_uri=${encodeURIComponent('http://localhost:3000/login')}`,
        });
        expect(allowed.statusCode).toBe(302);
      } finally {
        await replica.close();
      }
    } finally {
      await open.close();
    }
  });
});
