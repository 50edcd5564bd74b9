import { describe, expect, it } from 'vitest';
import { MemoryPubSub } from './ports/memory.js';
import { TenantCache } from './tenant-cache.js';

/** Two replicas (two caches) on one broker, reading the same "table". */
function replicas() {
  const pubsub = new MemoryPubSub();
  const table = new Map<string, string>([['t1', 'v1']]);
  let reads = 0;
  const read = (tenantId: string) => async () => {
    reads++;
    return table.get(tenantId) ?? 'none';
  };
  const make = () => new TenantCache<string>({ pubsub, channel: 'test:changed', ttlMs: 60_000 });
  return { a: make(), b: make(), table, read, reads: () => reads };
}

const settle = () => new Promise((r) => setTimeout(r, 10));

describe('TenantCache: per-replica, invalidated on every replica', () => {
  it('reads once, then serves from memory; a change on one replica is read again on the others', async () => {
    const { a, b, table, read, reads } = replicas();
    expect(await a.get('t1', read('t1'))).toBe('v1');
    expect(await b.get('t1', read('t1'))).toBe('v1');
    expect(await a.get('t1', read('t1'))).toBe('v1');
    expect(reads()).toBe(2);

    table.set('t1', 'v2');
    await b.invalidate('t1');
    await settle();
    expect(await a.get('t1', read('t1'))).toBe('v2');
    expect(await b.get('t1', read('t1'))).toBe('v2');
    expect(reads()).toBe(4);
    await Promise.all([a.stop(), b.stop()]);
  });

  it('does not keep a value read while an invalidation arrived (it may predate the change)', async () => {
    const { a, b, table, read } = replicas();
    await a.get('t0', read('t0')); // subscribed; t1 is not cached yet
    let release!: () => void;
    const gate = new Promise<void>((r) => {
      release = r;
    });
    // A read that saw the old rows, and finishes after the change was announced.
    const stale = a.get('t1', async () => {
      const old = table.get('t1')!;
      await gate;
      return old;
    });
    table.set('t1', 'v3');
    await b.invalidate('t1');
    await settle();
    release();
    await stale;
    expect(await a.get('t1', read('t1'))).toBe('v3');
    await Promise.all([a.stop(), b.stop()]);
  });
});
