import { buildIfStale } from '../scripts/build.mjs';

/**
 * Vitest global setup (unit and cluster configs): builds apps/api/dist once, before any test file
 * runs, when the sources changed since the last build, so no test spawns a stale `node dist/main.js`.
 * The helpers that spawn it (support/api-process.ts, cluster/cluster.ts) call buildIfStale too, for
 * their users outside vitest (benchmarks); under vitest theirs finds the build fresh.
 */
export default async function setup() {
  await buildIfStale();
}
