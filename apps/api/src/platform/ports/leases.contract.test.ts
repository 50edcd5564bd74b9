import { afterAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { createMemoryPorts } from './memory.js';
import type { LeaseSlot, Ports } from './types.js';
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

  describe('several keys at once (acquireAll, renewAll, releaseAll)', () => {
    const ttlMs = 30_000;

    it('takes a slot under every key, or none: a refusal names the first full key and leaves no partial slot', async () => {
      const both: LeaseSlot[] = [
        { key: 'm:user', limit: 2 },
        { key: 'm:tenant', limit: 1 },
      ];
      expect(await ports.leases.acquireAll(both, 'run1', ttlMs)).toEqual({ acquired: true, held: [1, 1] });
      // The tenant's count is full: refused, and the user's slot (which had room) was not taken.
      expect(await ports.leases.acquireAll(both, 'run2', ttlMs)).toEqual({ acquired: false, refused: 1, held: [1, 1] });
      expect(await ports.leases.count('m:user')).toBe(1);
      expect(await ports.leases.count('m:tenant')).toBe(1);
      // Both full: the first full key is named.
      await ports.leases.acquire('m:user', 'other', { limit: 2, ttlMs });
      expect(await ports.leases.acquireAll(both, 'run3', ttlMs)).toEqual({ acquired: false, refused: 0, held: [2, 1] });
      // The holder asking again takes nothing more.
      expect(await ports.leases.acquireAll(both, 'run1', ttlMs)).toEqual({ acquired: true, held: [2, 1] });
      // Released as one: every key frees its slot.
      await ports.leases.releaseAll(['m:user', 'm:tenant'], 'run1');
      expect(await ports.leases.count('m:user')).toBe(1);
      expect(await ports.leases.count('m:tenant')).toBe(0);
      expect(await ports.leases.acquireAll(both, 'run2', ttlMs)).toEqual({ acquired: true, held: [2, 1] });
    });

    it('an empty list is granted; a repeated key is held once', async () => {
      expect(await ports.leases.acquireAll([], 'none', ttlMs)).toEqual({ acquired: true, held: [] });
      expect(await ports.leases.renewAll([], 'none', ttlMs)).toEqual([]);
      await ports.leases.releaseAll([], 'none');
      const twice: LeaseSlot[] = [
        { key: 'dup', limit: 1 },
        { key: 'dup', limit: 1 },
      ];
      expect(await ports.leases.acquireAll(twice, 'x', ttlMs)).toEqual({ acquired: true, held: [1, 1] });
      expect(await ports.leases.count('dup')).toBe(1);
      expect((await ports.leases.acquireAll(twice, 'y', ttlMs)).acquired).toBe(false);
    });

    it('is all-or-nothing under contention: never over a limit, never a slot under only some keys', async () => {
      // 60 simultaneous runs of 6 users in one tenant: 2 per user, 5 per tenant; some also count
      // against a third key shared by every other run.
      const attempts = Array.from({ length: 60 }, (_, i) => {
        const slots: LeaseSlot[] = [
          { key: `c:user:${i % 6}`, limit: 2 },
          { key: 'c:tenant', limit: 5 },
        ];
        if (i % 2 === 0) slots.push({ key: 'c:shared', limit: 3 });
        return { id: `run${i}`, slots };
      });
      const grants = await Promise.all(attempts.map((a) => ports.leases.acquireAll(a.slots, a.id, ttlMs)));
      const won = attempts.filter((_, i) => grants[i].acquired);
      expect(won.length).toBeGreaterThan(0);
      expect(won.length).toBeLessThanOrEqual(5);
      // What the store holds is exactly what the winners were granted, under every one of their keys.
      const keys = [...new Set(attempts.flatMap((a) => a.slots.map((s) => s.key)))];
      for (const key of keys) {
        const winners = won.filter((a) => a.slots.some((s) => s.key === key)).length;
        const limit = attempts.flatMap((a) => a.slots).find((s) => s.key === key)!.limit;
        expect(await ports.leases.count(key)).toBe(winners);
        expect(winners).toBeLessThanOrEqual(limit);
      }
      // The tenant filled up unless every other key refused first: with room left, nobody was refused by it.
      const refusedByTenant = grants.filter((g) => !g.acquired && g.refused === 1).length;
      if (won.length < 5) expect(refusedByTenant).toBe(0);
      // Every winner holds a slot under each of its keys, and only its own: releasing them frees all.
      await Promise.all(
        won.map((a) =>
          ports.leases.releaseAll(
            a.slots.map((s) => s.key),
            a.id,
          ),
        ),
      );
      for (const key of keys) expect(await ports.leases.count(key)).toBe(0);
    });

    it('expired leases do not count, and renewAll says which were still live', async () => {
      const slots: LeaseSlot[] = [
        { key: 'e:user', limit: 1 },
        { key: 'e:tenant', limit: 1 },
      ];
      expect((await ports.leases.acquireAll(slots, 'dead', 150)).acquired).toBe(true);
      expect(await ports.leases.acquireAll(slots, 'next', ttlMs)).toMatchObject({ acquired: false, refused: 0 });
      await sleep(300);
      expect(await ports.leases.renewAll(['e:user', 'e:tenant'], 'dead', ttlMs)).toEqual([false, false]);
      expect(await ports.leases.acquireAll(slots, 'next', 150)).toEqual({ acquired: true, held: [1, 1] });
      // One key lost (released elsewhere), one live: renewal extends the live one only.
      await ports.leases.release('e:user', 'next');
      expect(await ports.leases.renewAll(['e:user', 'e:tenant'], 'next', ttlMs)).toEqual([false, true]);
      await sleep(300);
      expect(await ports.leases.count('e:tenant')).toBe(1); // renewed past its first TTL
      expect(await ports.leases.count('e:user')).toBe(0);
    });

    it('releasing a lease never held is harmless', async () => {
      await ports.leases.acquireAll([{ key: 'r:kept', limit: 1 }], 'holder', ttlMs);
      await ports.leases.releaseAll(['r:kept', 'r:never-existed'], 'stranger');
      await ports.leases.release('r:kept', 'stranger');
      expect(await ports.leases.count('r:kept')).toBe(1);
      expect(await ports.leases.count('r:never-existed')).toBe(0);
      expect(await ports.leases.renewAll(['r:kept'], 'holder', ttlMs)).toEqual([true]);
    });

    it('keys are distinct as strings: a key that extends another is a count of its own', async () => {
      // A tenant's count and one of its users' counts never share a set, whatever the ids contain.
      await ports.leases.acquireAll([{ key: 'i:tenant-a', limit: 1 }], 'a', ttlMs);
      expect((await ports.leases.acquireAll([{ key: 'i:tenant-a:user', limit: 1 }], 'b', ttlMs)).acquired).toBe(true);
      expect((await ports.leases.acquireAll([{ key: 'i:tenant-', limit: 1 }], 'c', ttlMs)).acquired).toBe(true);
      expect(await ports.leases.count('i:tenant-a')).toBe(1);
    });
  });
});

describe.runIf(services.redisUrl)('leases contract: redis keys', () => {
  it('live under the port prefix, expire with their longest lease, and another prefix never sees them', async () => {
    const a = createTestPorts();
    const b = createTestPorts();
    const raw = new Redis(services.redisUrl!);
    try {
      const slots: LeaseSlot[] = [
        { key: 'p:user', limit: 1 },
        { key: 'p:tenant', limit: 1 },
      ];
      expect((await a.leases.acquireAll(slots, 'run', 30_000)).acquired).toBe(true);
      expect(await raw.exists(`${a.prefix}p:user`, `${a.prefix}p:tenant`)).toBe(2);
      expect(await raw.exists('p:user', 'p:tenant')).toBe(0);
      const ttl = await raw.pttl(`${a.prefix}p:tenant`);
      expect(ttl).toBeGreaterThan(25_000);
      expect(ttl).toBeLessThanOrEqual(30_000);
      // A shorter lease does not shorten the key's life; a longer one extends it.
      await a.leases.acquire('p:tenant', 'short', { limit: 5, ttlMs: 1000 });
      expect(await raw.pttl(`${a.prefix}p:tenant`)).toBeGreaterThan(25_000);
      await a.leases.renewAll(['p:tenant'], 'short', 60_000);
      expect(await raw.pttl(`${a.prefix}p:tenant`)).toBeGreaterThan(55_000);
      // Another deployment (prefix) has counts of its own.
      expect((await b.leases.acquireAll(slots, 'run-b', 30_000)).acquired).toBe(true);
      expect(await a.leases.count('p:user')).toBe(1);
      await b.leases.releaseAll(['p:user', 'p:tenant'], 'run');
      expect(await a.leases.count('p:user')).toBe(1);
      await a.leases.releaseAll(['p:user', 'p:tenant'], 'run');
      expect(await a.leases.count('p:user')).toBe(0);
    } finally {
      raw.disconnect();
      await a.close();
      await b.close();
    }
  });
});
