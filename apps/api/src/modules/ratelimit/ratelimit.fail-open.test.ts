import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRedisPorts } from '../../platform/ports/redis.js';
import { createMemoryPorts } from '../../platform/ports/memory.js';
import type { Ports } from '../../platform/ports/index.js';
import {
  createLimitedApp,
  metricValue,
  openStream,
  waitFor,
  type LimitedApp,
} from '../../../test/support/ratelimit-app.js';
import { services } from '../../../test/harness.js';
import { startTcpProxy } from '../../../test/support/tcp-proxy.js';

/**
 * The limiter's store is Redis on a dead port (the other ports are in-process, so the rest of the
 * app boots as usual — the outage under test is the limiter's). Quotas fail open — requests are served, never a 5xx or a hang —
 * and the outage shows in `rate_limit_fail_open_total` and a `rate_limit.fail_open` warning.
 */
describe('rate limits when Redis is unreachable', () => {
  let t: LimitedApp;
  const dead = createRedisPorts('redis://127.0.0.1:1', 'agentry:dead:');
  const local = createMemoryPorts();
  const ports: Ports = {
    ...local,
    counters: dead.counters,
    leases: dead.leases,
    close: async () => {
      await dead.close();
      await local.close();
    },
  };
  beforeAll(async () => {
    t = await createLimitedApp(
      {
        RATE_LIMIT_LOGIN_PER_IP_PER_MINUTE: '1',
        RATE_LIMIT_CHAT_STREAM_CONCURRENCY: '1',
        RATE_LIMIT_STORE_TIMEOUT_MS: '200',
      },
      { ports, listen: true },
    );
  });
  afterAll(async () => {
    await t?.close();
    await ports.close();
  });

  it('serves window-limited requests, counts the fail-open and logs a warning', async () => {
    for (let i = 0; i < 3; i++) {
      const r = await t.app.inject({ method: 'POST', url: '/t/login', payload: {} });
      expect(r.statusCode).toBe(200);
      // The policy is known; the current state is not, so no RateLimit field is invented.
      expect(r.headers['ratelimit-policy']).toBe('"login_per_ip";q=1;w=60');
      expect(r.headers.ratelimit).toBeUndefined();
    }
    expect(await metricValue(t.app, 'rate_limit_fail_open_total{quota="login_per_ip",operation="consume"}')).toBe(3);
    const warnings = t.logs.filter((l) => l.event === 'rate_limit.fail_open');
    expect(warnings.length).toBeGreaterThanOrEqual(1);
    expect(warnings[0]).toMatchObject({ level: 'warn', quota: 'login_per_ip' });
    expect(warnings.length).toBeLessThan(3); // throttled: an outage does not flood the log
  });

  it('opens streams without a lease instead of refusing them', async () => {
    const a = await openStream(t.baseUrl!, '/t/stream', await t.as());
    const b = await openStream(t.baseUrl!, '/t/stream', await t.as());
    expect([a.status, b.status]).toEqual([200, 200]);
    a.abort();
    b.abort();
  });
});

/**
 * Redis goes away while the API runs and comes back (real Redis behind a TCP proxy): streams that
 * hold a lease stay open, quotas fail open during the outage, and are enforced again afterwards.
 */
describe.runIf(services.redisUrl)('rate limits through a Redis outage and back', () => {
  it('keeps open streams, serves requests during the outage, enforces quotas again after it', async () => {
    const target = new URL(services.redisUrl!);
    const proxy = await startTcpProxy({ host: target.hostname, port: Number(target.port || 6379) });
    const redis = createRedisPorts(`redis://127.0.0.1:${proxy.port}`, `agentry:t:outage:${process.pid}:${Date.now()}:`);
    const local = createMemoryPorts();
    const ports: Ports = {
      ...local,
      counters: redis.counters,
      leases: redis.leases,
      close: async () => {
        await redis.close();
        await local.close();
      },
    };
    const t = await createLimitedApp(
      {
        RATE_LIMIT_LOGIN_PER_IP_PER_MINUTE: '2',
        RATE_LIMIT_CHAT_STREAM_CONCURRENCY: '1',
        RATE_LIMIT_LEASE_TTL_MS: '600',
        RATE_LIMIT_STORE_TIMEOUT_MS: '200',
      },
      { ports, listen: true },
    );
    try {
      const login = (ip: string) => t.app.inject({ method: 'POST', url: '/t/login', remoteAddress: ip, payload: {} });
      const stream = await openStream(t.baseUrl!, '/t/stream', await t.as());
      expect(stream.status).toBe(200);

      await proxy.pause();
      // Renewals fail (counted), the stream stays open; window quotas fail open.
      const renewFailures = async () =>
        metricValue(t.app, 'rate_limit_fail_open_total{quota="chat_stream_concurrency",operation="renew"}');
      await waitFor(async () => (await renewFailures()) >= 1, 5000);
      for (let i = 0; i < 4; i++) expect((await login('198.51.100.60')).statusCode).toBe(200);
      expect(stream.body).not.toContain('error');
      let ended = false;
      void stream.ended.then(() => (ended = true));
      expect(ended).toBe(false);

      await proxy.resume();
      // Once Redis answers again (a probe address sees a RateLimit state), the quota is enforced: a
      // fresh address gets its 2 requests, then 429. (Probes that timed out may still land late.)
      await waitFor(async () => (await login('198.51.100.61')).headers.ratelimit !== undefined, 5000);
      expect((await login('198.51.100.62')).statusCode).toBe(200);
      expect((await login('198.51.100.62')).statusCode).toBe(200);
      expect((await login('198.51.100.62')).statusCode).toBe(429);
      stream.abort();
    } finally {
      await t.close();
      await ports.close();
      await proxy.close();
    }
  });
});
