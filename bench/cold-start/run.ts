/**
 * Benchmark: cold start to `/health/ready` of the real API process (`src/main.ts`, as
 * `npm run start:api` runs it): embedded on an empty data dir (PGlite created and migrated), embedded
 * again on that data, and — with a PostgreSQL URL — on a fresh database, then again on it. Each
 * figure is the median of BENCH_COLD_REPEAT (3) starts, polled every 50 ms. A bare `node -e` start
 * of the same runtime (tsx) is measured in the same run: the ratios are to it, so the host's load
 * mostly cancels out; the targets are absolute (seconds), so both are printed.
 *
 *   npx tsx bench/cold-start/run.ts
 *   DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres npx tsx bench/cold-start/run.ts
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { prepareBacking, startApi } from '../chat-stream/processes.js';
import { atMost, loadAvg, writeResult, type Ratio } from '../results.js';

const REPEAT = Number(process.env.BENCH_COLD_REPEAT ?? 3);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const ENV = { NODE_ENV: 'test', LOG_LEVEL: 'warn', MODEL_PROVIDER: 'offline' };

/** Seconds from spawn to ready. */
async function startOnce(env: Record<string, string>): Promise<number> {
  const started = process.hrtime.bigint();
  const api = await startApi({ ...ENV, ...env });
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  await api.stop();
  return seconds;
}

async function main() {
  const figures: Record<string, number> = {};
  const ratios: Ratio[] = [];
  const runtime = median(
    Array.from({ length: REPEAT }, () => {
      const t = process.hrtime.bigint();
      spawnSync(process.execPath, ['--import', 'tsx', '-e', '0'], { stdio: 'ignore' });
      return Number(process.hrtime.bigint() - t) / 1e9;
    }),
  );
  figures.bareTsxStart = runtime;
  const record = (name: string, seconds: number, limit: number) => {
    figures[name] = seconds;
    ratios.push(atMost(`cold start ${name} (s)`, 'seconds', seconds, limit));
    console.log(`${name.padEnd(22)} ${seconds.toFixed(2)} s (x${(seconds / runtime).toFixed(1)} a bare tsx start)`);
  };
  console.log(
    `cold-start benchmark: median of ${REPEAT}, bare tsx start ${runtime.toFixed(2)} s, load avg ${loadAvg().join(' ')}`,
  );

  const empties: number[] = [];
  const existing: number[] = [];
  for (let i = 0; i < REPEAT; i++) {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'agentry-cold-'));
    try {
      empties.push(await startOnce({ DATA_DIR: dataDir }));
      existing.push(await startOnce({ DATA_DIR: dataDir }));
    } finally {
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  }
  record('embedded, empty', median(empties), 3);
  record('embedded, existing', median(existing), 1.5);

  const databaseUrl = process.env.DATABASE_URL || process.env.TEST_DATABASE_URL || undefined;
  if (databaseUrl) {
    const fresh: number[] = [];
    const again: number[] = [];
    for (let i = 0; i < REPEAT; i++) {
      const backing = await prepareBacking(databaseUrl, undefined);
      try {
        fresh.push(await startOnce(backing.env));
        again.push(await startOnce(backing.env));
      } finally {
        await backing.cleanup();
      }
    }
    figures['postgresql, fresh'] = median(fresh);
    console.log(`${'postgresql, fresh'.padEnd(22)} ${median(fresh).toFixed(2)} s`);
    record('postgresql, existing', median(again), 1.5);
  }
  writeResult('cold-start', { label: databaseUrl ? 'embedded and postgresql' : 'embedded', ratios, figures });
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
