import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRedisPorts } from '../../platform/ports/redis.js';
import { createMemoryPorts } from '../../platform/ports/memory.js';
import type { Ports } from '../../platform/ports/index.js';
import { createLimitedApp, metricValue, openStream, type LimitedApp } from './ratelimit.test-support.js';

/**
 * The limiter's store is Redis on a dead port (the other ports are in-process, so the rest of the
 * app boots as usual — the outage under test is the limiter's). Quotas fail open — requests are served, never a 5xx or a hang —
 * and the outage shows in `rate_limit_fail_open_total` and a `rate_limit.fail_open` warning.
 */
describe('rate limits when Redis is unreachable', () => {
  let t: LimitedApp;
  const dead = createRedisPorts('redis://127.0.0.1:1', 'agentry:dead:');
  const local = createMemoryPorts();
  const ports: Ports = { ...local, counters: dead.counters, leases: dead.leases, close: async () => { await dead.close(); await local.close(); } };
  beforeAll(async () => {
    t = await createLimitedApp(
      { RATE_LIMIT_LOGIN_PER_IP_PER_MINUTE: '1', RATE_LIMIT_CHAT_STREAM_CONCURRENCY: '1', RATE_LIMIT_STORE_TIMEOUT_MS: '200' },
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
    const a = await openStream(t.baseUrl!, '/t/stream');
    const b = await openStream(t.baseUrl!, '/t/stream');
    expect([a.status, b.status]).toEqual([200, 200]);
    a.abort();
    b.abort();
  });
});
