/**
 * Soak: SOAK_CONCURRENCY (200) streaming chats at all times for SOAK_MINUTES (10) through nginx
 * in front of the cluster of the cluster test (3 API replicas, 2 workers, private PostgreSQL and
 * Redis; apps/api/test/cluster/cluster.ts), on the offline model. Prints per minute: runs done,
 * errors, p50/p99 first-token latency, RSS and open file descriptors of every process; at the end,
 * whether every accepted run was persisted.
 *
 *   SOAK_MINUTES=10 SOAK_CONCURRENCY=200 node --import tsx bench/soak/run.ts
 */
import fs from 'node:fs';
import os from 'node:os';
import { startCluster } from '../../apps/api/test/cluster/cluster.js';
import { chatStream, signUpVia, type ClusterUser } from '../../apps/api/test/cluster/cluster-client.js';

const minutes = Number(process.env.SOAK_MINUTES ?? 10);
const concurrency = Number(process.env.SOAK_CONCURRENCY ?? 200);
/** Streams per user. */
const PER_USER = 4;

process.once('SIGINT', () => process.exit(130)); // the cluster's processes stop with the runner
// Production's run-liveness settings (the cluster test shortens them to prove the bound quickly; under
// a soak's load a 2 s staleness would reap live runs whose heartbeat waits for a database connection).
const cluster = await startCluster({
  // Five processes start at once: on a host shared with other work that takes longer than the test's 90 s.
  readyTimeoutMs: 600_000,
  env: {
    OFFLINE_MODEL_DELAY_MS: '20',
    // The per-user stream cap is tested in the rate-limit module; here it would only refuse a client
    // that reconnects before its last run released its slot.
    RATE_LIMIT_CHAT_STREAM_CONCURRENCY: '0',
    DATABASE_POOL_MAX: process.env.SOAK_DB_POOL ?? '20',
    CHAT_RUN_HEARTBEAT_MS: '10000',
    CHAT_RUN_STALE_MS: '60000',
    CHAT_RUN_REAPER_INTERVAL_MS: '30000',
  },
});
const users: ClusterUser[] = [];
for (let i = 0; i < Math.ceil(concurrency / PER_USER); i++) users.push(await signUpVia(cluster.proxyUrl));
const processes = [...cluster.apis, ...cluster.workers];

const memory = (pid: number) => {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  return Math.round(Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024);
};
const fds = (pid: number) => fs.readdirSync(`/proc/${pid}/fd`).length;
const pct = (sorted: number[], p: number) =>
  sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] : Number.NaN;

let minute = { firstTokens: [] as number[], done: 0, errors: [] as string[] };
const accepted: string[] = [];
let totalErrors = 0;
const endAt = Date.now() + minutes * 60_000;

async function client(user: ClusterUser, n: number) {
  while (Date.now() < endAt) {
    const started = Date.now();
    let first = 0;
    try {
      const res = await chatStream(
        cluster.proxyPort,
        user,
        (e) => {
          if (!first && e.event === 'message.delta') first = Date.now() - started;
          return false;
        },
        `soak question ${n}: how do the seven blue whales sing across the cold northern sea tonight`,
      );
      if (res.status !== 200)
        throw new Error(`HTTP ${res.status} ${res.events.length ? '' : String(res.headers['content-type'])}`);
      accepted.push(String(res.headers['x-run-id']));
      const end = res.events.at(-1);
      if (end?.event !== 'run.completed') throw new Error(`ended with ${end?.event} ${end?.data?.code ?? ''}`);
      minute.firstTokens.push(first);
      minute.done++;
    } catch (err) {
      minute.errors.push(String(err));
      totalErrors++;
      await new Promise((r) => setTimeout(r, 100)); // no hot loop of refusals
    }
  }
}

console.log(
  `soak: ${concurrency} concurrent streaming chats for ${minutes} min through nginx → ${cluster.apis.length} API, ${cluster.workers.length} worker processes`,
);
console.log(`processes: ${processes.map((p) => `${p.name}=pid ${p.child.pid}`).join(' ')}`);
const header = ['min', 'load1', 'runs', 'errors', 'p50 ms', 'p99 ms', ...processes.map((p) => `${p.name} RSS MB/fds`)];
console.log(header.join('\t'));
const report = (i: number) => {
  const sorted = [...minute.firstTokens].sort((a, b) => a - b);
  const row = [
    String(i),
    // The machine is shared: the 1-minute load average (as `uptime` prints it) beside every row.
    os.loadavg()[0]!.toFixed(2),
    String(minute.done),
    String(minute.errors.length),
    String(pct(sorted, 50)),
    String(pct(sorted, 99)),
    ...processes.map((p) => `${memory(p.child.pid!)}/${fds(p.child.pid!)}`),
  ];
  console.log(row.join('\t'));
  if (minute.errors.length) console.log(`  errors: ${[...new Set(minute.errors)].slice(0, 3).join(' | ')}`);
  minute = { firstTokens: [], done: 0, errors: [] };
};
let tick = 0;
const timer = setInterval(() => report(++tick), 60_000);
await Promise.all(Array.from({ length: concurrency }, (_, i) => client(users[Math.floor(i / PER_USER)], i)));
clearInterval(timer);
if (minute.done || minute.errors.length) report(++tick);

const { rows } = await cluster.postgres.pool.query(
  "select count(*)::int as n from chat_runs where id = any($1) and status = 'completed'",
  [accepted],
);
console.log(
  `accepted ${accepted.length} runs, ${rows[0].n} persisted as completed, ${totalErrors} errors, unexpected exits: ${cluster.unexpectedExits().length}`,
);
await cluster.close();
process.exit(totalErrors === 0 && rows[0].n === accepted.length ? 0 : 1);
