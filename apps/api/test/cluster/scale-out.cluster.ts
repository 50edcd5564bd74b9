import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signWebhook } from '../support/fake-stripe.js';
import type { ParsedEvent } from '../support/sse-client.js';
import { startCluster, WEBHOOK_SECRET, type Cluster } from './cluster.js';
import {
  subscribeToStarter,
  subscriptionUpdatedEvent,
  chatStream,
  eventIds,
  followRun,
  LONG_QUESTION,
  openBillingStream,
  replicaStreaming,
  signUpVia,
  waitUntil,
} from './cluster-client.js';

/**
 * Past one process: three API replicas and two workers behind nginx on one PostgreSQL and one Redis.
 * Every request goes through the proxy unless a test must name the replica (then it says why).
 */
let cluster: Cluster;
beforeAll(async () => {
  cluster = await startCluster();
});
afterAll(async () => cluster?.close());

const deltas = (events: ParsedEvent[]) =>
  events
    .filter((e) => e.event === 'message.delta')
    .map((e) => e.data.delta)
    .join('');
const TERMINAL = new Set(['run.completed', 'run.failed']);

describe('the cluster through its proxy', () => {
  it('resumes a stream the client dropped on another replica with exactly the missing events', async () => {
    const user = await signUpVia(cluster.proxyUrl);
    let owner = -1;
    let probing = false;
    const first = await chatStream(cluster.proxyPort, user, (e, all) => {
      if (e.event === 'run.started' && !probing) {
        probing = true;
        void replicaStreaming(cluster).then((i) => {
          owner = i;
        });
      }
      return owner >= 0 && all.length >= 3;
    });
    expect(first.status).toBe(200);
    expect(first.aborted).toBe(true);
    const runId = String(first.headers['x-run-id']);
    const lastSeen = first.events.at(-1)!.id!;

    // Another replica, named because "another" is the point; then the proxy's choice.
    const other = cluster.apis[(owner + 1) % cluster.apis.length];
    const rest = await followRun(other.port, user, runId, lastSeen);
    expect(rest.status).toBe(200);
    expect(eventIds(rest.events)).toEqual(rest.events.map((_, i) => Number(lastSeen) + 1 + i));
    const done = rest.events.at(-1)!;
    expect(done.event).toBe('run.completed');
    expect(rest.events.filter((e) => TERMINAL.has(e.event!))).toHaveLength(1);
    expect(deltas([...first.events, ...rest.events])).toBe(done.data.response);

    const viaProxy = await followRun(cluster.proxyPort, user, runId, lastSeen);
    expect(viaProxy.events).toEqual(rest.events);
  });

  it('refuses a logged-out session on every replica at the next request', async () => {
    const user = await signUpVia(cluster.proxyUrl);
    for (const api of cluster.apis)
      expect((await fetch(`${api.url}/api/v1/auth/me`, { headers: user.headers })).status).toBe(200);
    const logout = await fetch(`${cluster.apis[0].url}/api/v1/auth/logout`, {
      method: 'POST',
      headers: { ...user.headers, 'content-type': 'application/json' },
      body: JSON.stringify({ refresh_token: user.session.refresh_token }),
    });
    expect(logout.status).toBe(204);
    for (const base of [
      ...cluster.apis.slice(1).map((a) => a.url),
      cluster.proxyUrl,
      cluster.proxyUrl,
      cluster.proxyUrl,
    ]) {
      const me = await fetch(`${base}/api/v1/auth/me`, { headers: user.headers });
      expect(me.status, base).toBe(401);
    }
    const refresh = await fetch(`${cluster.proxyUrl}/api/v1/auth/refresh`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ refresh_token: user.session.refresh_token }),
    });
    expect(refresh.status).toBe(401);
  });

  it('applies each Stripe webhook once with two workers and tells billing-stream subscribers on other replicas', async () => {
    const owner = await signUpVia(cluster.proxyUrl);
    const subscriptionId = await subscribeToStarter(cluster, owner);
    const subscription = await (
      await fetch(`${cluster.stripe.url}/v1/subscriptions/${subscriptionId}`, {
        headers: { authorization: 'Bearer sk_test_cluster' },
      })
    ).json();

    // Subscribers on two replicas; the webhooks arrive at the first replica and through the proxy.
    const streams = await Promise.all(cluster.apis.slice(1).map((api) => openBillingStream(api.url, owner.headers)));
    await new Promise((r) => setTimeout(r, 200));
    const ids = Array.from({ length: 8 }, (_, i) => `evt_cluster_${process.pid}_${i}`);
    const deliveries = ids.flatMap((id, i) => {
      const payload = subscriptionUpdatedEvent(id, i, subscription);
      // The same delivery three times (Stripe retries): once to a named replica, twice through the proxy.
      return [cluster.apis[0].url, cluster.proxyUrl, cluster.proxyUrl].map(async (base) => {
        const res = await fetch(`${base}/webhooks/stripe`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'stripe-signature': signWebhook(payload, WEBHOOK_SECRET) },
          body: payload,
        });
        return { id, status: res.status, body: (await res.json()) as { duplicate: boolean } };
      });
    });
    const answers = await Promise.all(deliveries);
    expect(answers.map((a) => a.status)).toEqual(answers.map(() => 202));
    for (const id of ids) expect(answers.filter((a) => a.id === id && !a.body.duplicate)).toHaveLength(1);

    for (const stream of streams) {
      await waitUntil(
        'every webhook reached the subscriber',
        () => ids.every((id) => stream.events().some((e) => e.stripe_event_id === id)),
        20_000,
      );
    }
    await new Promise((r) => setTimeout(r, 1000)); // a second application would show by now
    for (const stream of streams) {
      for (const id of ids) expect(stream.events().filter((e) => e.stripe_event_id === id)).toHaveLength(1);
      await stream.close();
    }
    const stored = await cluster.postgres.pool.query(
      'select stripe_event_id as id, status, attempts from stripe_events where stripe_event_id = any($1) order by 1',
      [ids],
    );
    expect(stored.rows).toEqual([...ids].sort().map((id) => ({ id, status: 'processed', attempts: 1 })));
  });

  it('fails the runs of a SIGKILLed replica with a retryable run_lost for their followers within the bound', async () => {
    const user = await signUpVia(cluster.proxyUrl);
    let owner = -1;
    let probing = false;
    const message = `${LONG_QUESTION} `.repeat(6);
    // The client's stream through the proxy: it breaks when its replica dies.
    const started = chatStream(
      cluster.proxyPort,
      user,
      (e) => {
        if (e.event === 'run.started' && !probing) {
          probing = true;
          void replicaStreaming(cluster).then((i) => {
            owner = i;
          });
        }
        return false;
      },
      message,
    ).catch((err: Error) => ({ error: err }));
    await waitUntil('the replica running the run is known', () => owner >= 0, 10_000);
    const victim = cluster.apis[owner];
    const runId = await runIdOfOpenStream(cluster, user);
    // A follower on a surviving replica, named: it must be one the kill leaves alive.
    const survivor = cluster.apis[(owner + 1) % cluster.apis.length];
    const follower = followRun(survivor.port, user, runId);
    await new Promise((r) => setTimeout(r, 200));

    await cluster.stopProcess(victim, 'SIGKILL');
    const killedAt = Date.now();
    const followed = await follower;
    const elapsed = Date.now() - killedAt;
    const bound = Number(cluster.env.CHAT_RUN_STALE_MS) + Number(cluster.env.CHAT_RUN_REAPER_INTERVAL_MS);
    const end = followed.events.at(-1)!;
    expect(end).toMatchObject({ event: 'run.failed', data: { code: 'run_lost', retryable: true } });
    // The bound from the kill: the heartbeat goes stale, then the next reaper tick (plus the follower's wake-up).
    expect(elapsed).toBeLessThan(bound + 2000);

    // The client reconnects through the proxy with what it saw and gets the same end.
    const client = await started;
    const seen = 'events' in client ? client.events.at(-1)?.id : undefined;
    const resumed = await followRun(cluster.proxyPort, user, runId, seen);
    expect(resumed.events.at(-1)).toEqual(end);
    const row = await cluster.postgres.pool.query('select status, error_code from chat_runs where id = $1', [runId]);
    expect(row.rows[0]).toEqual({ status: 'failed', error_code: 'run_lost' });

    await cluster.startApi(owner);
  });

  // Bound: three restarts, each a process start (over 60 s each on a loaded 2-core machine).
  it('loses no accepted run while every API replica is restarted with SIGTERM under steady chat load', async () => {
    const users = await Promise.all([0, 1, 2, 3].map(() => signUpVia(cluster.proxyUrl)));
    let stop = false;
    const accepted: { runId: string; end?: ParsedEvent; resumes: number }[] = [];
    const refused: string[] = [];
    const client = async (user: (typeof users)[number]) => {
      while (!stop) {
        let res: Awaited<ReturnType<typeof chatStream>>;
        try {
          res = await chatStream(cluster.proxyPort, user, undefined, 'hello there, how are the whales today');
        } catch (err) {
          refused.push(String(err));
          continue;
        }
        if (res.status !== 200) {
          refused.push(`HTTP ${res.status}`);
          continue;
        }
        const run = { runId: String(res.headers['x-run-id']), resumes: 0, end: res.events.at(-1) };
        accepted.push(run);
        // A stream the draining replica ended before the run's end: follow the run elsewhere.
        while (!run.end || !TERMINAL.has(run.end.event!)) {
          if (run.resumes++ > 10) break;
          try {
            const rest = await followRun(cluster.proxyPort, user, run.runId, run.end?.id);
            run.end = rest.events.at(-1) ?? run.end;
          } catch {
            await new Promise((r) => setTimeout(r, 200));
          }
        }
      }
    };
    const load = users.flatMap((u) => [client(u), client(u)]);
    await new Promise((r) => setTimeout(r, 2000));
    const t0 = Date.now();
    const at = () => `${((Date.now() - t0) / 1000).toFixed(1)} s`;
    for (let i = 0; i < cluster.apis.length; i++) {
      expect(await cluster.stopProcess(cluster.apis[i], 'SIGTERM')).toBe(0);
      console.log(`${at()}: api-${i} stopped (${accepted.length} runs accepted so far)`);
      await cluster.startApi(i);
      console.log(`${at()}: api-${i} ready again`);
      await new Promise((r) => setTimeout(r, 1000));
    }
    await new Promise((r) => setTimeout(r, 1000));
    stop = true;
    await Promise.all(load);

    const ends = accepted.map((r) => String(r.end?.data?.code ?? r.end?.event)).sort();
    console.log(
      `rolling restart: ${accepted.length} runs accepted, ${accepted.filter((r) => r.resumes).length} resumed, ${refused.length} refused ${JSON.stringify(refused)}, ends ${JSON.stringify(Object.fromEntries(ends.map((e) => [e, ends.filter((x) => x === e).length])))}`,
    );
    expect(accepted.length).toBeGreaterThan(20);
    expect(accepted.filter((r) => r.end?.event !== 'run.completed')).toEqual([]);
    const stored = await cluster.postgres.pool.query(
      "select count(*)::int as n from chat_runs where id = any($1) and status = 'completed'",
      [accepted.map((r) => r.runId)],
    );
    expect(stored.rows[0].n).toBe(accepted.length);
    // No request is refused: a draining replica refuses new connections (nginx retries those on
    // another) and serves what arrives on its open ones with `Connection: close`; nginx closes idle
    // upstream connections before the replica would (platform/http/graceful-shutdown.ts). Every run
    // of these users is one a client accepted.
    expect(refused).toEqual([]);
    const all = await cluster.postgres.pool.query('select count(*)::int as n from chat_runs where user_id = any($1)', [
      users.map((u) => u.session.user_id),
    ]);
    expect(all.rows[0].n).toBe(accepted.length);
    expect(cluster.unexpectedExits()).toEqual([]);
  }, 600_000);
});

/** The run id of the one chat stream open in the cluster (from the table: the client's headers may not have arrived yet). */
async function runIdOfOpenStream(cluster: Cluster, user: { session: { user_id: string } }): Promise<string> {
  const { rows } = await cluster.postgres.pool.query(
    "select id from chat_runs where user_id = $1 and status = 'running' order by created_at desc limit 1",
    [user.session.user_id],
  );
  return rows[0].id;
}
