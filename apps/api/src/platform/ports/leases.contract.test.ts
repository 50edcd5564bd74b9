import { afterAll, describe, expect, it } from 'vitest';
import { createMemoryPorts } from './memory.js';
import type { Ports } from './types.js';
import { createTestPorts, services } from '../../../test/harness.js';

/**
 * The Leases port's contract, run against the in-process implementation and (with TEST_REDIS_URL)
 * the Redis one. Kept beside ports.contract.test.ts so both files can change independently.
 */
const implementations: [string, () => Ports][] = [['memory', () => createMemoryPorts()]];
if (services.redisUrl) implementations.push(['redis', () => createTestPorts()]);

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe.each(implementations)('leases contract: %s', (_name, make) => {
  const ports = make();
  afterAll(() => ports.close());

  it('grants at most `limit` live leases per key, and frees a slot on release', async () => {
    const opts = { limit: 2, ttlMs: 30_000 };
    expect(await ports.leases.acquire('k', 'a', opts)).toEqual({ acquired: true, held: 1 });
    expect(await ports.leases.acquire('k', 'b', opts)).toEqual({ acquired: true, held: 2 });
    expect(await ports.leases.acquire('k', 'c', opts)).toEqual({ acquired: false, held: 2 });
    expect(await ports.leases.acquire('other', 'c', opts)).toEqual({ acquired: true, held: 1 });
    expect(await ports.leases.count('k')).toBe(2);
    await ports.leases.release('k', 'a');
    await ports.leases.release('k', 'a'); // idempotent
    expect(await ports.leases.count('k')).toBe(1);
    expect((await ports.leases.acquire('k', 'c', opts)).acquired).toBe(true);
  });

  it('re-acquiring a held lease id does not take a second slot', async () => {
    const opts = { limit: 1, ttlMs: 30_000 };
    expect((await ports.leases.acquire('same', 'x', opts)).acquired).toBe(true);
    expect(await ports.leases.acquire('same', 'x', opts)).toEqual({ acquired: true, held: 1 });
  });

  it('is atomic under concurrency: exactly `limit` of many simultaneous acquires win', async () => {
    const grants = await Promise.all(
      Array.from({ length: 40 }, (_, i) => ports.leases.acquire('race', `l${i}`, { limit: 5, ttlMs: 30_000 })),
    );
    expect(grants.filter((g) => g.acquired)).toHaveLength(5);
    expect(await ports.leases.count('race')).toBe(5);
  });

  it('a lease that is not renewed expires by itself (a crashed holder frees its slot)', async () => {
    const opts = { limit: 1, ttlMs: 150 };
    expect((await ports.leases.acquire('crash', 'dead', opts)).acquired).toBe(true);
    expect((await ports.leases.acquire('crash', 'next', opts)).acquired).toBe(false);
    await sleep(300);
    expect(await ports.leases.count('crash')).toBe(0);
    expect(await ports.leases.renew('crash', 'dead', 150)).toBe(false);
    expect((await ports.leases.acquire('crash', 'next', opts)).acquired).toBe(true);
  });

  it('renewing keeps a lease alive past its first TTL', async () => {
    const opts = { limit: 1, ttlMs: 250 };
    expect((await ports.leases.acquire('live', 'holder', opts)).acquired).toBe(true);
    for (let i = 0; i < 4; i++) {
      await sleep(120);
      expect(await ports.leases.renew('live', 'holder', 250)).toBe(true);
    }
    expect(await ports.leases.count('live')).toBe(1);
    expect((await ports.leases.acquire('live', 'other', opts)).acquired).toBe(false);
    expect(await ports.leases.renew('live', 'unknown', 250)).toBe(false);
    await ports.leases.release('live', 'holder');
    expect(await ports.leases.renew('live', 'holder', 250)).toBe(false);
  });
});
