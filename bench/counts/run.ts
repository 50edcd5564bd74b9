/**
 * Benchmark: round trips per chat run, from counted calls. The whole app runs in this process on
 * real PostgreSQL + Redis (a fresh database and key prefix); every `pg` query and every ioredis
 * command is counted while one streamed run of a 20-word answer (the fake OpenAI server) goes
 * through `POST /api/v1/chat/stream`, and the same for `POST /api/v1/chat`. Prints statements
 * (BEGIN/COMMIT/ROLLBACK apart), transactions and Redis commands per run, with their breakdown.
 *
 *   DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres REDIS_URL=redis://127.0.0.1:6379 npx tsx bench/counts/run.ts
 *
 * Redis commands of other connections (BullMQ's workers polling) are left out: only commands that
 * name a key or channel of this app's prefix, outside BullMQ's, count. BENCH_COUNT_RUNS (10);
 * BENCH_COUNT_SQL=1 prints every statement whole, with how often a run sends it.
 */
import pg from 'pg';
import { Redis } from 'ioredis';
import { atMost, loadAvg, writeResult, type Ratio } from '../results.js';

const RUNS = Number(process.env.BENCH_COUNT_RUNS ?? 10);
const WORDS = 20;
const databaseUrl = process.env.DATABASE_URL || process.env.TEST_DATABASE_URL;
const redisUrl = process.env.REDIS_URL || process.env.TEST_REDIS_URL;
if (!databaseUrl || !redisUrl) {
  console.log('counts: skipped (needs DATABASE_URL and REDIS_URL, or TEST_DATABASE_URL and TEST_REDIS_URL)');
  process.exit(0);
}
process.env.TEST_DATABASE_URL = databaseUrl;
process.env.TEST_REDIS_URL = redisUrl;

const counted = {
  on: false,
  statements: new Map<string, number>(),
  /** Whole statements, with BENCH_COUNT_SQL=1 (printed after the breakdown). */
  sql: new Map<string, number>(),
  tx: 0,
  redis: new Map<string, number>(),
};
let prefix = '';
const bump = (m: Map<string, number>, k: string) => m.set(k, (m.get(k) ?? 0) + 1);

const query = pg.Client.prototype.query as (...a: unknown[]) => unknown;
pg.Client.prototype.query = function (this: pg.Client, ...args: unknown[]) {
  if (counted.on) {
    const first = args[0] as string | { text?: string; name?: string };
    const text = (typeof first === 'string' ? first : (first?.text ?? first?.name ?? '')).trim().toLowerCase();
    if (text === 'begin' || text.startsWith('begin ')) counted.tx++;
    else if (text !== 'commit' && text !== 'rollback') {
      bump(counted.statements, text.split(/\s+/).slice(0, 3).join(' '));
      if (process.env.BENCH_COUNT_SQL) bump(counted.sql, text);
    }
  }
  return query.apply(this, args);
} as typeof pg.Client.prototype.query;

const send = Redis.prototype.sendCommand;
Redis.prototype.sendCommand = function (this: Redis, command, ...rest) {
  if (counted.on && prefix) {
    const args = (command as unknown as { args: unknown[] }).args ?? [];
    const ours = args.some((a) => {
      const s = typeof a === 'string' ? a : Buffer.isBuffer(a) ? a.toString() : '';
      return s.startsWith(prefix) && !s.startsWith(`${prefix}bull`);
    });
    if (ours) bump(counted.redis, (command as unknown as { name: string }).name.toUpperCase());
  }
  return send.call(this, command, ...rest);
} as typeof send;

const sum = (m: Map<string, number>) => [...m.values()].reduce((a, b) => a + b, 0);
const breakdown = (m: Map<string, number>) =>
  [...m.entries()]
    .sort((a, b) => b[1] - a[1])
    .map(([k, v]) => `${(v / RUNS).toFixed(1)} × ${k}`)
    .join(', ');

async function main() {
  const { createTestApp, listenOnFreePort } = await import('../../apps/api/test/harness.js');
  const { signUp } = await import('../../apps/api/test/factories.js');
  const { startFakeOpenAI, wordsScript } = await import('../../apps/api/test/support/fake-openai.js');
  const fake = await startFakeOpenAI({ script: wordsScript(WORDS) });
  const t = await createTestApp({
    MODEL_PROVIDER: 'openai',
    OPENAI_BASE_URL: fake.baseURL,
    OPENAI_API: 'responses',
    OPENAI_MODEL: 'fake-bench',
    RATE_LIMIT_CHAT_PER_MINUTE: '0',
    RATE_LIMIT_CHAT_STREAM_PER_MINUTE: '0',
  });
  prefix = (t.ports as unknown as { prefix: string }).prefix;
  const results: Record<string, { statements: number; transactions: number; redis: number }> = {};
  const ratios: Ratio[] = [];
  try {
    const base = await listenOnFreePort(t.app);
    const user = await signUp(t.app);
    const headers = { ...user.headers, 'content-type': 'application/json' };
    const paths = { stream: '/api/v1/chat/stream', 'non-streaming': '/api/v1/chat' };
    console.log(
      `counts per ${WORDS}-word run (${RUNS} runs each, real PostgreSQL + Redis, load avg ${loadAvg().join(' ')})`,
    );
    for (const [name, path] of Object.entries(paths)) {
      // One warm-up run: first-use lookups (plan, entitlements) are cached as in production.
      await (
        await fetch(base + path, { method: 'POST', headers, body: JSON.stringify({ message: 'warm up' }) })
      ).text();
      await new Promise((r) => setTimeout(r, 200));
      counted.statements.clear();
      counted.redis.clear();
      counted.tx = 0;
      counted.on = true;
      for (let i = 0; i < RUNS; i++) {
        const res = await fetch(base + path, {
          method: 'POST',
          headers,
          body: JSON.stringify({ message: `run ${i}` }),
        });
        const body = await res.text();
        if (res.status !== 200) throw new Error(`${path}: ${res.status} ${body}`);
        // What the run does after its last event (the log's retention) belongs to it too.
        await new Promise((r) => setTimeout(r, 100));
      }
      counted.on = false;
      const r = {
        statements: sum(counted.statements) / RUNS,
        transactions: counted.tx / RUNS,
        redis: sum(counted.redis) / RUNS,
      };
      results[name] = r;
      console.log(
        `${name.padEnd(14)} PostgreSQL ${r.statements.toFixed(1)} statements in ${r.transactions.toFixed(1)} transactions | Redis ${r.redis.toFixed(1)} commands`,
      );
      console.log(`  statements: ${breakdown(counted.statements)}`);
      console.log(`  redis: ${breakdown(counted.redis)}`);
      for (const [text, n] of counted.sql) console.log(`  ${(n / RUNS).toFixed(1)} × ${text}`);
      counted.sql.clear();
      ratios.push(atMost(`PG statements per run (${name})`, 'count', r.statements, 6));
      ratios.push(atMost(`Redis commands per 20-word run (${name})`, 'count', r.redis, 8));
    }
    writeResult('counts', { label: 'database=postgresql, ports=redis (in-process app)', ratios, figures: results });
  } finally {
    await t.close();
    await fake.close();
  }
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
