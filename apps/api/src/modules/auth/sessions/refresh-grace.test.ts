import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { SessionResponse } from '@agentry/contracts';
import { createTestApp, createTestPorts, services, type TestApp } from '../../../../test/harness.js';
import { bearer, NO_LOGIN_THROTTLE, signUp } from '../../../../test/factories.js';
import { createPorts, type Ports } from '../../../platform/ports/index.js';

/**
 * The refresh grace window (docs/security/threat-model.md "Concurrent refresh"), on two API replicas
 * sharing the database and the key-value port: concurrent refreshes with one token all get the same
 * successor; a replay after the window is reuse and revokes the family.
 */
const GRACE = 1;
const modes: { name: string; secondPorts: (first: Ports & { prefix: string }) => Ports | undefined }[] = [
  { name: 'one shared set of ports', secondPorts: () => undefined },
  ...(services.redisUrl
    ? [
        {
          name: 'separate Redis connections per replica',
          secondPorts: (first: Ports & { prefix: string }) =>
            createPorts({ url: services.redisUrl, keyPrefix: first.prefix }),
        },
      ]
    : []),
];

describe.each(modes)('refresh grace window: $name', ({ secondPorts }) => {
  let a: TestApp;
  let b: TestApp;
  let ownPorts: Ports | undefined;
  beforeAll(async () => {
    const ports = createTestPorts();
    const env = { ...NO_LOGIN_THROTTLE, AUTH_REFRESH_REUSE_GRACE_SECONDS: String(GRACE) };
    a = await createTestApp(env, { ports });
    ownPorts = secondPorts(ports);
    b = await createTestApp({ ...env, DATA_DIR: a.config.dataDir }, { database: a.database, ports: ownPorts ?? ports });
  });
  afterAll(async () => {
    await b?.close();
    await ownPorts?.close();
    await a?.close();
  });

  const refreshOn = (t: TestApp, token: string) =>
    t.app.inject({ method: 'POST', url: '/api/v1/auth/refresh', payload: { refresh_token: token } });
  const me = (t: TestApp, access: string) =>
    t.app.inject({ method: 'GET', url: '/api/v1/auth/me', headers: bearer(access) });

  it('10 concurrent refreshes with one token, across both replicas: all succeed with one successor', async () => {
    const u = await signUp(a.app);
    const results = await Promise.all(
      Array.from({ length: 10 }, (_, i) => refreshOn(i % 2 ? b : a, u.session.refresh_token)),
    );
    expect(results.map((r) => r.statusCode)).toEqual(Array(10).fill(200));
    const answers = results.map((r) => r.json() as SessionResponse);
    expect(new Set(answers.map((x) => x.refresh_token)).size).toBe(1);
    expect(new Set(answers.map((x) => x.session_id))).toEqual(new Set([u.session.session_id]));
    expect(answers[0].refresh_token).not.toBe(u.session.refresh_token);
    // The successor works and rotates normally; the session lives.
    expect((await me(b, answers[0].access_token)).statusCode).toBe(200);
    const next = await refreshOn(a, answers[0].refresh_token);
    expect(next.statusCode).toBe(200);
    expect((await me(a, next.json().access_token)).statusCode).toBe(200);
  });

  it('attack: a replay after the window is reuse — 401 and the whole family revoked on both replicas', async () => {
    const u = await signUp(a.app);
    const first = await refreshOn(a, u.session.refresh_token);
    expect(first.statusCode).toBe(200);
    // Within the window: the same successor again.
    const within = await refreshOn(b, u.session.refresh_token);
    expect(within.json().refresh_token).toBe(first.json().refresh_token);
    await new Promise((resolve) => setTimeout(resolve, GRACE * 1000 + 300));
    const replay = await refreshOn(b, u.session.refresh_token);
    expect([replay.statusCode, replay.json().code]).toEqual([401, 'refresh_token_reused']);
    for (const t of [a, b]) expect((await me(t, first.json().access_token)).statusCode).toBe(401);
    const successor = await refreshOn(a, first.json().refresh_token);
    expect(successor.statusCode).toBe(401);
  });

  it('a wrong or unknown token is not helped by the window (no answer leaks across tokens)', async () => {
    const u = await signUp(a.app);
    expect((await refreshOn(a, u.session.refresh_token)).statusCode).toBe(200);
    const forged = await refreshOn(b, `${u.session.refresh_token.slice(0, -2)}xx`);
    expect([forged.statusCode, forged.json().code]).toEqual([401, 'invalid_token']);
  });

  it('the store holds no usable refresh token: the successor is sealed under the presented token', async () => {
    const u = await signUp(a.app);
    const set = vi.spyOn(a.ports.kv, 'set');
    try {
      const first = (await refreshOn(a, u.session.refresh_token)).json() as SessionResponse;
      const stored = set.mock.calls.filter(([key]) => key.startsWith('auth:refresh:grace:'));
      expect(stored.map(([key]) => key.split(':')[3]).sort()).toEqual(['answer', 'claim']);
      const everything = JSON.stringify(stored);
      for (const secret of [first.refresh_token, first.access_token, u.session.refresh_token])
        expect(everything).not.toContain(secret);
    } finally {
      set.mockRestore();
    }
  });
});
