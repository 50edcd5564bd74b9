/**
 * Benchmark: requests per second, Agentry against its floor, in one run with the same client:
 * - `POST /api/v1/chat` (offline model, no delay) against the floor's `POST /chat` (the same SDK run
 *   on a bare Fastify route, bench/floor/server.ts);
 * - `GET /api/v1/conversations` (authenticated) against a bare Fastify + `pg` route running the
 *   same SQL (only on PostgreSQL: the bare route needs a database it can share).
 *
 *   npx tsx bench/throughput/run.ts
 *   DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres REDIS_URL=redis://127.0.0.1:6379 npx tsx bench/throughput/run.ts
 *
 * - `GET /api/v1/conversations/{id}` (a conversation with its messages): req/s only, no floor.
 *
 * Knobs: BENCH_THROUGHPUT_SECONDS (5 per path), BENCH_THROUGHPUT_CONCURRENCY (16), BENCH_CPU_PROF_DIR
 * (runs the API with `--cpu-prof`, profile written there at exit; see bench/cpu-profile),
 * BENCH_THROUGHPUT_PATHS (`chat,list,detail`; without `chat` a few chats seed the conversations),
 * BENCH_THROUGHPUT_BASELINE (PostgreSQL only: the `apps/api` directory of another checkout, built,
 * or several, comma-separated; each API runs beside this one on the same database and the list and
 * detail are measured on all, side by side, so a before/after shares one run's load; each API,
 * this one too, serves the same seeding chats, so none of them carries work the others did not), BENCH_THROUGHPUT_ROUNDS (3: the reads'
 * sides are measured back to back this many times, the order turning; each ratio is the median of
 * the rounds' ratios), BENCH_THROUGHPUT_WARMUP_SECONDS (3: load on each side of a read before its
 * rounds, unmeasured, so both are JIT-compiled). Closed loop: each client sends its next request when the previous one ends.
 */
import http from 'node:http';
import pg from 'pg';
import { type Child, prepareBacking, startApi, startFloor } from '../chat-stream/processes.js';
import { atLeast, loadAvg, writeResult, type Ratio } from '../results.js';

const SECONDS = Number(process.env.BENCH_THROUGHPUT_SECONDS ?? 5);
const CONCURRENCY = Number(process.env.BENCH_THROUGHPUT_CONCURRENCY ?? 16);
const PATHS = new Set((process.env.BENCH_THROUGHPUT_PATHS ?? 'chat,list,detail').split(',').filter(Boolean));
const BASELINES = (process.env.BENCH_THROUGHPUT_BASELINE ?? '').split(',').filter(Boolean);
/** The sides' names of the baselines: `baseline`, `baseline2`, … */
const baselineName = (i: number) => (i === 0 ? 'baseline' : `baseline${i + 1}`);
const ROUNDS = Math.max(1, Number(process.env.BENCH_THROUGHPUT_ROUNDS ?? 3));
const WARMUP_SECONDS = Number(process.env.BENCH_THROUGHPUT_WARMUP_SECONDS ?? 3);
const agent = new http.Agent({ keepAlive: true, maxSockets: 1024 });

function request(url: string, method: string, headers: Record<string, string>, body?: unknown): Promise<number> {
  return new Promise((resolve, reject) => {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const u = new URL(url);
    const req = http.request(
      {
        agent,
        host: u.hostname,
        port: u.port,
        path: u.pathname + u.search,
        method,
        headers: payload
          ? { ...headers, 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) }
          : headers,
      },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}

/**
 * Requests per second of `once` over SECONDS with CONCURRENCY closed-loop clients; fails on a
 * non-2xx. With `server`, also the CPU time that process used per request over the same window.
 */
async function measure(
  once: () => Promise<number>,
  server?: Child,
  seconds = SECONDS,
): Promise<{ perSecond: number; cpuMsPerRequest?: number }> {
  for (let i = 0; i < 20; i++) await once(); // warm-up
  const end = Date.now() + seconds * 1000;
  let done = 0;
  const cpuBefore = server?.cpuMs();
  const started = process.hrtime.bigint();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (Date.now() < end) {
        const status = await once();
        if (status < 200 || status >= 300) throw new Error(`status ${status}`);
        done++;
      }
    }),
  );
  const perSecond = done / (Number(process.hrtime.bigint() - started) / 1e9);
  const cpuAfter = server?.cpuMs();
  return {
    perSecond,
    cpuMsPerRequest: cpuBefore !== undefined && cpuAfter !== undefined ? (cpuAfter - cpuBefore) / done : undefined,
  };
}

/** A side of a comparison: its name, one request, and the process that serves it. */
type Side = [string, () => Promise<number>, Child];

const rate = async (once: () => Promise<number>) => (await measure(once)).perSecond;

async function main() {
  const databaseUrl = process.env.DATABASE_URL || process.env.TEST_DATABASE_URL || undefined;
  const redisUrl = process.env.REDIS_URL || process.env.TEST_REDIS_URL || undefined;
  const backing = await prepareBacking(databaseUrl, redisUrl);
  const floor = await startFloor({
    FLOOR_MODEL: 'offline',
    ...(backing.env.DATABASE_URL ? { DATABASE_URL: backing.env.DATABASE_URL } : {}),
  });
  let api: Awaited<ReturnType<typeof startApi>> | undefined;
  let setup: Awaited<ReturnType<typeof startApi>> | undefined;
  const baselines: Awaited<ReturnType<typeof startApi>>[] = [];
  try {
    const apiEnv = {
      ...backing.env,
      NODE_ENV: 'test',
      LOG_LEVEL: 'warn',
      AUTH_BCRYPT_COST: '4',
      MODEL_PROVIDER: 'offline',
      OFFLINE_MODEL_DELAY_MS: '0',
      RATE_LIMIT_CHAT_PER_MINUTE: '0',
      RATE_LIMIT_CHAT_STREAM_PER_MINUTE: '0',
      RATE_LIMIT_CHAT_STREAM_CONCURRENCY: '0',
    };
    // A first API, never measured, migrates the fresh database, serves the sign-up and keeps
    // running to the end, so no measured side did either. (The measured API spawned first still
    // costs ~10 % more CPU per list request than an identical one: docs/performance.md.)
    setup = await startApi(apiEnv);
    const res = await fetch(`${setup.url}/api/v1/auth/register`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        email: `throughput-${process.pid}@example.test`,
        password: `Bench-${process.pid}-pass!x`,
      }),
    });
    if (res.status !== 201) throw new Error(`register: ${res.status} ${await res.text()}`);
    const token = ((await res.json()) as { access_token: string }).access_token;
    if (BASELINES.length > 0 && !backing.env.DATABASE_URL)
      throw new Error('BENCH_THROUGHPUT_BASELINE needs PostgreSQL (DATABASE_URL)');
    // All measured APIs start together (a replica of another checkout on the same database: the
    // token is valid on all), so none is systematically the first up, the oldest, or the one
    // that starts on an idle host.
    const starting = await Promise.allSettled([
      startApi(apiEnv, process.env.BENCH_CPU_PROF_DIR),
      ...BASELINES.map((dir) => startApi(apiEnv, undefined, 'compiled', dir)),
    ]);
    const started = starting.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
    const failed = starting.find((s) => s.status === 'rejected');
    if (failed) {
      for (const x of started) await x.stop();
      throw failed.reason;
    }
    api = started[0];
    baselines.push(...started.slice(1));
    for (const [i, dir] of BASELINES.entries()) console.log(`${baselineName(i)}: ${dir}`);
    if (process.env.BENCH_CPU_PROF_DIR)
      console.log('BENCH_CPU_PROF_DIR: the Agentry side runs with --cpu-prof, so its CPU figures are inflated');
    const auth = { authorization: `Bearer ${token}` };
    const body = { message: 'hello benchmark' };

    const ratios: Ratio[] = [];
    const figures: Record<string, number> = {};
    console.log(
      `throughput benchmark: ${backing.label}, concurrency ${CONCURRENCY}, ${SECONDS} s per path, load avg ${loadAvg().join(' ')}`,
    );
    // The reads below need conversations (a page's worth and one more); every API serves the same
    // 25 chats, and the chat rate is measured after the reads, so no side has served more before them.
    for (const x of [api, ...baselines])
      for (let i = 0; i < 25; i++) await request(`${x.url}/api/v1/chat`, 'POST', auth, body);
    const median = (xs: number[]) => {
      const sorted = [...xs].sort((a, b) => a - b);
      const mid = Math.floor(sorted.length / 2);
      return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
    };
    /**
     * ROUNDS rounds of the same read on each side, the sides back to back within a round (their
     * order turning each round): on a shared host the load moves within seconds, so a ratio is
     * taken within a round and the rounds' median is reported.
     */
    const compare = async (what: string, sides: Side[]) => {
      const perSide = new Map<string, number[]>(sides.map(([name]) => [name, []]));
      const cpuPerSide = new Map<string, number[]>(sides.map(([name]) => [name, []]));
      // JIT warm-up: the API runs far more code per request than the bare route, and 20 requests
      // leave it half-compiled (the first round's CPU per request was 2–3× the third's).
      for (const [, once] of sides) await measure(once, undefined, WARMUP_SECONDS);
      for (let round = 0; round < ROUNDS; round++) {
        const order = sides.map((_, i) => sides[(i + round) % sides.length]!);
        const got: Record<string, { perSecond: number; cpuMsPerRequest?: number }> = {};
        for (const [name, once, server] of order) got[name] = await measure(once, server);
        for (const [name] of sides) {
          perSide.get(name)!.push(got[name]!.perSecond);
          const cpu = got[name]!.cpuMsPerRequest;
          if (cpu !== undefined) cpuPerSide.get(name)!.push(cpu);
        }
        const show = ([name]: Side) => {
          const { perSecond, cpuMsPerRequest: cpu } = got[name]!;
          return `${name} ${perSecond.toFixed(1)} req/s${cpu === undefined ? '' : ` ${cpu.toFixed(3)} ms CPU/req`}`;
        };
        console.log(`${what} round ${round + 1}: ${sides.map(show).join(' | ')} (load ${loadAvg()[0]})`);
      }
      return { perSide, cpuPerSide };
    };
    const ratioOf = (sides: Map<string, number[]>, a: string, b: string) =>
      median(sides.get(a)!.map((x, i) => x / sides.get(b)![i]!));
    /**
     * The same comparison from CPU time instead of wall-clock rates: the server CPU one request
     * took on each side (b / a: the share of b's rate a would reach on a host of its own). The
     * load of other processes moves it far less than the rates.
     */
    const cpuRatioOf = (cpu: Map<string, number[]>, a: string, b: string) =>
      cpu.get(a)!.length === ROUNDS && cpu.get(b)!.length === ROUNDS
        ? median(cpu.get(b)!.map((x, i) => x / cpu.get(a)![i]!))
        : undefined;

    if (PATHS.has('list') && backing.env.DATABASE_URL) {
      // The conversations the chat runs above made belong to this user; the bare route lists them by id.
      const client = new pg.Client({ connectionString: backing.env.DATABASE_URL });
      await client.connect();
      const { rows } = await client.query('select tenant_id, user_id from conversations limit 1');
      await client.end();
      const { tenant_id, user_id } = rows[0] as { tenant_id: string; user_id: string };
      const path = '/api/v1/conversations?limit=20';
      const sides: Side[] = [
        ['Agentry', () => request(`${api!.url}${path}`, 'GET', auth), api],
        [
          'bare',
          () => request(`${floor.url}/conversations?tenant=${tenant_id}&user=${user_id}&limit=20`, 'GET', {}),
          floor,
        ],
      ];
      for (const [i, b] of baselines.entries())
        sides.push([baselineName(i), () => request(`${b.url}${path}`, 'GET', auth), b]);
      const { perSide: got, cpuPerSide: cpu } = await compare('GET /conversations', sides);
      const ratio = ratioOf(got, 'Agentry', 'bare');
      ratios.push(atLeast('GET /conversations throughput', 'Agentry / bare Fastify+pg', ratio, 0.7));
      Object.assign(figures, {
        apiListPerSecond: median(got.get('Agentry')!),
        bareListPerSecond: median(got.get('bare')!),
      });
      const byCpu = cpuRatioOf(cpu, 'Agentry', 'bare');
      if (byCpu !== undefined) {
        ratios.push(atLeast('GET /conversations CPU/request', 'bare / Agentry', byCpu, 0.7));
        figures.listCpuRatio = byCpu;
      }
      console.log(
        `GET /conversations   Agentry / bare ${ratio.toFixed(2)} (median of ${ROUNDS} round${ROUNDS > 1 ? 's' : ''})${byCpu === undefined ? '' : `, by CPU per request ${byCpu.toFixed(2)}`}`,
      );
      for (const i of baselines.keys()) {
        const name = baselineName(i);
        figures[`${name}ListPerSecond`] = median(got.get(name)!);
        const cpuBase = cpuRatioOf(cpu, name, 'bare');
        const cpuGain = cpuRatioOf(cpu, 'Agentry', name);
        console.log(
          `GET /conversations   ${name} / bare ${ratioOf(got, name, 'bare').toFixed(2)}, Agentry / ${name} ${ratioOf(got, 'Agentry', name).toFixed(2)}${cpuBase === undefined || cpuGain === undefined ? '' : `; by CPU per request ${cpuBase.toFixed(2)} and ${cpuGain.toFixed(2)}`}`,
        );
      }
    } else if (PATHS.has('list')) {
      console.log('GET /conversations   skipped: the bare route needs PostgreSQL (DATABASE_URL or TEST_DATABASE_URL)');
    }
    if (PATHS.has('detail')) {
      const list = await fetch(`${api.url}/api/v1/conversations?limit=1`, { headers: auth });
      const id = ((await list.json()) as { items: { id: string }[] }).items[0]?.id;
      if (!id) throw new Error('no conversation to read');
      const path = `/api/v1/conversations/${id}`;
      const sides: Side[] = [['Agentry', () => request(`${api!.url}${path}`, 'GET', auth), api]];
      for (const [i, b] of baselines.entries())
        sides.push([baselineName(i), () => request(`${b.url}${path}`, 'GET', auth), b]);
      const { perSide: got, cpuPerSide: cpu } = await compare('GET /conversations/{id}', sides);
      figures.apiDetailPerSecond = median(got.get('Agentry')!);
      for (const i of baselines.keys()) {
        const name = baselineName(i);
        figures[`${name}DetailPerSecond`] = median(got.get(name)!);
        const byCpu = cpuRatioOf(cpu, 'Agentry', name);
        console.log(
          `GET /conversations/{id} Agentry / ${name} ${ratioOf(got, 'Agentry', name).toFixed(2)}${byCpu === undefined ? '' : `, by CPU per request ${byCpu.toFixed(2)}`}`,
        );
      }
    }
    if (PATHS.has('chat')) {
      const apiChat = await rate(() => request(`${api!.url}/api/v1/chat`, 'POST', auth, body));
      const floorChat = await rate(() => request(`${floor.url}/chat`, 'POST', {}, body));
      ratios.push(atLeast('POST /chat throughput', 'Agentry / floor', apiChat / floorChat, 0.7));
      Object.assign(figures, { apiChatPerSecond: apiChat, floorChatPerSecond: floorChat });
      console.log(
        `POST /chat           Agentry ${apiChat.toFixed(1)} req/s | floor ${floorChat.toFixed(1)} req/s | ratio ${(apiChat / floorChat).toFixed(2)}`,
      );
    }
    writeResult('throughput', { label: backing.label, ratios, figures });
  } finally {
    agent.destroy();
    await api?.stop();
    for (const b of baselines) await b.stop();
    await setup?.stop();
    await floor.stop();
    await backing.cleanup();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
