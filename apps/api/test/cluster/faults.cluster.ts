import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCluster, type Cluster } from './cluster.js';
import { chatStream, signUpVia, waitUntil, type ClusterUser } from './cluster-client.js';

/**
 * The cluster's own Redis and PostgreSQL go away for 20 s and come back: no process exits, nothing
 * hangs past its bound, /health/ready names what is down, everything recovers without a restart,
 * and no accepted write is lost.
 */
let cluster: Cluster;
let user: ClusterUser;
beforeAll(async () => {
  cluster = await startCluster();
  user = await signUpVia(cluster.proxyUrl);
});
afterAll(async () => cluster?.close());

const OUTAGE_MS = Number(process.env.CLUSTER_OUTAGE_MS ?? 20_000);
/** How long any request may take while a dependency is down (the API's own timeouts are shorter). */
const REQUEST_BOUND_MS = 15_000;

async function readiness(cluster: Cluster) {
  return Promise.all(
    [...cluster.apis, ...cluster.workers].map(async (p) => {
      const res = await fetch(`${p.url}/health/ready`, { signal: AbortSignal.timeout(REQUEST_BOUND_MS) });
      return { status: res.status, body: (await res.json()) as { details?: { checks?: Record<string, string> } } };
    }),
  );
}

/** One chat through the proxy, timed; whatever it answers, it must answer within the bound. */
async function timedChat() {
  const started = Date.now();
  const res = await fetch(`${cluster.proxyUrl}/api/v1/chat`, {
    method: 'POST',
    headers: { ...user.headers, 'content-type': 'application/json' },
    body: JSON.stringify({ message: 'are you there?' }),
    signal: AbortSignal.timeout(REQUEST_BOUND_MS + 5000),
  });
  const body = (await res.json()) as { run_id?: string; code?: string };
  return { status: res.status, ms: Date.now() - started, body };
}

async function storedRows() {
  const { rows } = await cluster.postgres.pool.query(
    `select (select count(*) from chat_runs where status = 'completed')::int as runs,
            (select count(*) from messages)::int as messages`,
  );
  return rows[0] as { runs: number; messages: number };
}

async function expectRecovered(before: { runs: number; messages: number }, acceptedDuring: number) {
  await waitUntil(
    'every process is ready again',
    async () => (await readiness(cluster).catch(() => [])).every((r) => r.status === 200),
    30_000,
  );
  const stream = await chatStream(cluster.proxyPort, user, undefined, 'back again?');
  expect(stream.status).toBe(200);
  expect(stream.events.at(-1)?.event).toBe('run.completed');
  const after = await storedRows();
  // Every run accepted before, during and after the outage is stored with its two messages.
  expect(after.runs).toBe(before.runs + acceptedDuring + 1);
  expect(after.messages).toBe(before.messages + 2 * (acceptedDuring + 1));
  expect(cluster.unexpectedExits()).toEqual([]);
}

describe('dependency outages', () => {
  it('Redis stopped for 20 s: readiness names it, requests answer in bounded time, all recovers', async () => {
    expect((await timedChat()).status).toBe(200);
    const before = await storedRows();
    await cluster.redis.stop();
    const down = Date.now();
    let acceptedDuring = 0;
    try {
      await waitUntil(
        'readiness names Redis on every process',
        async () =>
          (await readiness(cluster)).every((r) => r.status === 503 && r.body.details?.checks?.redis === 'unavailable'),
        10_000,
      );
      const during = await timedChat();
      console.log(`chat with Redis down: ${during.status} in ${during.ms} ms ${JSON.stringify(during.body)}`);
      expect(during.ms).toBeLessThan(REQUEST_BOUND_MS);
      expect([200, 503]).toContain(during.status);
      if (during.status === 200) acceptedDuring = 1;
      await new Promise((r) => setTimeout(r, Math.max(0, OUTAGE_MS - (Date.now() - down))));
      expect(cluster.unexpectedExits()).toEqual([]);
    } finally {
      await cluster.redis.start();
    }
    await expectRecovered(before, acceptedDuring);
  });

  it('PostgreSQL stopped for 20 s: readiness names it, requests answer in bounded time, all recovers', async () => {
    const before = await storedRows();
    cluster.postgres.stop();
    const down = Date.now();
    try {
      await waitUntil(
        'readiness names the database on every process',
        async () =>
          (await readiness(cluster)).every(
            (r) => r.status === 503 && r.body.details?.checks?.database === 'unavailable',
          ),
        10_000,
      );
      const during = await timedChat();
      console.log(`chat with PostgreSQL down: ${during.status} in ${during.ms} ms ${JSON.stringify(during.body)}`);
      expect(during.ms).toBeLessThan(REQUEST_BOUND_MS);
      expect(during.status).toBe(503);
      await new Promise((r) => setTimeout(r, Math.max(0, OUTAGE_MS - (Date.now() - down))));
      expect(cluster.unexpectedExits()).toEqual([]);
    } finally {
      cluster.postgres.start();
    }
    await expectRecovered(before, 0);
  });
});
