import { afterAll, describe, expect, it } from 'vitest';
import pino from 'pino';
import type { Config } from '../../config.js';
import { Metrics } from '../../platform/metrics.js';
import { createMemoryPorts } from '../../platform/ports/memory.js';
import type { Ports } from '../../platform/ports/types.js';
import { createTestPorts, services } from '../../../test/harness.js';
import { RateLimiter } from './ratelimit.service.js';

/**
 * A run's two counts (its caller's and its tenant's) held by one lease: taken together or not at
 * all, renewed together while the run lasts (a slot lost meanwhile is taken back), given back
 * together. On the in-process ports and (with TEST_REDIS_URL) on Redis.
 */
const implementations: [string, () => Ports][] = [['memory', () => createMemoryPorts()]];
if (services.redisUrl) implementations.push(['redis', () => createTestPorts()]);

const LEASE_TTL_MS = 600;
const limits = {
  chatPerMinute: 0,
  chatStreamPerMinute: 0,
  chatStreamConcurrency: 1,
  chatStreamConcurrencyPerTenant: 2,
  billingStreamConcurrency: 0,
  loginPerIpPerMinute: 0,
  sharedReadPerIpPerMinute: 0,
  windowSeconds: 60,
  leaseTtlMs: LEASE_TTL_MS,
  storeTimeoutMs: 2000,
} satisfies Config['limits'];

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe.each(implementations)('run leases under two counts: %s', (_name, make) => {
  const ports = make();
  const limiter = new RateLimiter({ ports, limits, metrics: new Metrics(), logger: pino({ level: 'silent' }) });
  afterAll(async () => {
    await limiter.close();
    await ports.close();
  });
  const count = (key: string) => ports.leases.count(`rl:chat_stream_concurrency:${key}`);
  const run = (user: string) => limiter.acquireAll('chat_stream_concurrency', [{ key: user }, { key: 't', limit: 2 }]);

  it('takes both counts or neither, and says which one was full', async () => {
    const a = await run('u1');
    expect(a).toMatchObject({ allowed: true, remaining: [0, 1], failedOpen: false });
    // The caller's own count is full.
    expect(await run('u1')).toEqual({ allowed: false, refused: 0, failedOpen: false });
    const b = await run('u2');
    expect(b).toMatchObject({ allowed: true, remaining: [0, 0] });
    // The tenant's is full: u3's own count, which had room, is left as it was.
    expect(await run('u3')).toEqual({ allowed: false, refused: 1, failedOpen: false });
    expect(await count('u3')).toBe(0);
    expect(await count('t')).toBe(2);
    if (!a.allowed || !b.allowed) throw new Error('unreachable');
    await a.lease?.release();
    await b.lease?.release();
    expect([await count('u1'), await count('u2'), await count('t')]).toEqual([0, 0, 0]);
  });

  it('renews both counts while the run lasts, takes back a slot lost meanwhile, and releases both', async () => {
    const held = await run('long');
    if (!held.allowed || !held.lease) throw new Error('not granted');
    // A slot lost behind the holder's back (a store that dropped it): the next renewal takes it back.
    await ports.leases.release('rl:chat_stream_concurrency:t', (held.lease as unknown as { id: string }).id);
    await sleep(LEASE_TTL_MS * 3);
    expect(await count('long')).toBe(1);
    expect(await count('t')).toBe(1);
    await held.lease.release();
    expect(await count('long')).toBe(0);
    expect(await count('t')).toBe(0);
  });
});
