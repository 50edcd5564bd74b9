#!/usr/bin/env node
// `npm run bench`: runs the cost benchmarks (each prints its own figures and writes
// bench/results/<name>.json), then prints one table of every ratio against its target.
// DATABASE_URL/REDIS_URL (or TEST_*) switch them to real PostgreSQL/Redis; embedded otherwise
// (counts needs both; the conversations-list comparison needs PostgreSQL).
// BENCH_ONLY=name,name picks benchmarks; BENCH_ALL=1 adds the feature benchmarks (rate limits,
// audit, conversations, guardrails, knowledge) and the load test of the whole product (bench/load,
// LOAD_SECONDS, 120 by default) after them.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const cost = ['counts', 'token-verify', 'chat-stream', 'throughput', 'cold-start'];
const features = ['ratelimit', 'audit', 'conversations', 'guardrails', 'knowledge', 'load'];
const only = process.env.BENCH_ONLY?.split(',').filter(Boolean);
const selected = only ?? (process.env.BENCH_ALL === '1' ? [...cost, ...features] : cost);
const resultsDir = path.join(root, 'bench/results');

const started = Date.now();
for (const name of selected) {
  console.log(
    `\n== bench/${name}/run.ts (load avg ${os
      .loadavg()
      .map((l) => l.toFixed(1))
      .join(' ')})`,
  );
  fs.rmSync(path.join(resultsDir, `${name}.json`), { force: true });
  const { status } = spawnSync(process.execPath, ['--import', 'tsx', `bench/${name}/run.ts`], {
    cwd: root,
    stdio: 'inherit',
  });
  if (status !== 0) process.exit(status ?? 1);
}

const rows = [];
for (const name of selected) {
  const file = path.join(resultsDir, `${name}.json`);
  if (!fs.existsSync(file)) continue;
  const result = JSON.parse(fs.readFileSync(file, 'utf8'));
  for (const r of result.ratios ?? []) rows.push({ bench: name, ...r, load: result.loadAvgAtEnd?.[0] });
}
if (rows.length) {
  const width = Math.max(...rows.map((r) => r.metric.length));
  const cwidth = Math.max(...rows.map((r) => r.compared.length));
  console.log(
    `\n== ratios (${os.cpus().length} cpus, node ${process.version}, ${((Date.now() - started) / 1000).toFixed(0)} s, load avg now ${os
      .loadavg()
      .map((l) => l.toFixed(1))
      .join(' ')})`,
  );
  console.log(
    `${'bench'.padEnd(12)} ${'metric'.padEnd(width)} ${'compared'.padEnd(cwidth)}    value  target   met  load`,
  );
  for (const r of rows) {
    const value = Number.isFinite(r.value) ? r.value.toFixed(2) : String(r.value);
    console.log(
      `${r.bench.padEnd(12)} ${r.metric.padEnd(width)} ${r.compared.padEnd(cwidth)} ${value.padStart(8)}  ${(r.target ?? '').padEnd(7)} ${r.met === undefined ? '   ' : r.met ? 'yes' : ' no'}  ${r.load ?? ''}`,
    );
  }
}
