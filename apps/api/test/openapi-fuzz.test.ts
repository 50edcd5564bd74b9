import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFuzzTarget } from './fuzz/fuzz-app.js';

/**
 * Requests generated from the server's own OpenAPI document: every route, valid and hostile
 * bodies, query strings, headers and tokens — never a 5xx. A short seeded run here; the long run is
 * `bench/fuzz` (FUZZ_RUNS, FUZZ_SEED).
 */
let target: Awaited<ReturnType<typeof startFuzzTarget>>;
beforeAll(async () => {
  target = await startFuzzTarget();
});
afterAll(async () => target?.close());

describe('fuzzing from the OpenAPI document', () => {
  it('answers 1,000 generated requests over every operation without a 5xx', async () => {
    expect(target.operations.length).toBeGreaterThan(100);
    const seed = Number(process.env.FUZZ_SEED ?? 20261206);
    const counts = await target.run(Number(process.env.FUZZ_RUNS ?? 1000), seed);
    expect([...counts.values()].reduce((a, b) => a + b, 0)).toBeGreaterThanOrEqual(1000);
    // The generator reaches the handlers, not only the validators.
    expect([...counts.keys()].some((s) => s >= 200 && s < 300)).toBe(true);
  }, 240_000);
});
