import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createLimitedApp,
  openStream,
  userIdFor,
  waitFor,
  type LimitedApp,
} from '../../../test/support/ratelimit-app.js';

/**
 * Concurrency leases over real sockets: a stream holds a slot while it is open and gives it back
 * on a normal close, on a client disconnect, when the handler fails, and — for a replica that died
 * holding it — when its TTL runs out.
 */
describe('stream concurrency leases', () => {
  let t: LimitedApp;
  let user: Record<string, string>;
  const leaseKey = `rl:chat_stream_concurrency:tenant-s:user:${userIdFor('user-s')}`;
  const held = () => t.ports.leases.count(leaseKey);

  beforeAll(async () => {
    t = await createLimitedApp(
      {
        RATE_LIMIT_CHAT_STREAM_CONCURRENCY: '2',
        RATE_LIMIT_CHAT_STREAM_PER_MINUTE: '1000',
        RATE_LIMIT_LEASE_TTL_MS: '400',
      },
      { listen: true },
    );
    user = await t.as('tenant-s', 'user-s');
  });
  afterAll(() => t.close());

  it('refuses a stream past the limit with 429 rate_limited, Retry-After and both quotas in the headers', async () => {
    const a = await openStream(t.baseUrl!, '/t/stream', user);
    const b = await openStream(t.baseUrl!, '/t/stream', user);
    expect([a.status, b.status]).toEqual([200, 200]);
    expect(a.headers['ratelimit-policy']).toBe('"chat_stream_per_minute";q=1000;w=60, "chat_stream_concurrency";q=2');
    expect(a.headers.ratelimit).toMatch(/^"chat_stream_per_minute";r=999;t=\d+, "chat_stream_concurrency";r=1$/);
    expect(b.headers.ratelimit).toMatch(/"chat_stream_concurrency";r=0$/);
    expect(await held()).toBe(2);

    const refused = await openStream(t.baseUrl!, '/t/stream', user);
    expect(refused.status).toBe(429);
    expect(JSON.parse(refused.body)).toMatchObject({
      code: 'rate_limited',
      details: { quota: 'chat_stream_concurrency' },
    });
    expect(Number(refused.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    expect(refused.headers.ratelimit).toMatch(/"chat_stream_concurrency";r=0$/);

    // Another user of the same tenant has slots of their own.
    const other = await openStream(t.baseUrl!, '/t/stream', await t.as('tenant-s', 'someone-else'));
    expect(other.status).toBe(200);
    other.abort();
    a.abort();
    b.abort();
    await waitFor(async () => (await held()) === 0);
  });

  it('keeps the lease while the stream lives (renewed past its TTL), releases it on client disconnect', async () => {
    const s = await openStream(t.baseUrl!, '/t/stream', user);
    await new Promise((r) => setTimeout(r, 1000)); // 2.5 TTLs: only renewal keeps the lease alive
    expect(await held()).toBe(1);
    s.abort();
    await waitFor(async () => (await held()) === 0);
  });

  it('releases the lease when the server ends the stream normally', async () => {
    const s = await openStream(t.baseUrl!, '/t/stream?close_after_ms=50', user);
    expect(s.status).toBe(200);
    await s.ended;
    await waitFor(async () => (await held()) === 0);
  });

  it('releases the lease when the handler fails before the stream opens', async () => {
    const failed = await openStream(t.baseUrl!, '/t/stream?fail=1', user);
    expect(failed.status).toBe(500);
    await waitFor(async () => (await held()) === 0);
  });

  it('a lease left by a crashed replica expires by itself after its TTL', async () => {
    // What a replica that died mid-stream leaves behind: two leases that nobody renews or releases.
    await t.ports.leases.acquire(leaseKey, 'dead-replica-1', { limit: 2, ttlMs: 400 });
    await t.ports.leases.acquire(leaseKey, 'dead-replica-2', { limit: 2, ttlMs: 400 });
    const refused = await openStream(t.baseUrl!, '/t/stream', user);
    expect(refused.status).toBe(429);
    await waitFor(async () => (await held()) === 0, 3000);
    const s = await openStream(t.baseUrl!, '/t/stream', user);
    expect(s.status).toBe(200);
    s.abort();
    await waitFor(async () => (await held()) === 0);
  });
});

describe('billing stream concurrency key', () => {
  it('is the tenant: different users of one tenant share the slots', async () => {
    const t = await createLimitedApp({ RATE_LIMIT_BILLING_STREAM_CONCURRENCY: '1' });
    try {
      const first = await t.limiter.acquire('billing_stream_concurrency', 'tenant-b');
      expect(first.allowed).toBe(true);
      expect((await t.limiter.acquire('billing_stream_concurrency', 'tenant-b')).allowed).toBe(false);
      expect((await t.limiter.acquire('billing_stream_concurrency', 'tenant-c')).allowed).toBe(true);
      if (first.allowed) await first.lease?.release();
      expect((await t.limiter.acquire('billing_stream_concurrency', 'tenant-b')).allowed).toBe(true);
    } finally {
      await t.close();
    }
  });
});
