/**
 * Benchmark: what the embedded database (PGlite, on the API's thread) costs per `POST /api/v1/chat`,
 * with statements run as cached named prepared statements (platform/db/pglite-statements.ts)
 * against PGlite's own `query` (the unnamed statement: Parse, Describe, Bind, Describe, Execute,
 * Sync, one protocol call each), in one process, one run. Two apps on two in-memory PGlites, the
 * same migrations and offline model; requests alternate between them in rounds (the order turning)
 * so both share the host's load. Per request: process CPU (user + system), time inside PGlite's
 * wasm backend (`execProtocolRawSync`), protocol calls and drizzle statements.
 *
 *   npx tsx bench/pglite-statements/run.ts
 *
 * Knobs: BENCH_PGLITE_REQUESTS (200 per side per round), BENCH_PGLITE_ROUNDS (4),
 * BENCH_PGLITE_WARMUP (100 per side).
 */
import { loadAvg, writeResult } from '../results.js';

const REQUESTS = Number(process.env.BENCH_PGLITE_REQUESTS ?? 200);
const ROUNDS = Number(process.env.BENCH_PGLITE_ROUNDS ?? 4);
const WARMUP = Number(process.env.BENCH_PGLITE_WARMUP ?? 100);
delete process.env.TEST_DATABASE_URL; // embedded only
delete process.env.TEST_REDIS_URL;

interface Side {
  name: string;
  inject: () => Promise<void>;
  planMemory: () => Promise<{ n: number; kb: number; wasmHeapMb: number } | undefined>;
  counters: { wasmNs: bigint; calls: number; statements: number };
  cpuUs: number;
  requests: number;
}

async function main() {
  const { createTestApp } = await import('../../apps/api/test/harness.js');
  const { signUp } = await import('../../apps/api/test/factories.js');
  const { createDatabase } = await import('../../apps/api/src/platform/db/client.js');
  const { drizzle } = await import('drizzle-orm/pglite');
  type Pglite = import('@electric-sql/pglite').PGlite;

  async function side(name: string, prepared: boolean): Promise<Side & { close(): Promise<void> }> {
    const database = await createDatabase({ poolMax: 1, dataDir: null });
    const client = (database.db as unknown as { $client: { pglite: Pglite } }).$client;
    const pglite = client.pglite;
    if (!prepared) {
      const db = drizzle(pglite) as unknown as typeof database.db;
      database.db = db;
      database.liveness = db;
    }
    await database.migrate();
    if (process.env.BENCH_PGLITE_PLAN_MODE)
      await pglite.exec(`set plan_cache_mode = ${process.env.BENCH_PGLITE_PLAN_MODE}`);
    const counters = { wasmNs: 0n, calls: 0, statements: 0 };
    const raw = pglite.execProtocolRawSync.bind(pglite);
    pglite.execProtocolRawSync = (message: Uint8Array) => {
      const t = process.hrtime.bigint();
      try {
        return raw(message);
      } finally {
        counters.wasmNs += process.hrtime.bigint() - t;
        counters.calls++;
      }
    };
    const seen = database.db as unknown as { $client: { query: (...a: unknown[]) => unknown } };
    const query = seen.$client.query.bind(seen.$client);
    seen.$client.query = (...a: unknown[]) => {
      counters.statements++;
      return query(...a);
    };
    const t = await createTestApp(
      {
        RATE_LIMIT_CHAT_PER_MINUTE: '0',
        RATE_LIMIT_CHAT_STREAM_PER_MINUTE: '0',
        RATE_LIMIT_CHAT_STREAM_CONCURRENCY: '0',
      },
      { database },
    );
    const user = await signUp(t.app);
    const inject = async () => {
      const res = await t.app.inject({
        method: 'POST',
        url: '/api/v1/chat',
        headers: user.headers,
        payload: { message: 'What does a run cost?' },
      });
      if (res.statusCode !== 200) throw new Error(`${name}: ${res.statusCode} ${res.body}`);
    };
    const planMemory = async () => {
      const r = await pglite.query<{ n: number; kb: number }>(
        `select count(*)::int as n, (coalesce(sum(total_bytes), 0) / 1024)::int as kb from pg_backend_memory_contexts
         where name in ('CachedPlanSource', 'CachedPlanQuery', 'CachedPlan')`,
      );
      if (process.env.BENCH_PGLITE_PLANS) {
        const plans = await pglite.query(
          'select name, generic_plans, custom_plans, left(statement, 60) as statement from pg_prepared_statements order by generic_plans + custom_plans desc limit 12',
        );
        console.table(plans.rows);
      }
      return {
        ...r.rows[0],
        wasmHeapMb: Math.round((pglite as unknown as { mod: { HEAPU8: Uint8Array } }).mod.HEAPU8.length / 2 ** 20),
      };
    };
    return {
      name,
      inject,
      planMemory,
      counters,
      cpuUs: 0,
      requests: 0,
      close: async () => {
        await t.close();
        await database.close();
      },
    };
  }

  const sides = [await side('unnamed (PGlite query)', false), await side('prepared (cached named)', true)];
  const load = [loadAvg()];
  for (const s of sides) for (let i = 0; i < WARMUP; i++) await s.inject();
  for (const s of sides) s.counters.wasmNs = 0n;
  for (const s of sides) Object.assign(s.counters, { calls: 0, statements: 0 });
  for (let round = 0; round < ROUNDS; round++) {
    const order = round % 2 ? [...sides].reverse() : sides;
    for (const s of order) {
      if (process.env.BENCH_PGLITE_PROFILE_ONLY && !s.name.startsWith(process.env.BENCH_PGLITE_PROFILE_ONLY)) continue;
      const before = process.cpuUsage();
      for (let i = 0; i < REQUESTS; i++) await s.inject();
      const used = process.cpuUsage(before);
      s.cpuUs += used.user + used.system;
      s.requests += REQUESTS;
    }
  }
  load.push(loadAvg());
  const memory = await Promise.all(sides.map((s) => s.planMemory()));
  const figures = sides.map((s, i) => ({
    side: s.name,
    requests: s.requests,
    cpuMsPerRequest: Number((s.cpuUs / 1000 / s.requests).toFixed(2)),
    wasmMsPerRequest: Number((Number(s.counters.wasmNs) / 1e6 / s.requests).toFixed(2)),
    protocolCallsPerRequest: Number((s.counters.calls / s.requests).toFixed(1)),
    statementsPerRequest: Number((s.counters.statements / s.requests).toFixed(1)),
    cachedPlans: memory[i]?.n,
    cachedPlanKb: memory[i]?.kb,
    wasmHeapMb: memory[i]?.wasmHeapMb,
  }));
  console.table(figures);
  const [base, next] = figures as [(typeof figures)[0], (typeof figures)[0]];
  const cpu = next.cpuMsPerRequest / base.cpuMsPerRequest;
  const wasm = next.wasmMsPerRequest / base.wasmMsPerRequest;
  console.log(
    `POST /chat CPU per request, prepared / unnamed: ${cpu.toFixed(2)}; wasm time: ${wasm.toFixed(2)}; load ${JSON.stringify(load)}`,
  );
  writeResult('pglite-statements', {
    label: 'POST /chat on embedded PGlite, in-process: cached named statements vs PGlite query',
    ratios: [
      { metric: 'POST /chat CPU per request', compared: 'prepared / unnamed', value: Number(cpu.toFixed(3)) },
      { metric: 'PGlite wasm time per request', compared: 'prepared / unnamed', value: Number(wasm.toFixed(3)) },
    ],
    figures: { load, rounds: ROUNDS, sides: figures },
  });
  for (const s of sides) await s.close();
}

await main();
