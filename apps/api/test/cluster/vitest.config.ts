import { defineConfig } from 'vitest/config';

/**
 * `npm run test:cluster`: the multi-process cluster (test/cluster/cluster.ts) — API replicas,
 * workers, nginx, private PostgreSQL and Redis — one file at a time (each starts its own cluster).
 */
export default defineConfig({
  test: {
    root: new URL('../..', import.meta.url).pathname,
    include: ['test/cluster/**/*.cluster.ts'],
    environment: 'node',
    pool: 'forks',
    maxWorkers: 1,
    fileParallelism: false,
    testTimeout: 120_000,
    hookTimeout: 240_000,
    globalSetup: ['test/build-api.ts'],
  },
});
