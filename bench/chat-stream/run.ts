/**
 * Benchmark: first-token latency and total time of a streamed chat through `POST /api/v1/chat/stream`
 * (MODEL_PROVIDER=openai, pointed at the fake OpenAI server) against calling the same fake server
 * directly, at concurrency 1, 16 and 64. Prints p50/p95/p99 and the API/direct ratio and difference.
 *
 *   npx tsx bench/chat-stream/run.ts            (from the repository root)
 *   BENCH_WORDS=20 BENCH_CONCURRENCY=1,16,64 BENCH_REQUESTS_PER_WORKER=8 npx tsx bench/chat-stream/run.ts
 *   BENCH_DATABASE_URL=postgres://… BENCH_REDIS_URL=redis://… npx tsx bench/chat-stream/run.ts
 *
 * Everything runs in this one process (API, fake server, clients), on 127.0.0.1 ports picked at
 * random in 20000-29999. Both paths pay the same client costs, so the difference is the API's.
 */
import http from 'node:http';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { buildApp } from '../../apps/api/src/app.js';
import { parseConfig } from '../../apps/api/src/config.js';
import { openInfrastructure } from '../../apps/api/src/platform/runtime.js';
import { startFakeOpenAI, wordsScript } from '../../apps/api/test/support/fake-openai.js';

const WORDS = Number(process.env.BENCH_WORDS ?? 20);
const LEVELS = (process.env.BENCH_CONCURRENCY ?? '1,16,64').split(',').map(Number);
const PER_WORKER = Number(process.env.BENCH_REQUESTS_PER_WORKER ?? 8);
const MIN_REQUESTS = Number(process.env.BENCH_MIN_REQUESTS ?? 60);
const agent = new http.Agent({ keepAlive: true, maxSockets: 1024 });

const randomPort = () => 20000 + Math.floor(Math.random() * 10000);

interface Sample { firstMs: number; totalMs: number }

/** POSTs JSON and reads the SSE response; `isFirst` marks the first token's chunk. */
function timedStream(url: URL, headers: Record<string, string>, body: unknown, isFirst: (chunk: string) => boolean): Promise<Sample> {
  return new Promise((resolve, reject) => {
    const payload = JSON.stringify(body);
    const start = process.hrtime.bigint();
    let first = 0;
    const req = http.request({ agent, host: url.hostname, port: url.port, path: url.pathname, method: 'POST',
      headers: { ...headers, 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) } }, (res) => {
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
    });
    req.on('error', reject);
    req.end(payload);
  });
}

function percentile(sorted: number[], p: number) {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}
function stats(samples: number[]) {
  const s = [...samples].sort((a, b) => a - b);
  return { p50: percentile(s, 50), p95: percentile(s, 95), p99: percentile(s, 99) };
}

async function runLevel(concurrency: number, once: () => Promise<Sample>): Promise<Sample[]> {
  const total = Math.max(MIN_REQUESTS, concurrency * PER_WORKER);
  const samples: Sample[] = [];
  let issued = 0;
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (issued < total) {
      issued++;
      samples.push(await once());
    }
  }));
  return samples;
}

async function main() {
  const fake = await startFakeOpenAI({ script: wordsScript(WORDS), port: randomPort() });
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'agentry-bench-'));
  const config = parseConfig({
    NODE_ENV: 'test', LOG_LEVEL: 'silent', DATA_DIR: dataDir, AUTH_BCRYPT_COST: '4',
    MODEL_PROVIDER: 'openai', OPENAI_BASE_URL: fake.baseURL, OPENAI_API: 'responses', OPENAI_MODEL: 'fake-bench',
    DATABASE_URL: process.env.BENCH_DATABASE_URL, REDIS_URL: process.env.BENCH_REDIS_URL,
    RATE_LIMIT_CHAT_PER_MINUTE: '0', RATE_LIMIT_CHAT_STREAM_PER_MINUTE: '0', RATE_LIMIT_CHAT_STREAM_CONCURRENCY: '0',
  });
  const { database, ports } = await openInfrastructure(config, { migrate: true });
  const app = await buildApp(config, { database, ports });
  const port = randomPort();
  await app.listen({ port, host: '127.0.0.1' });
  const api = `http://127.0.0.1:${port}`;

  const users: string[] = [];
  for (let i = 0; i < 4; i++) {
    const res = await fetch(`${api}/api/v1/auth/register`, { method: 'POST', headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: `bench-${process.pid}-${i}@example.test`, password: `Bench-${process.pid}-pass-${i}!x` }) });
    if (res.status !== 201) throw new Error(`register: ${res.status} ${await res.text()}`);
    users.push(((await res.json()) as { access_token: string }).access_token);
  }
  let n = 0;
  const viaApi = () =>
    timedStream(new URL(`${api}/api/v1/chat/stream`), { authorization: `Bearer ${users[n++ % users.length]}` }, { message: 'hello benchmark' },
      (b) => b.includes('event: message.delta'));
  const direct = () =>
    timedStream(new URL(`${fake.baseURL}/responses`), { authorization: 'Bearer x' },
      { model: 'fake-bench', input: [{ role: 'user', content: 'hello benchmark' }], stream: true },
      (b) => b.includes('event: response.output_text.delta'));

  // Warm up both paths (JIT, connections, the SDK's first import paths).
  await runLevel(4, direct);
  await runLevel(4, viaApi);

  const fmt = (v: number) => v.toFixed(2).padStart(8);
  console.log(`chat-stream benchmark: ${WORDS} words per answer, database=${database.kind}, ports=${ports.kind}, node ${process.version}, ${os.cpus().length} cpus`);
  console.log('conc  path      n   | first token p50    p95      p99   | total p50    p95      p99');
  const summary: string[] = [];
  for (const c of LEVELS) {
    const d = await runLevel(c, direct);
    const a = await runLevel(c, viaApi);
    const df = stats(d.map((s) => s.firstMs)), dt = stats(d.map((s) => s.totalMs));
    const af = stats(a.map((s) => s.firstMs)), at = stats(a.map((s) => s.totalMs));
    console.log(`${String(c).padStart(4)}  direct ${String(d.length).padStart(5)} | ${fmt(df.p50)} ${fmt(df.p95)} ${fmt(df.p99)} | ${fmt(dt.p50)} ${fmt(dt.p95)} ${fmt(dt.p99)}`);
    console.log(`${String(c).padStart(4)}  api    ${String(a.length).padStart(5)} | ${fmt(af.p50)} ${fmt(af.p95)} ${fmt(af.p99)} | ${fmt(at.p50)} ${fmt(at.p95)} ${fmt(at.p99)}`);
    summary.push(
      `conc ${c}: first token added p50 ${(af.p50 - df.p50).toFixed(2)} ms (x${(af.p50 / df.p50).toFixed(2)}), p99 ${(af.p99 - df.p99).toFixed(2)} ms (x${(af.p99 / df.p99).toFixed(2)}); ` +
      `total added p50 ${(at.p50 - dt.p50).toFixed(2)} ms (x${(at.p50 / dt.p50).toFixed(2)}), p99 ${(at.p99 - dt.p99).toFixed(2)} ms (x${(at.p99 / dt.p99).toFixed(2)})`,
    );
  }
  console.log('\nratios (api vs direct):');
  for (const line of summary) console.log(`  ${line}`);
  console.log('targets: added p50 first-token <= 3 ms at conc 1; added p99 <= 15 ms at conc 64');

  await app.close();
  await ports.close();
  await database.close();
  await fake.close();
  agent.destroy();
  fs.rmSync(dataDir, { recursive: true, force: true });
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
