/**
 * Benchmark: what a rate-limit check costs per request — a window quota (`consume`: one atomic
 * INCR+PEXPIRE) and a stream lease (`acquire` + `release`: one Lua call each) — on the in-process
 * ports and, with REDIS_URL (or TEST_REDIS_URL), on Redis, at concurrency 1 and 64.
 *
 *   npx tsx bench/ratelimit/run.ts                                   (from the repository root)
 *   REDIS_URL=redis://127.0.0.1:6379 npx tsx bench/ratelimit/run.ts
 *
 * Compare the Redis p99 with RATE_LIMIT_STORE_TIMEOUT_MS (250 ms by default): the deadline past
 * which a quota fails open must sit far above what a healthy Redis answers in.
 */
import crypto from 'node:crypto';
import pino from 'pino';
import { parseConfig } from '../../apps/api/src/config.js';
import { Metrics } from '../../apps/api/src/platform/metrics.js';
import { createPorts, type Ports } from '../../apps/api/src/platform/ports/index.js';
import { RateLimiter } from '../../apps/api/src/modules/ratelimit/ratelimit.service.js';

const REQUESTS = Number(process.env.BENCH_REQUESTS ?? 5000);
const LEVELS = (process.env.BENCH_CONCURRENCY ?? '1,64').split(',').map(Number);
const redisUrl = process.env.REDIS_URL || process.env.TEST_REDIS_URL || undefined;

function percentile(sorted: number[], p: number) {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

/** `concurrency` closed-loop workers running `op` `REQUESTS` times between them; latencies in ms. */
async function measure(
  concurrency: number,
  op: (i: number) => Promise<void>,
): Promise<{ p50: number; p99: number; perSecond: number }> {
  const samples: number[] = [];
  let issued = 0;
  const started = process.hrtime.bigint();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (issued < REQUESTS) {
        const i = issued++;
        const t = process.hrtime.bigint();
        await op(i);
        samples.push(Number(process.hrtime.bigint() - t) / 1e6);
      }
    }),
  );
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  samples.sort((a, b) => a - b);
  return { p50: percentile(samples, 50), p99: percentile(samples, 99), perSecond: REQUESTS / seconds };
}

async function bench(kind: string, ports: Ports) {
  // Limits high enough never to refuse: we measure the check, not the 429.
  const config = parseConfig({
    NODE_ENV: 'test',
    RATE_LIMIT_CHAT_PER_MINUTE: '1000000000',
    RATE_LIMIT_CHAT_STREAM_CONCURRENCY: '1000000',
  });
  const limiter = new RateLimiter({
    ports,
    limits: config.limits,
    metrics: new Metrics(),
    logger: pino({ level: 'silent' }),
  });
  const rows: string[] = [];
  for (const concurrency of LEVELS) {
    // 100 users, so keys spread like real traffic does.
    const window = await measure(concurrency, async (i) => {
      const d = await limiter.consume('chat_per_minute', `t:user:${i % 100}`);
      if (!d.allowed || d.failedOpen) throw new Error('unexpected refusal or fail-open');
    });
    const lease = await measure(concurrency, async (i) => {
      const d = await limiter.acquire('chat_stream_concurrency', `t:user:${i % 100}`);
      if (!d.allowed || !d.lease) throw new Error('unexpected refusal or fail-open');
      await d.lease.release();
    });
    rows.push(
      `${kind.padEnd(7)} ${String(concurrency).padStart(5)}   window p50 ${window.p50.toFixed(3)} ms  p99 ${window.p99.toFixed(3)} ms  ${Math.round(window.perSecond)}/s   lease acquire+release p50 ${lease.p50.toFixed(3)} ms  p99 ${lease.p99.toFixed(3)} ms  ${Math.round(lease.perSecond)}/s`,
    );
  }
  await limiter.close();
  return rows;
}

async function main() {
  console.log(`rate-limit checks, ${REQUESTS} per measurement (closed loop)\nstore   conc.`);
  for (const row of await bench('memory', createPorts({ keyPrefix: 'unused:' }))) console.log(row);
  if (redisUrl) {
    const ports = createPorts({ url: redisUrl, keyPrefix: `agentry:bench:${crypto.randomBytes(4).toString('hex')}:` });
    try {
      for (const row of await bench('redis', ports)) console.log(row);
    } finally {
      await ports.close();
    }
  } else {
    console.log('(set REDIS_URL for the Redis numbers)');
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
