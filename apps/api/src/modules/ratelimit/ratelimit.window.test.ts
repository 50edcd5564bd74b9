import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLimitedApp, metricValue, waitFor, type LimitedApp } from '../../../test/support/ratelimit-app.js';

/** Window quotas: block at the limit with the contract's headers and problem, recover after the window. */
describe('window quotas', () => {
  let t: LimitedApp;
  beforeAll(async () => {
    t = await createLimitedApp({
      RATE_LIMIT_LOGIN_PER_IP_PER_MINUTE: '3',
      RATE_LIMIT_CHAT_PER_MINUTE: '2',
      RATE_LIMIT_WINDOW_SECONDS: '1',
    });
  });
  afterAll(() => t.close());

  const login = (ip: string, headers: Record<string, string> = {}) =>
    t.app.inject({ method: 'POST', url: '/t/login', remoteAddress: ip, headers, payload: {} });

  it('login_per_ip: counts per client IP, answers 429 rate_limited with Retry-After past the limit, then recovers', async () => {
    const answers = [];
    for (let i = 0; i < 3; i++) answers.push(await login('198.51.100.7'));
    expect(answers.map((r) => r.statusCode)).toEqual([200, 200, 200]);
    for (const r of answers) expect(r.headers['ratelimit-policy']).toBe('"login_per_ip";q=3;w=1');
    expect(answers.map((r) => String(r.headers.ratelimit).replace(/;t=\d+$/, ''))).toEqual([
      '"login_per_ip";r=2',
      '"login_per_ip";r=1',
      '"login_per_ip";r=0',
    ]);
    expect(String(answers[0].headers.ratelimit)).toMatch(/^"login_per_ip";r=2;t=[01]$/);

    const blocked = await login('198.51.100.7');
    expect(blocked.statusCode).toBe(429);
    expect(blocked.headers['content-type']).toContain('application/problem+json');
    expect(blocked.json()).toMatchObject({
      status: 429,
      code: 'rate_limited',
      details: { quota: 'login_per_ip', limit: 3 },
    });
    expect(Number(blocked.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    expect(blocked.headers['ratelimit-policy']).toBe('"login_per_ip";q=3;w=1');
    expect(String(blocked.headers.ratelimit)).toMatch(/^"login_per_ip";r=0;t=\d+$/);

    // Another IP has its own window.
    expect((await login('203.0.113.9')).statusCode).toBe(200);

    expect(await metricValue(t.app, 'rate_limit_hits_total{quota="login_per_ip"}')).toBe(1);
    expect(t.logs.some((l) => l.event === 'rate_limit.block' && l.quota === 'login_per_ip')).toBe(true);
    // The log names the quota, never the client address or its key.
    const blockLine = JSON.stringify(t.logs.find((l) => l.event === 'rate_limit.block'));
    expect(blockLine).not.toContain('198.51.100.7');

    await waitFor(async () => (await login('198.51.100.7')).statusCode === 200, 4000);
  });

  it('login_per_ip: X-Forwarded-For is ignored without TRUST_PROXY (a client cannot pick a fresh IP per request)', async () => {
    const codes = [];
    for (let i = 0; i < 5; i++)
      codes.push((await login('192.0.2.50', { 'x-forwarded-for': `10.0.0.${i}` })).statusCode);
    expect(codes).toEqual([200, 200, 200, 429, 429]);
  });

  it('chat_per_minute: keyed by tenant + user, so one user exhausting it leaves others alone', async () => {
    const chat = async (tenant: string, user: string) =>
      t.app.inject({ method: 'POST', url: '/t/chat', headers: await t.as(tenant, user), payload: {} });
    expect((await chat('ta', 'alice')).statusCode).toBe(200);
    expect((await chat('ta', 'alice')).statusCode).toBe(200);
    const blocked = await chat('ta', 'alice');
    expect(blocked.statusCode).toBe(429);
    expect(blocked.headers['ratelimit-policy']).toBe('"chat_per_minute";q=2;w=1');
    expect(blocked.json().code).toBe('rate_limited');
    expect((await chat('ta', 'bob')).statusCode).toBe(200);
    expect((await chat('tb', 'alice')).statusCode).toBe(200); // same user id in another tenant
    await waitFor(async () => (await chat('ta', 'alice')).statusCode === 200, 4000);
  });
});

describe('window quotas behind a trusted proxy', () => {
  let t: LimitedApp;
  beforeAll(async () => {
    t = await createLimitedApp({ RATE_LIMIT_LOGIN_PER_IP_PER_MINUTE: '2', TRUST_PROXY: '127.0.0.1' });
  });
  afterAll(() => t.close());

  it('counts the client address the trusted proxy reports', async () => {
    const via = (client: string) =>
      t.app.inject({
        method: 'POST',
        url: '/t/login',
        remoteAddress: '127.0.0.1',
        headers: { 'x-forwarded-for': client },
        payload: {},
      });
    expect((await via('198.51.100.1')).statusCode).toBe(200);
    expect((await via('198.51.100.1')).statusCode).toBe(200);
    expect((await via('198.51.100.1')).statusCode).toBe(429);
    expect((await via('198.51.100.2')).statusCode).toBe(200);
    // An untrusted peer's X-Forwarded-For is not believed.
    const direct = (client: string) =>
      t.app.inject({
        method: 'POST',
        url: '/t/login',
        remoteAddress: '192.0.2.99',
        headers: { 'x-forwarded-for': client },
        payload: {},
      });
    expect((await direct('198.51.100.3')).statusCode).toBe(200);
    expect((await direct('198.51.100.4')).statusCode).toBe(200);
    expect((await direct('198.51.100.5')).statusCode).toBe(429);
  });
});

describe('a limit of 0 disables the quota', () => {
  let t: LimitedApp;
  beforeAll(async () => {
    t = await createLimitedApp({ RATE_LIMIT_LOGIN_PER_IP_PER_MINUTE: '0', RATE_LIMIT_CHAT_PER_MINUTE: '0' });
  });
  afterAll(() => t.close());

  it('serves every request and sends no rate-limit headers for it', async () => {
    for (let i = 0; i < 30; i++) {
      const r = await t.app.inject({ method: 'POST', url: '/t/login', payload: {} });
      expect(r.statusCode).toBe(200);
      expect(r.headers['ratelimit-policy']).toBeUndefined();
      expect(r.headers.ratelimit).toBeUndefined();
    }
    expect(
      (await t.app.inject({ method: 'POST', url: '/t/chat', headers: await t.as(), payload: {} })).statusCode,
    ).toBe(200);
  });
});
