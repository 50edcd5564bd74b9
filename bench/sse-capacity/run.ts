/**
 * SSE capacity: SSE_STREAMS (10,000) idle billing streams held open on ONE API process (real
 * PostgreSQL and Redis of the cluster harness, billing on against the fake Stripe), connected
 * straight to the process. Prints memory per connection (RSS and heap growth / streams), whether
 * the `: ping` comments arrive on time (lateness past SSE_HEARTBEAT_MS, p50/p99/max), and the
 * process's event-loop delay (its own /metrics) while the streams are held for SSE_HOLD_SECONDS.
 *
 *   SSE_STREAMS=10000 SSE_HOLD_SECONDS=60 node --import tsx bench/sse-capacity/run.ts
 */
import fs from 'node:fs';
import net from 'node:net';
import { METRICS_TOKEN, startCluster } from '../../apps/api/test/cluster/cluster.js';
import { signUpVia } from '../../apps/api/test/cluster/cluster-client.js';

const streams = Number(process.env.SSE_STREAMS ?? 10_000);
const holdSeconds = Number(process.env.SSE_HOLD_SECONDS ?? 60);
const heartbeatMs = Number(process.env.SSE_HEARTBEAT_MS ?? 5000);

process.once('SIGINT', () => process.exit(130)); // the cluster's processes stop with the runner
const cluster = await startCluster({
  apis: 1,
  workers: 0,
  env: { SSE_HEARTBEAT_MS: String(heartbeatMs), RATE_LIMIT_BILLING_STREAM_CONCURRENCY: '0' },
});
const api = cluster.apis[0];
const pid = api.child.pid!;
const user = await signUpVia(api.url);

const rssMb = () => Number(/VmRSS:\s+(\d+)/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) / 1024;
async function metric(name: string): Promise<number> {
  const text = await (
    await fetch(`${api.url}/metrics`, { headers: { authorization: `Bearer ${METRICS_TOKEN}` } })
  ).text();
  const line = text.split('\n').find((l) => l.startsWith(`${name} `));
  return line ? Number(line.split(' ')[1]) : Number.NaN;
}

const request = [
  'GET /api/v1/billing/stream HTTP/1.1',
  `Host: 127.0.0.1:${api.port}`,
  `Authorization: ${user.headers.authorization}`,
  'Accept: text/event-stream',
  '',
  '',
].join('\r\n');
const lateness: number[] = [];
let measuring = false;
let refused = 0;
let closedEarly = 0;
const sockets: net.Socket[] = [];

function open(): Promise<void> {
  return new Promise((resolve) => {
    const socket = net.connect(api.port, '127.0.0.1');
    let last = 0;
    let answered = false;
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      if (!answered) {
        answered = true;
        if (!chunk.startsWith('HTTP/1.1 200')) refused++;
        last = Date.now();
        resolve();
      }
      const pings = chunk.split(': ping').length - 1;
      if (pings) {
        const now = Date.now();
        if (measuring) lateness.push(now - last - heartbeatMs);
        last = now;
      }
    });
    socket.on('error', () => {
      if (!answered) refused++;
      resolve();
    });
    socket.on('close', () => {
      if (answered && !stopping) closedEarly++;
    });
    socket.write(request);
    sockets.push(socket);
  });
}
let stopping = false;

const rssBefore = rssMb();
const heapBefore = await metric('nodejs_heap_size_used_bytes');
console.log(
  `sse-capacity: ${streams} idle billing streams on one API process (pid ${pid}), ping every ${heartbeatMs} ms`,
);
const started = Date.now();
for (let i = 0; i < streams; i += 250) await Promise.all(Array.from({ length: Math.min(250, streams - i) }, open));
console.log(
  `opened ${streams - refused} streams in ${((Date.now() - started) / 1000).toFixed(1)} s (${refused} refused)`,
);
await new Promise((r) => setTimeout(r, 2000));
const rssOpen = rssMb();
const heapOpen = await metric('nodejs_heap_size_used_bytes');
measuring = true;
const lags: number[] = [];
const holdEnd = Date.now() + holdSeconds * 1000;
while (Date.now() < holdEnd) {
  await new Promise((r) => setTimeout(r, 5000));
  lags.push((await metric('nodejs_eventloop_lag_p99_seconds')) * 1000);
}
const opened = streams - refused;
const sorted = [...lateness].sort((a, b) => a - b);
const at = (p: number) => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? Number.NaN;
console.log(
  `memory: RSS ${rssBefore.toFixed(0)} → ${rssOpen.toFixed(0)} MB (${(((rssOpen - rssBefore) * 1024) / opened).toFixed(1)} KiB per stream), ` +
    `heap ${(heapBefore / 2 ** 20).toFixed(0)} → ${(heapOpen / 2 ** 20).toFixed(0)} MB (${((heapOpen - heapBefore) / 1024 / opened).toFixed(1)} KiB per stream)`,
);
console.log(
  `pings: ${lateness.length} in ${holdSeconds} s (expected ≈ ${Math.floor((opened * holdSeconds * 1000) / heartbeatMs)}); ` +
    `lateness past ${heartbeatMs} ms p50 ${at(0.5)} ms, p99 ${at(0.99)} ms, max ${sorted.at(-1)} ms`,
);
console.log(
  `event-loop delay p99 (the process's own histogram, every 5 s): ${lags.map((l) => l.toFixed(1)).join(', ')} ms; streams closed early: ${closedEarly}`,
);
stopping = true;
for (const s of sockets) s.destroy();
await cluster.close();
process.exit(refused === 0 && closedEarly === 0 ? 0 : 1);
