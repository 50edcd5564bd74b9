/**
 * Benchmark: access-token verification, in this process, one after another: a bare `jose`
 * `jwtVerify` of an EdDSA token (the floor), Agentry's `AccessTokens.verify` of a token it has not
 * seen (cache off) and of a repeat token (served from the verified-token cache). Ratios to the
 * bare verify, measured in the same run; CPU per call (all threads) beside them, steadier than wall
 * time on a loaded host. BENCH_TOKEN_VERIFICATIONS (3000 each).
 *
 *   npx tsx bench/token-verify/run.ts
 */
import crypto from 'node:crypto';
import { jwtVerify } from 'jose';
import { Metrics } from '../../apps/api/src/platform/metrics.js';
import { AccessTokens } from '../../apps/api/src/modules/auth/sessions/jwt.js';
import { atMost, loadAvg, writeResult } from '../results.js';

const N = Number(process.env.BENCH_TOKEN_VERIFICATIONS ?? 3000);
const { publicKey, privateKey } = crypto.generateKeyPairSync('ed25519');
const keys = { signingKey: () => ({ kid: 'k1', key: privateKey }), verifyingKey: async () => publicKey };
const options = { issuer: 'iss', audience: 'aud', ttlSeconds: 900 };
const cached = new AccessTokens(keys, options, new Metrics());
const uncached = new AccessTokens(keys, { ...options, cacheEntries: 0 }, new Metrics());
const claims = {
  sub: `user:${crypto.randomUUID()}`,
  tenant_id: crypto.randomUUID(),
  role: null,
  scope: 'chat:write',
  sid: crypto.randomUUID(),
  email_verified: true,
};
const { token } = await cached.sign(claims);

/** CPU µs per call of this process (all threads: WebCrypto verifies on the thread pool), by path. */
const cpu = { bare: [] as number[], first: [] as number[], repeat: [] as number[] };

/** Mean µs per call of `fn` over N calls, after N/10 warm-up calls; its CPU µs per call go to `cpuOut`. */
async function timeIt(fn: () => Promise<unknown>, cpuOut: number[]): Promise<number> {
  for (let i = 0; i < N / 10; i++) await fn();
  const cpu0 = process.cpuUsage();
  const start = process.hrtime.bigint();
  for (let i = 0; i < N; i++) await fn();
  const wall = Number(process.hrtime.bigint() - start) / 1e3 / N;
  const used = process.cpuUsage(cpu0);
  cpuOut.push((used.user + used.system) / N);
  return wall;
}

const bare = () =>
  jwtVerify(token, publicKey, {
    algorithms: ['EdDSA'],
    issuer: 'iss',
    audience: 'aud',
    typ: 'at+jwt',
    clockTolerance: 5,
  });
// Interleaved twice, so a load change on this shared host hits every path alike.
const runs = { bare: [] as number[], first: [] as number[], repeat: [] as number[] };
for (let round = 0; round < 2; round++) {
  runs.bare.push(await timeIt(bare, cpu.bare));
  runs.first.push(await timeIt(() => uncached.verify(token), cpu.first));
  runs.repeat.push(await timeIt(() => cached.verify(token), cpu.repeat));
}
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
const figures = {
  bareUs: mean(runs.bare),
  firstUs: mean(runs.first),
  repeatUs: mean(runs.repeat),
  bareCpuUs: mean(cpu.bare),
  firstCpuUs: mean(cpu.first),
  repeatCpuUs: mean(cpu.repeat),
};
console.log(`token-verify benchmark: ${N} verifications per path x2, load avg ${loadAvg().join(' ')}`);
console.log(`bare jose jwtVerify      ${figures.bareUs.toFixed(1)} µs (CPU ${figures.bareCpuUs.toFixed(1)} µs)`);
console.log(
  `AccessTokens, first seen ${figures.firstUs.toFixed(1)} µs (x${(figures.firstUs / figures.bareUs).toFixed(2)}; CPU ${figures.firstCpuUs.toFixed(1)} µs, x${(figures.firstCpuUs / figures.bareCpuUs).toFixed(2)})`,
);
console.log(
  `AccessTokens, repeat     ${figures.repeatUs.toFixed(1)} µs (x${(figures.repeatUs / figures.bareUs).toFixed(2)}; CPU ${figures.repeatCpuUs.toFixed(1)} µs)`,
);
writeResult('token-verify', {
  label: 'in-process',
  ratios: [
    atMost('repeat-token verification', 'Agentry / bare jose', figures.repeatUs / figures.bareUs, 0.25),
    atMost('first-token verification', 'Agentry / bare jose', figures.firstUs / figures.bareUs, 1.1),
  ],
  figures,
});
