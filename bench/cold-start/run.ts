/**
 * Benchmark: cold start to `/health/ready` of the real API process — `node dist/main.js`, as
 * `npm run start:api` and the images run it (built first when stale, not timed) — embedded on an
 * empty data dir (PGlite created and migrated), embedded again on that data, and, with a PostgreSQL
 * URL, on a fresh database, then again on it. Each figure is the median of BENCH_COLD_REPEAT (3)
 * starts, polled every 50 ms. The same starts through tsx (`src/main.ts`, how the API started before
 * it was compiled) are interleaved with them, start for start, so the before/after ratio is taken
 * under the same load; a bare `node -e 0` start is the floor. The targets are absolute (seconds).
 * BENCH_COLD_TSX=0 skips the tsx starts. BENCH_COLD_BASELINE=<checkout>/apps/api runs the tsx starts
 * from another checkout (e.g. main before this change) with this one's node_modules — a true
 * before/after under the same load; with BENCH_COLD_BASELINE_RUNTIME=compiled those starts run the
 * other checkout's `dist/main.js` instead (build it there first: `node scripts/build.mjs`), so two
 * compiled builds are compared start for start (the figures then say `baseline` for `tsx`).
 *
 *   npx tsx bench/cold-start/run.ts
 *   DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres npx tsx bench/cold-start/run.ts
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { buildApiIfStale, prepareBacking, startApi } from '../chat-stream/processes.js';
import { atMost, loadAvg, writeResult, type Ratio } from '../results.js';

const REPEAT = Number(process.env.BENCH_COLD_REPEAT ?? 3);
const WITH_TSX = process.env.BENCH_COLD_TSX !== '0';
const BASELINE = process.env.BENCH_COLD_BASELINE || undefined;
const BASELINE_COMPILED = BASELINE !== undefined && process.env.BENCH_COLD_BASELINE_RUNTIME === 'compiled';
/** What the second runtime's starts are called in the output. */
const OTHER = BASELINE_COMPILED ? 'baseline' : 'tsx';
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const ENV = { NODE_ENV: 'test', LOG_LEVEL: 'warn', MODEL_PROVIDER: 'offline' };
type Runtime = 'compiled' | 'tsx';
const runtimes: Runtime[] = WITH_TSX ? ['compiled', 'tsx'] : ['compiled'];

/** Seconds from spawn to ready. */
async function startOnce(env: Record<string, string>, runtime: Runtime): Promise<number> {
  const started = process.hrtime.bigint();
  const api =
    runtime === 'tsx' && BASELINE_COMPILED
      ? await startApi({ ...ENV, ...env }, undefined, 'compiled', BASELINE)
      : await startApi({ ...ENV, ...env }, undefined, runtime, runtime === 'tsx' ? BASELINE : undefined);
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  await api.stop();
  return seconds;
}

/** Median seconds per runtime of `REPEAT` rounds; each round starts every runtime on fresh state, then again on it. */
async function rounds(
  prepare: () => Promise<{ env: Record<string, string>; cleanup(): Promise<void> }>,
): Promise<Record<Runtime, { fresh: number; existing: number }>> {
  const fresh: Record<Runtime, number[]> = { compiled: [], tsx: [] };
  const existing: Record<Runtime, number[]> = { compiled: [], tsx: [] };
  for (let i = 0; i < REPEAT; i++) {
    // Alternate which runtime goes first, so neither always meets the same moment of the host's load.
    for (const runtime of i % 2 ? [...runtimes].reverse() : runtimes) {
      const backing = await prepare();
      try {
        fresh[runtime].push(await startOnce(backing.env, runtime));
        existing[runtime].push(await startOnce(backing.env, runtime));
      } finally {
        await backing.cleanup();
      }
    }
  }
  const result = {} as Record<Runtime, { fresh: number; existing: number }>;
  for (const r of runtimes) result[r] = { fresh: median(fresh[r]), existing: median(existing[r]) };
  return result;
}

async function main() {
  await buildApiIfStale();
  const figures: Record<string, number> = {};
  const ratios: Ratio[] = [];
  const bareNode = median(
    Array.from({ length: REPEAT }, () => {
      const t = process.hrtime.bigint();
      spawnSync(process.execPath, ['-e', '0'], { stdio: 'ignore' });
      return Number(process.hrtime.bigint() - t) / 1e9;
    }),
  );
  figures.bareNodeStart = bareNode;
  if (BASELINE) console.log(`${OTHER} starts run ${BASELINE}${BASELINE_COMPILED ? '/dist/main.js' : ''}`);
  console.log(
    `cold-start benchmark: median of ${REPEAT}, bare node start ${bareNode.toFixed(2)} s, load avg ${loadAvg().join(' ')}`,
  );
  const report = (name: string, by: Record<Runtime, number>, limit?: number) => {
    figures[name] = by.compiled;
    if (WITH_TSX) figures[`${name} (${OTHER})`] = by.tsx;
    if (limit !== undefined) ratios.push(atMost(`cold start ${name} (s)`, 'seconds', by.compiled, limit));
    if (WITH_TSX)
      ratios.push({ metric: `cold start ${name}`, compared: `compiled / ${OTHER}`, value: by.compiled / by.tsx });
    const tsx = WITH_TSX
      ? `   ${OTHER} ${by.tsx.toFixed(2)} s (compiled/${OTHER} ${(by.compiled / by.tsx).toFixed(2)})`
      : '';
    console.log(`${name.padEnd(22)} compiled ${by.compiled.toFixed(2)} s${limit ? ` (target <= ${limit})` : ''}${tsx}`);
  };

  const embedded = await rounds(async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'agentry-cold-'));
    return { env: { DATA_DIR: dataDir }, cleanup: async () => fs.rmSync(dataDir, { recursive: true, force: true }) };
  });
  const pick = (r: typeof embedded, k: 'fresh' | 'existing') =>
    Object.fromEntries(Object.entries(r).map(([runtime, v]) => [runtime, v[k]])) as Record<Runtime, number>;
  report('embedded, empty', pick(embedded, 'fresh'), 3);
  report('embedded, existing', pick(embedded, 'existing'), 1.5);

  const databaseUrl = process.env.DATABASE_URL || process.env.TEST_DATABASE_URL || undefined;
  if (databaseUrl) {
    const postgres = await rounds(() => prepareBacking(databaseUrl, undefined));
    report('postgresql, fresh', pick(postgres, 'fresh'));
    report('postgresql, existing', pick(postgres, 'existing'), 1.5);
  }
  console.log(`load avg at end ${loadAvg().join(' ')}`);
  writeResult('cold-start', { label: databaseUrl ? 'embedded and postgresql' : 'embedded', ratios, figures });
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
