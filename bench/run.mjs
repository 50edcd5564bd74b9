#!/usr/bin/env node
// `npm run bench`: runs every benchmark under bench/ one after another (each prints its own table).
// DATABASE_URL/REDIS_URL (or TEST_*) switch them to real PostgreSQL/Redis; embedded otherwise.
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const benchmarks = [
  'bench/chat-stream/run.ts',
  'bench/ratelimit/run.ts',
  'bench/audit/run.ts',
  'bench/conversations/run.ts',
  'bench/guardrails/run.ts',
  'bench/knowledge/run.ts',
];
for (const script of benchmarks) {
  console.log(`\n== ${script}`);
  const { status } = spawnSync(process.execPath, ['--import', 'tsx', script], { cwd: root, stdio: 'inherit' });
  if (status !== 0) process.exit(status ?? 1);
}
