import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FakeOpenAI, type FakeReply, startFakeOpenAI, wordsScript } from '../support/fake-openai.js';
import { signWebhook } from '../support/fake-stripe.js';
import { startCluster, WEBHOOK_SECRET, type Cluster } from './cluster.js';
import {
  chatStream,
  signUpVia,
  subscribeToStarter,
  subscriptionUpdatedEvent,
  waitUntil,
  type ClusterUser,
} from './cluster-client.js';

/**
 * The cluster's upstreams fail: the model server answers 500s, breaks off mid-answer, then hangs;
 * Stripe answers 500s.
 * No process exits, every request ends within its documented bound with a clear problem or
 * `run.failed`, everything recovers without a restart when the upstream answers again, and no
 * accepted run or stored webhook is lost (rows counted before and after).
 *
 * The model server is the fake OpenAI-compatible server, in this test's process (another process
 * than the API replicas, behind a real socket), switched by `modelMode`.
 */
let cluster: Cluster;
let model: FakeOpenAI;
let modelMode: 'ok' | 'error' | 'hang' | 'break' = 'ok';
/** CHAT_RUN_TIMEOUT_MS: the documented bound of a run whose model does not answer (120 s by default). */
const RUN_TIMEOUT_MS = 5000;
/** What a failing run may take past its bound (the run's own teardown, the proxy, the client). */
const SLACK_MS = 3000;

beforeAll(async () => {
  const words = wordsScript(12);
  model = await startFakeOpenAI({
    script: (request): FakeReply =>
      modelMode === 'error'
        ? { error: { status: 500, message: 'The server had an error while processing your request.' } }
        : modelMode === 'hang'
          ? { hang: true }
          : modelMode === 'break'
            ? // Some deltas, then the connection is cut (alternately: a chunk that is not JSON).
              { text: 'one two three four five six', breakAfter: 3, failure: request.index % 2 ? 'close' : 'garbage' }
            : words(request),
  });
  cluster = await startCluster({
    env: {
      MODEL_PROVIDER: 'openai',
      OPENAI_BASE_URL: model.baseURL,
      OPENAI_API_KEY: 'sk-cluster-fake',
      CHAT_RUN_TIMEOUT_MS: String(RUN_TIMEOUT_MS),
      CHAT_TITLE_TIMEOUT_MS: '1000',
    },
  });
});
afterAll(async () => {
  await cluster?.close();
  await model?.close();
});

async function runRows() {
  const { rows } = await cluster.postgres.pool.query(
    `select count(*) filter (where status = 'completed')::int as completed,
            count(*) filter (where status = 'failed')::int as failed,
            count(*) filter (where status not in ('completed', 'failed'))::int as unfinished,
            (select count(*) from messages)::int as messages
       from chat_runs`,
  );
  return rows[0] as { completed: number; failed: number; unfinished: number; messages: number };
}

/** One streamed chat through the proxy, timed, with its terminal event. */
async function timedStream(user: ClusterUser) {
  const started = Date.now();
  const stream = await chatStream(cluster.proxyPort, user, undefined, 'are you there?');
  return { status: stream.status, ms: Date.now() - started, last: stream.events.at(-1), events: stream.events };
}

async function everyProcessReady() {
  const answers = await Promise.all(
    [...cluster.apis, ...cluster.workers].map((p) =>
      fetch(`${p.url}/health/ready`, { signal: AbortSignal.timeout(5000) }).then((r) => r.status),
    ),
  );
  return answers.every((s) => s === 200);
}

const billingPost = (user: ClusterUser, what: 'checkout-session' | 'portal-session', body: object) =>
  fetch(`${cluster.proxyUrl}/api/v1/billing/tenants/${user.session.tenant_id}/${what}`, {
    method: 'POST',
    headers: { ...user.headers, 'content-type': 'application/json' },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(30_000),
  });

const stripeControl = async (what: 'fail' | 'heal', body: object = {}) => {
  const res = await fetch(`${cluster.stripe.url}/__e2e/${what}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  expect(res.status).toBe(200);
};

describe('upstream faults', () => {
  it('the model answering 500s, then hanging: each run fails clearly within its bound, then all recovers', async () => {
    const user = await signUpVia(cluster.proxyUrl);
    expect((await timedStream(user)).last?.event).toBe('run.completed');
    const before = await runRows();
    // Three at once, so the proxy spreads them over the replicas.
    const three = () => Promise.all([0, 1, 2].map(() => timedStream(user)));
    let accepted = 0;
    try {
      modelMode = 'error';
      for (const run of await three()) {
        expect(run.status).toBe(200);
        accepted++;
        expect(run.last?.event).toBe('run.failed');
        expect(run.last?.data).toMatchObject({ code: 'model_error', retryable: true });
        expect(run.ms).toBeLessThan(RUN_TIMEOUT_MS + SLACK_MS);
      }
      // `POST /chat` waits for the end: a model failing is the upstream's, a 502 problem (not a 500).
      const waited = await fetch(`${cluster.proxyUrl}/api/v1/chat`, {
        method: 'POST',
        headers: { ...user.headers, 'content-type': 'application/json' },
        body: JSON.stringify({ message: 'and now?' }),
        signal: AbortSignal.timeout(RUN_TIMEOUT_MS + SLACK_MS),
      });
      expect(waited.status).toBe(502);
      expect(((await waited.json()) as { code: string }).code).toBe('bad_gateway');
      accepted++;

      // The model fails mid-answer: the deltas sent stay in the stream, the run ends with run.failed.
      modelMode = 'break';
      for (const run of await three()) {
        expect(run.status).toBe(200);
        accepted++;
        expect(run.last?.event).toBe('run.failed');
        expect(run.last?.data).toMatchObject({ code: 'model_error', retryable: true });
        const partial = run.events
          .filter((e) => e.event === 'message.delta')
          .map((e) => String(e.data.delta))
          .join('');
        expect('one two three four five six'.startsWith(partial)).toBe(true);
        expect(run.ms).toBeLessThan(RUN_TIMEOUT_MS + SLACK_MS);
      }

      modelMode = 'hang';
      const asked = model.requests.length;
      for (const run of await three()) {
        expect(run.status).toBe(200);
        accepted++;
        expect(run.last?.event).toBe('run.failed');
        expect(run.last?.data).toMatchObject({ code: 'run_timeout', retryable: true });
        expect(run.ms).toBeGreaterThanOrEqual(RUN_TIMEOUT_MS - 100);
        expect(run.ms).toBeLessThan(RUN_TIMEOUT_MS + SLACK_MS);
      }
      expect(model.requests.length).toBeGreaterThanOrEqual(asked + 3); // the model was asked, and held them
      expect(cluster.unexpectedExits()).toEqual([]);
      expect(await everyProcessReady()).toBe(true);
    } finally {
      modelMode = 'ok';
    }

    // The model answers again: the same processes serve the next chat.
    const back = await timedStream(user);
    expect(back.last?.event).toBe('run.completed');
    const after = await runRows();
    // Every accepted run is stored and ended: the failed ones with their user message, the last with both.
    expect(after).toEqual({
      completed: before.completed + 1,
      failed: before.failed + accepted,
      unfinished: 0,
      messages: before.messages + accepted + 2,
    });
    expect(cluster.unexpectedExits()).toEqual([]);
  });

  it('Stripe answering 500s: billing answers 503 unavailable, stored webhooks are applied once it is back', async () => {
    const owner = await signUpVia(cluster.proxyUrl);
    const subscriptionId = await subscribeToStarter(cluster, owner);
    const subscription = await (
      await fetch(`${cluster.stripe.url}/v1/subscriptions/${subscriptionId}`, {
        headers: { authorization: 'Bearer sk_test_cluster' },
      })
    ).json();
    const ids = [0, 1, 2].map((i) => `evt_outage_${process.pid}_${i}`);
    // Checkout for a tenant without a subscription (one with a subscription is refused, 409), the portal for the other.
    const buyer = await signUpVia(cluster.proxyUrl);
    const calls = [
      [buyer, 'checkout-session', { plan_code: 'pro' }],
      [owner, 'portal-session', {}],
    ] as const;

    await stripeControl('fail', { status: 500 });
    try {
      for (const [who, what, body] of calls) {
        const started = Date.now();
        const res = await billingPost(who, what, body);
        const problem = (await res.json()) as { code: string; detail: string };
        console.log(`${what} with Stripe failing: ${res.status} in ${Date.now() - started} ms ${problem.code}`);
        expect(res.status, what).toBe(503);
        expect(problem.code).toBe('unavailable');
        expect(res.headers.get('retry-after')).toBeTruthy();
        expect(Date.now() - started).toBeLessThan(15_000);
      }
      // Webhooks keep arriving (Stripe's own delivery is not its API): each is stored and acknowledged.
      for (const [i, id] of ids.entries()) {
        const payload = subscriptionUpdatedEvent(id, i, subscription);
        const res = await fetch(`${cluster.proxyUrl}/webhooks/stripe`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'stripe-signature': signWebhook(payload, WEBHOOK_SECRET) },
          body: payload,
        });
        expect(res.status).toBe(202);
      }
      await new Promise((r) => setTimeout(r, 2000)); // the workers meet the outage with them
      // Stored, attempted, and waiting for another attempt (applying one asks Stripe for the subscription).
      const during = await cluster.postgres.pool.query(
        'select status, attempts from stripe_events where stripe_event_id = any($1)',
        [ids],
      );
      expect(during.rows).toHaveLength(ids.length);
      for (const row of during.rows) {
        expect(['processing', 'retrying']).toContain(row.status);
        expect(row.attempts).toBeGreaterThanOrEqual(1);
      }
      expect(cluster.unexpectedExits()).toEqual([]);
    } finally {
      await stripeControl('heal');
    }

    for (const [who, what, body] of calls) {
      const res = await billingPost(who, what, body);
      expect(res.status, what).toBe(200);
      expect(((await res.json()) as { url: string }).url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/(checkout|portal)\//);
    }
    await waitUntil(
      'every webhook stored during the outage is processed',
      async () => {
        const stored = await cluster.postgres.pool.query(
          `select count(*)::int as n from stripe_events where stripe_event_id = any($1) and status = 'processed'`,
          [ids],
        );
        return stored.rows[0].n === ids.length;
      },
      20_000,
    );
    expect(cluster.unexpectedExits()).toEqual([]);
  });
});
