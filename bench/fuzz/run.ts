/**
 * The long fuzzing run: requests generated from the API's own OpenAPI document (every operation;
 * valid and hostile bodies, query strings, headers, tokens) against the whole app in-process.
 * Zero 5xx is the bar; on a failure fast-check prints the seed and path that reproduce it.
 *
 *   FUZZ_RUNS=10000 FUZZ_SEED=42 node --import tsx bench/fuzz/run.ts
 *
 * TEST_DATABASE_URL / TEST_REDIS_URL switch it to real PostgreSQL and Redis (embedded otherwise).
 */
import { startFuzzTarget } from '../../apps/api/test/fuzz/fuzz-app.js';

const runs = Number(process.env.FUZZ_RUNS ?? 10_000);
const seed = Number(process.env.FUZZ_SEED ?? Date.now() % 2 ** 31);
const target = await startFuzzTarget();
console.log(`fuzz: ${runs} requests over ${target.operations.length} operations, seed ${seed}`);
const started = Date.now();
let code = 0;
try {
  const counts = await target.run(runs, seed);
  const byStatus = [...counts.entries()].sort((a, b) => a[0] - b[0]).map(([s, n]) => `${s}: ${n}`);
  console.log(
    `no 5xx in ${runs} requests (${((Date.now() - started) / 1000).toFixed(1)} s); by status ${byStatus.join(', ')}`,
  );
} catch (err) {
  console.error(`FAILED with seed ${seed}:\n${(err as Error).message}`);
  code = 1;
} finally {
  await target.close();
}
process.exit(code);
