import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, createTestPorts, services, type TestApp } from '../../../../test/harness.js';
import { bearer, logIn, NO_LOGIN_THROTTLE, signUp, type TestUser } from '../../../../test/factories.js';
import { createPorts, type Ports } from '../../../platform/ports/index.js';

/**
 * Two replicas on one database and one Redis (or one set of in-process ports): a session ended on
 * replica A stops working on replica B as soon as the broadcast lands (milliseconds), although B had just accepted the
 * token and holds a short in-process "not revoked" cache. What flips B is the pub/sub broadcast.
 */
const modes: { name: string; secondPorts: (first: Ports & { prefix: string }) => Ports | undefined }[] = [
  { name: 'one shared set of ports', secondPorts: () => undefined },
  ...(services.redisUrl
    ? [
        {
          name: 'separate Redis connections per replica (same key prefix)',
          secondPorts: (first: Ports & { prefix: string }) =>
            createPorts({ url: services.redisUrl, keyPrefix: first.prefix }),
        },
      ]
    : []),
];

describe.each(modes)('cross-replica revocation: $name', ({ secondPorts }) => {
  let a: TestApp;
  let b: TestApp;
  let ownPorts: Ports | undefined;
  beforeAll(async () => {
    const ports = createTestPorts();
    // Reuse detection at once (no grace window): the window is tested in refresh-grace.test.ts.
    a = await createTestApp({ ...NO_LOGIN_THROTTLE, AUTH_REFRESH_REUSE_GRACE_SECONDS: '0' }, { ports });
    ownPorts = secondPorts(ports);
    // Same database, same key set (DATA_DIR/keys), same coordination ports.
    b = await createTestApp(
      { ...NO_LOGIN_THROTTLE, AUTH_REFRESH_REUSE_GRACE_SECONDS: '0', DATA_DIR: a.config.dataDir },
      { database: a.database, ports: ownPorts ?? ports },
    );
  });
  afterAll(async () => {
    await b?.close();
    await ownPorts?.close();
    await a?.close();
    await a?.ports.close();
  });

  const meOn = (t: TestApp, user: Pick<TestUser, 'headers'>) =>
    t.app.inject({ method: 'GET', url: '/api/v1/auth/me', headers: user.headers });

  /**
   * B's answer once A's broadcast has had time to land: A's publish returns before B's subscriber
   * has read it (with separate connections, on a loaded host, B answered one request from its
   * cache first). Half a second, well inside the 2 s B caches "not revoked" for (the control
   * test): a 401 here is the broadcast's work, not the cache running out.
   */
  async function statusOnB(user: Pick<TestUser, 'headers'>) {
    const until = Date.now() + 500;
    for (;;) {
      const res = await meOn(b, user);
      if (res.statusCode === 401 || Date.now() > until) return res;
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  /** B accepts the token (and caches that answer) before A ends the session. */
  async function warm(user: TestUser) {
    expect((await meOn(b, user)).statusCode).toBe(200);
    expect((await meOn(b, user)).statusCode).toBe(200);
  }

  it('control: B really caches "not revoked" — a revocation written to the store without the broadcast is not seen yet', async () => {
    const u = await signUp(a.app);
    await warm(u);
    await a.ports.kv.set(`auth:revoked:${u.session.session_id}`, '1', { ttlSeconds: 60 });
    expect((await meOn(b, u)).statusCode).toBe(200);
    // A replica that never saw the token reads the store and refuses it.
    expect((await meOn(a, u)).statusCode).toBe(401);
  });

  it('logout on A → the access token fails on B at the next request', async () => {
    const u = await signUp(a.app);
    await warm(u);
    expect((await a.app.inject({ method: 'POST', url: '/api/v1/auth/logout', headers: u.headers })).statusCode).toBe(
      204,
    );
    const res = await statusOnB(u);
    expect([res.statusCode, res.json().code]).toEqual([401, 'invalid_token']);
  });

  it("DELETE /auth/sessions/{id} on A → that session fails on B, the caller's own session still works there", async () => {
    const u = await signUp(a.app);
    const other = await logIn(b.app, u);
    await warm(other);
    await warm(u);
    expect(
      (
        await a.app.inject({
          method: 'DELETE',
          url: `/api/v1/auth/sessions/${other.session.session_id}`,
          headers: u.headers,
        })
      ).statusCode,
    ).toBe(204);
    expect((await statusOnB(other)).statusCode).toBe(401);
    expect((await meOn(b, u)).statusCode).toBe(200);
  });

  it('logout/all on A → every session of the user fails on B', async () => {
    const u = await signUp(a.app);
    const second = await logIn(a.app, u);
    const third = await logIn(b.app, u);
    for (const s of [u, second, third]) await warm(s);
    expect(
      (await a.app.inject({ method: 'POST', url: '/api/v1/auth/logout/all', headers: second.headers })).statusCode,
    ).toBe(204);
    for (const s of [u, second, third]) expect((await statusOnB(s)).statusCode).toBe(401);
  });

  it("refresh-token reuse detected on A → the family's access token fails on B", async () => {
    const u = await signUp(a.app);
    const rotated = await a.app.inject({
      method: 'POST',
      url: '/api/v1/auth/refresh',
      payload: { refresh_token: u.session.refresh_token },
    });
    const fresh = { headers: bearer(rotated.json().access_token) };
    await warm(fresh as TestUser);
    const reuse = await b.app.inject({
      method: 'POST',
      url: '/api/v1/auth/refresh',
      payload: { refresh_token: u.session.refresh_token },
    });
    expect(reuse.json().code).toBe('refresh_token_reused');
    expect((await meOn(a, fresh)).statusCode).toBe(401);
    expect((await statusOnB(fresh)).statusCode).toBe(401);
  });
});
