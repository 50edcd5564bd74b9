/**
 * Benchmark: first-token latency and total time of a streamed chat through `POST /api/v1/chat/stream`
 * (MODEL_PROVIDER=openai, pointed at the fake OpenAI server) against calling the same fake server
 * directly, at concurrency 1, 16 and 64. Prints p50/p95/p99, the added latency and the ratio.
 *
 *   npx tsx bench/chat-stream/run.ts                          (from the repository root; embedded)
 *   DATABASE_URL=postgres://… REDIS_URL=redis://… npx tsx bench/chat-stream/run.ts
 *
 * Four processes: the fake model server, the real API (`dist/main.js`), the floor (bench/floor: the
 * same SDK run on a bare Fastify route) and this one, which only runs the clients. Per level:
 * direct → Agentry → floor, in the same run with the same client.
 */
import http from 'node:http';
import os from 'node:os';
import { atMost, writeResult, type Ratio } from '../results.js';
import { prepareBacking, startApi, startFakeServer, startFloor } from './processes.js';

const WORDS = Number(process.env.BENCH_WORDS ?? 20);
const LEVELS = (process.env.BENCH_CONCURRENCY ?? '1,16,64').split(',').map(Number);
const PER_WORKER = Number(process.env.BENCH_REQUESTS_PER_WORKER ?? 8);
const MIN_REQUESTS = Number(process.env.BENCH_MIN_REQUESTS ?? 100);
const WARMUP = Number(process.env.BENCH_WARMUP ?? 100);
const agent = new http.Agent({ keepAlive: true, maxSockets: 1024 });

interface Sample {
  firstMs: number;
  totalMs: number;
}

/** POSTs JSON and reads the SSE response; `isFirst` marks the chunk holding the first token. */
function timedStream(
  url: URL,
  headers: Record<string, string>,
  body: unknown,
  isFirst: (chunk: string) => boolean,
): Promise<Sample> {
  return new Promise((resolve, reject) => {
    const payload = JSON.stringify(body);
    const start = process.hrtime.bigint();
    let first = 0;
    const req = http.request(
      {
        agent,
        host: url.hostname,
        port: url.port,
        path: url.pathname,
        method: 'POST',
        headers: { ...headers, 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) },
      },
      (res) => {
        if (res.statusCode !== 200) {
          let text = '';
          res.on('data', (c) => (text += c));
          res.on('end', () => reject(new Error(`status ${res.statusCode}: ${text}`)));
          return;
        }
        res.setEncoding('utf8');
        let buffer = '';
        res.on('data', (chunk: string) => {
          if (first) return;
          buffer += chunk;
          if (isFirst(buffer)) first = Number(process.hrtime.bigint() - start) / 1e6;
        });
        res.on('end', () => {
          const total = Number(process.hrtime.bigint() - start) / 1e6;
          if (!first) return reject(new Error('stream ended without a first token'));
          resolve({ firstMs: first, totalMs: total });
        });
      },
    );
    req.setNoDelay(true);
    req.on('error', reject);
    req.end(payload);
  });
}

function percentile(sorted: number[], p: number) {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}
function stats(samples: number[]) {
  const s = [...samples].sort((a, b) => a - b);
  return { p50: percentile(s, 50), p95: percentile(s, 95), p99: percentile(s, 99) };
}

/** `concurrency` closed-loop clients issuing `total` requests between them. */
async function runLevel(concurrency: number, total: number, once: () => Promise<Sample>): Promise<Sample[]> {
  const samples: Sample[] = [];
  let issued = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (issued < total) {
        issued++;
        samples.push(await once());
      }
    }),
  );
  return samples;
}

async function main() {
  const started = Date.now();
  const databaseUrl = process.env.DATABASE_URL || process.env.TEST_DATABASE_URL || undefined;
  const redisUrl = process.env.REDIS_URL || process.env.TEST_REDIS_URL || undefined;
  const backing = await prepareBacking(databaseUrl, redisUrl);
  const fake = await startFakeServer(WORDS);
  let api: Awaited<ReturnType<typeof startApi>> | undefined;
  const floor = await startFloor(
    { OPENAI_BASE_URL: fake.url, OPENAI_MODEL: 'fake-bench' },
    process.env.BENCH_CPU_PROF_DIR,
  );
  try {
    api = await startApi(
      {
        ...backing.env,
        NODE_ENV: 'test',
        LOG_LEVEL: process.env.BENCH_LOG_LEVEL ?? 'warn',
        AUTH_BCRYPT_COST: '4',
        MODEL_PROVIDER: 'openai',
        OPENAI_API_KEY: 'bench',
        OPENAI_BASE_URL: fake.url,
        OPENAI_API: 'responses',
        OPENAI_MODEL: 'fake-bench',
        RATE_LIMIT_CHAT_PER_MINUTE: '0',
        RATE_LIMIT_CHAT_STREAM_PER_MINUTE: '0',
        RATE_LIMIT_CHAT_STREAM_CONCURRENCY: '0',
      },
      process.env.BENCH_CPU_PROF_DIR,
    );
    const base = api.url;

    const users: string[] = [];
    for (let i = 0; i < 4; i++) {
      const res = await fetch(`${base}/api/v1/auth/register`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          email: `bench-${process.pid}-${i}@example.test`,
          password: `Bench-${process.pid}-pass-${i}!x`,
        }),
      });
      if (res.status !== 201) throw new Error(`register: ${res.status} ${await res.text()}`);
      users.push(((await res.json()) as { access_token: string }).access_token);
    }
    let n = 0;
    const viaApi = () =>
      timedStream(
        new URL(`${base}/api/v1/chat/stream`),
        { authorization: `Bearer ${users[n++ % users.length]}` },
        { message: 'hello benchmark' },
        (b) => b.includes('event: message.delta'),
      );
    const direct = () =>
      timedStream(
        new URL(`${fake.url}/responses`),
        { authorization: 'Bearer bench' },
        { model: 'fake-bench', input: [{ role: 'user', content: 'hello benchmark' }], stream: true },
        (b) => b.includes('event: response.output_text.delta'),
      );

    const viaFloor = () =>
      timedStream(new URL(`${floor.url}/chat/stream`), {}, { message: 'hello benchmark' }, (b) =>
        b.includes('event: message.delta'),
      );

    // Warm-up: JIT, connection pools, the SDK's first code paths, on every side.
    await runLevel(4, WARMUP, direct);
    await runLevel(4, WARMUP, viaApi);
    await runLevel(4, WARMUP, viaFloor);

    const fmt = (v: number) => v.toFixed(2).padStart(8);
    console.log(
      `chat-stream benchmark: ${WORDS} words per answer, ${backing.label}, node ${process.version}, ${os.cpus().length} cpus, load avg ${os
        .loadavg()
        .map((l) => l.toFixed(1))
        .join(' ')}`,
    );
    console.log('processes: fake model server | API (dist/main.js) | clients (this process)');
    console.log('conc  path       n  | first token p50      p95      p99 | total p50      p95      p99');
    const summary: string[] = [];
    const ratios: Ratio[] = [];
    const figures: unknown[] = [];
    /** One level through `child`, with the CPU it used per request. */
    const cpuOf = async (
      child: { cpuMs(): number | undefined },
      c: number,
      total: number,
      once: () => Promise<Sample>,
    ) => {
      const before = child.cpuMs();
      const samples = await runLevel(c, total, once);
      const after = child.cpuMs();
      return { samples, cpu: before !== undefined && after !== undefined ? (after - before) / total : Number.NaN };
    };
    for (const c of LEVELS) {
      const total = Math.max(MIN_REQUESTS, c * PER_WORKER);
      const d = await runLevel(c, total, direct);
      const { samples: a, cpu: apiCpu } = await cpuOf(api, c, total, viaApi);
      const { samples: f, cpu: floorCpu } = await cpuOf(floor, c, total, viaFloor);
      const cpuPerRequest = ` | API CPU ${apiCpu.toFixed(2)} ms/request`;
      const df = stats(d.map((s) => s.firstMs)),
        dt = stats(d.map((s) => s.totalMs));
      const af = stats(a.map((s) => s.firstMs)),
        at = stats(a.map((s) => s.totalMs));
      const ff = stats(f.map((s) => s.firstMs)),
        ft = stats(f.map((s) => s.totalMs));
      console.log(
        `${String(c).padStart(4)}  direct ${String(d.length).padStart(5)} | ${fmt(df.p50)} ${fmt(df.p95)} ${fmt(df.p99)} | ${fmt(dt.p50)} ${fmt(dt.p95)} ${fmt(dt.p99)}`,
      );
      console.log(
        `${String(c).padStart(4)}  api    ${String(a.length).padStart(5)} | ${fmt(af.p50)} ${fmt(af.p95)} ${fmt(af.p99)} | ${fmt(at.p50)} ${fmt(at.p95)} ${fmt(at.p99)}${cpuPerRequest}`,
      );
      console.log(
        `${String(c).padStart(4)}  floor  ${String(f.length).padStart(5)} | ${fmt(ff.p50)} ${fmt(ff.p95)} ${fmt(ff.p99)} | ${fmt(ft.p50)} ${fmt(ft.p95)} ${fmt(ft.p99)} | floor CPU ${floorCpu.toFixed(2)} ms/request`,
      );
      // Added first token: time above the direct call; a floor that adds ~nothing would make any
      // ratio explode, so the floor's added time is clamped to 0.5 ms (the resolution here).
      const addedApi = af.p50 - df.p50;
      const addedFloor = Math.max(0.5, ff.p50 - df.p50);
      ratios.push(atMost(`API CPU per streamed run, c=${c}`, 'Agentry / floor', apiCpu / floorCpu, 1.5));
      ratios.push(atMost(`added first-token p50, c=${c}`, 'Agentry / floor', addedApi / addedFloor, 1.5));
      figures.push({
        concurrency: c,
        requests: total,
        direct: { first: df, total: dt },
        api: { first: af, total: at, cpuMsPerRequest: apiCpu },
        floor: { first: ff, total: ft, cpuMsPerRequest: floorCpu },
      });
      summary.push(
        `conc ${String(c).padStart(2)}: vs floor: API CPU x${(apiCpu / floorCpu).toFixed(2)}, added first token p50 ${addedApi.toFixed(2)} vs ${(ff.p50 - df.p50).toFixed(2)} ms (x${(addedApi / addedFloor).toFixed(2)})`,
      );
      const added = (x: number, y: number) => `${(x - y).toFixed(2)} ms (x${(x / y).toFixed(2)})`;
      summary.push(
        `conc ${String(c).padStart(2)}: first token added p50 ${added(af.p50, df.p50)}, p95 ${added(af.p95, df.p95)}, p99 ${added(af.p99, df.p99)}; ` +
          `total added p50 ${added(at.p50, dt.p50)}, p99 ${added(at.p99, dt.p99)}`,
      );
    }
    console.log('\nadded latency (api - direct) and ratio (api / direct):');
    for (const line of summary) console.log(`  ${line}`);
    console.log(
      'targets (issue 19): API CPU per streamed run <= 1.5x the floor; added first-token p50 <= 1.5x the floor',
    );
    writeResult('chat-stream', { label: backing.label, ratios, figures });
    console.log(
      'API CPU ms/request: user+system CPU of the API process during the level / requests — the cost per request that load on the machine does not inflate much.',
    );
    console.log(
      `(${((Date.now() - started) / 1000).toFixed(1)} s, load avg at end ${os
        .loadavg()
        .map((l) => l.toFixed(1))
        .join(' ')})`,
    );
  } finally {
    agent.destroy();
    await api?.stop();
    await floor.stop();
    await fake.stop();
    await backing.cleanup();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
