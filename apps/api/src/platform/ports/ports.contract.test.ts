import { afterAll, describe, expect, it } from 'vitest';
import { createMemoryPorts } from './memory.js';
import { createRedisPorts } from './redis.js';
import { followStream } from './follow.js';
import type { Job, Ports } from './types.js';
import { createTestPorts, services } from '../../../test/harness.js';

/**
 * One contract, two implementations: every behaviour a module relies on is checked against the
 * in-process ports and (when TEST_REDIS_URL is set) the Redis ports.
 */
const implementations: [string, () => Ports][] = [['memory', () => createMemoryPorts()]];
if (services.redisUrl) implementations.push(['redis', () => createTestPorts()]);

const waitFor = async (predicate: () => boolean, timeoutMs = 5000) => {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
};

describe.each(implementations)('ports contract: %s', (_name, make) => {
  const ports = make();
  afterAll(() => ports.close());

  it('key-value: set, get, delete, ttl, set-if-absent', async () => {
    expect(await ports.kv.get('missing')).toBeNull();
    expect(await ports.kv.ttlMs('missing')).toBe(-2);
    expect(await ports.kv.set('a', '1')).toBe(true);
    expect(await ports.kv.get('a')).toBe('1');
    expect(await ports.kv.ttlMs('a')).toBe(-1);
    expect(await ports.kv.set('a', '2', { ifNotExists: true })).toBe(false);
    expect(await ports.kv.get('a')).toBe('1');
    await ports.kv.delete('a');
    expect(await ports.kv.get('a')).toBeNull();
    expect(await ports.kv.set('nonce', 'x', { ttlSeconds: 60, ifNotExists: true })).toBe(true);
    expect(await ports.kv.set('nonce', 'y', { ttlSeconds: 60, ifNotExists: true })).toBe(false);
    const ttl = await ports.kv.ttlMs('nonce');
    expect(ttl).toBeGreaterThan(50_000);
    expect(ttl).toBeLessThanOrEqual(60_000);
  });

  it('key-value: entries expire', async () => {
    await ports.kv.set('short', 'v', { ttlSeconds: 0.05 });
    await new Promise((r) => setTimeout(r, 120));
    expect(await ports.kv.get('short')).toBeNull();
  });

  it('counters: atomic increments under concurrency, TTL set once on creation', async () => {
    const results = await Promise.all(
      Array.from({ length: 50 }, () => ports.counters.increment('c', { ttlSeconds: 30 })),
    );
    expect(results.map((r) => r.value).sort((a, b) => a - b)).toEqual(Array.from({ length: 50 }, (_, i) => i + 1));
    expect(await ports.counters.get('c')).toBe(50);
    const { ttlMs } = await ports.counters.increment('c', { by: 5, ttlSeconds: 999 });
    expect(ttlMs).toBeLessThanOrEqual(30_000); // a later increment does not extend the window
    expect(await ports.counters.get('c')).toBe(55);
    await ports.counters.reset('c');
    expect(await ports.counters.get('c')).toBe(0);
  });

  it('counters: a window ends when its TTL does', async () => {
    await ports.counters.increment('w', { ttlSeconds: 0.05 });
    await new Promise((r) => setTimeout(r, 120));
    expect((await ports.counters.increment('w', { ttlSeconds: 10 })).value).toBe(1);
  });

  it('pub/sub: delivers to every subscriber until it unsubscribes', async () => {
    const a: string[] = [];
    const b: string[] = [];
    const offA = await ports.pubsub.subscribe('chan', (m) => a.push(m));
    const offB = await ports.pubsub.subscribe('chan', (m) => b.push(m));
    await ports.pubsub.publish('chan', 'one');
    await waitFor(() => a.length === 1 && b.length === 1);
    await offA();
    await ports.pubsub.publish('chan', 'two');
    await waitFor(() => b.length === 2);
    expect(a).toEqual(['one']);
    expect(b).toEqual(['one', 'two']);
    await offB();
  });

  it('streams: append with pinned and generated ids, read strictly after an id', async () => {
    expect(await ports.streams.append('run:1', 'a', { id: '1-0' })).toBe('1-0');
    expect(await ports.streams.append('run:1', 'b', { id: '2-0' })).toBe('2-0');
    expect(await ports.streams.append('run:1', 'c', { id: '3-0' })).toBe('3-0');
    await expect(ports.streams.append('run:1', 'dup', { id: '2-0' })).rejects.toThrow();
    expect((await ports.streams.read('run:1', null)).map((e) => e.data)).toEqual(['a', 'b', 'c']);
    expect((await ports.streams.read('run:1', '1-0')).map((e) => e.data)).toEqual(['b', 'c']);
    expect(await ports.streams.read('run:1', '3-0')).toEqual([]);
    expect(await ports.streams.read('nothing', null)).toEqual([]);
    const first = await ports.streams.append('billing:t', 'x');
    const second = await ports.streams.append('billing:t', 'y');
    expect((await ports.streams.read('billing:t', first)).map((e) => e.id)).toEqual([second]);
  });

  it('streams: a follower replays, then receives live appends, and stops at the last entry', async () => {
    await ports.streams.append('run:2', 'e1', { id: '1-0' });
    await ports.streams.append('run:2', 'e2', { id: '2-0' });
    const controller = new AbortController();
    const seen: string[] = [];
    const done = (async () => {
      for await (const entry of followStream(ports.streams, 'run:2', '1-0', {
        signal: controller.signal,
        isLast: (e) => e.data === 'end',
      })) {
        seen.push(entry.data);
      }
    })();
    await waitFor(() => seen.length === 1);
    await ports.streams.append('run:2', 'e3', { id: '3-0' });
    await ports.streams.append('run:2', 'end', { id: '4-0' });
    await done;
    expect(seen).toEqual(['e2', 'e3', 'end']);
  });

  it('streams: appendMany appends a batch in order and wakes a watcher once for it', async () => {
    let wakes = 0;
    const unwatch = await ports.streams.watch('run:batch', () => wakes++);
    await ports.streams.appendMany('run:batch', [
      { id: '1-0', data: 'a' },
      { id: '2-0', data: 'b' },
      { id: '3-0', data: 'c' },
    ]);
    await ports.streams.appendMany('run:batch', []);
    await waitFor(() => wakes >= 1);
    await new Promise((r) => setTimeout(r, 50));
    expect(wakes).toBe(1);
    expect((await ports.streams.read('run:batch', '1-0')).map((e) => [e.id, e.data])).toEqual([
      ['2-0', 'b'],
      ['3-0', 'c'],
    ]);
    // Not atomic: the entries before a refused id stay, the rest of the batch is not appended.
    await expect(
      ports.streams.appendMany('run:batch', [
        { id: '4-0', data: 'd' },
        { id: '3-0', data: 'dup' },
        { id: '5-0', data: 'e' },
      ]),
    ).rejects.toThrow();
    expect((await ports.streams.read('run:batch', '3-0')).map((e) => e.data)).toEqual(['d']);
    await unwatch();
  });

  it('streams: a follower stops when its signal aborts', async () => {
    const controller = new AbortController();
    const iterate = (async () => {
      let n = 0;
      for await (const _ of followStream(ports.streams, 'run:idle', null, { signal: controller.signal })) n++;
      return n;
    })();
    setTimeout(() => controller.abort(), 50);
    expect(await iterate).toBe(0);
  });

  it('streams: expire removes the stream', async () => {
    await ports.streams.append('tmp', 'v');
    await ports.streams.expire('tmp', 1);
    await new Promise((r) => setTimeout(r, 1200));
    expect(await ports.streams.read('tmp', null)).toEqual([]);
  });

  it('streams: appendMany with ttlSeconds sets the expiry in the same call; a refused batch sets none', async () => {
    await ports.streams.appendMany('ttl:short', [{ id: '1-0', data: 'a' }], { ttlSeconds: 0.3 });
    // A later batch without a TTL leaves the expiry as it is.
    await ports.streams.appendMany('ttl:short', [{ id: '2-0', data: 'b' }]);
    await ports.streams.appendMany('ttl:kept', [{ id: '1-0', data: 'a' }], { ttlSeconds: 60 });
    // The refused id ends the batch before its TTL: the stream keeps its longer expiry.
    await expect(
      ports.streams.appendMany('ttl:kept', [{ id: '1-0', data: 'dup' }], { ttlSeconds: 0.3 }),
    ).rejects.toThrow();
    // An empty batch appends nothing and sets nothing.
    await ports.streams.appendMany('ttl:kept', [], { ttlSeconds: 0.3 });
    await new Promise((r) => setTimeout(r, 600));
    expect(await ports.streams.read('ttl:short', null)).toEqual([]);
    expect((await ports.streams.read('ttl:kept', null)).map((e) => e.data)).toEqual(['a']);
  });

  it('jobs: runs each job, retries a failure with backoff, dedupes by job id, reports the final failure', async () => {
    const runs: Job<{ n: number }>[] = [];
    const failed: string[] = [];
    let flaky = 0;
    ports.jobs.process<{ n: number }>(
      'contract-job',
      async (job) => {
        runs.push(job);
        if (job.data.n === 2 && flaky++ === 0) throw new Error('transient');
        if (job.data.n === 3) throw new Error('permanent');
      },
      { onFailed: (job) => failed.push(job.id) },
    );
    await ports.jobs.enqueue('contract-job', { n: 1 }, { jobId: 'job-1' });
    await ports.jobs.enqueue('contract-job', { n: 1 }, { jobId: 'job-1' });
    await ports.jobs.enqueue('contract-job', { n: 2 }, { jobId: 'job-2', attempts: 3, backoffMs: 20 });
    await ports.jobs.enqueue('contract-job', { n: 3 }, { jobId: 'job-3', attempts: 2, backoffMs: 20 });
    await waitFor(() => failed.length === 1 && runs.filter((r) => r.data.n === 2).length === 2, 10_000);
    expect(runs.filter((r) => r.data.n === 1)).toHaveLength(1);
    expect(runs.filter((r) => r.data.n === 2).map((r) => r.attempt)).toEqual([1, 2]);
    expect(runs.filter((r) => r.data.n === 3).map((r) => r.attempt)).toEqual([1, 2]);
    expect(failed).toEqual(['job-3']);
  });

  it('jobs: a custom job id with ":" is refused by both (BullMQ reserves it)', async () => {
    await expect(ports.jobs.enqueue('contract-job', { n: 0 }, { jobId: 'mail:1' })).rejects.toThrow(/cannot contain/);
  });

  it('ping answers while the store is up', async () => {
    await expect(ports.ping()).resolves.toBeUndefined();
  });
});

describe.runIf(services.redisUrl)('redis ports when Redis is unreachable', () => {
  it('subscribing does not hang while Redis is away (the app can start and report not ready)', async () => {
    const ports = createRedisPorts('redis://127.0.0.1:1', 'agentry:dead:');
    const started = Date.now();
    const off = await ports.pubsub.subscribe('revocations', () => {});
    expect(Date.now() - started).toBeLessThan(3000);
    await off();
    await ports.close();
  });

  it('ping rejects quickly instead of hanging', async () => {
    const ports = createRedisPorts('redis://127.0.0.1:1', 'agentry:dead:');
    const started = Date.now();
    await expect(ports.ping()).rejects.toThrow();
    expect(Date.now() - started).toBeLessThan(3000);
    await ports.close();
  });
});
