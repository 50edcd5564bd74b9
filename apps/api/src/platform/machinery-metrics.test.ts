import { Writable } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { createLogger } from './logger.js';
import { Metrics } from './metrics.js';
import { createMemoryPorts } from './ports/memory.js';
import { SseRegistry, type SseStream } from './sse.js';
import { instrumentJobQueue, registerStreamGauge } from './machinery-metrics.js';
import { sampleValue } from '../../test/support/metrics.js';

const sample = async (metrics: Metrics, line: string) => sampleValue(await metrics.registry.metrics(), line);
const waitFor = async (predicate: () => Promise<boolean>) => {
  const deadline = Date.now() + 5000;
  while (!(await predicate())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
};

describe('job metrics', () => {
  const ports = createMemoryPorts();
  afterAll(() => ports.close());

  it('count enqueued jobs, attempts by outcome, dead jobs, and log job.dead', async () => {
    const metrics = new Metrics();
    const lines: Record<string, unknown>[] = [];
    const logger = createLogger(
      'info',
      new Writable({
        write(c, _e, done) {
          lines.push(JSON.parse(String(c)));
          done();
        },
      }),
    );
    const jobs = instrumentJobQueue(ports.jobs, metrics, logger);
    const failedIds: string[] = [];
    jobs.process<{ ok: boolean }>(
      'demo',
      async (job) => {
        if (!job.data.ok) throw new Error('nope');
      },
      { onFailed: (job) => failedIds.push(job.id) },
    );
    await jobs.enqueue('demo', { ok: true });
    await jobs.enqueue('demo', { ok: false }, { jobId: 'bad', attempts: 2, backoffMs: 10 });
    await waitFor(async () => failedIds.length === 1);
    expect(failedIds).toEqual(['bad']); // the module's own onFailed still runs
    expect(await sample(metrics, 'jobs_enqueued_total{job_name="demo"}')).toBe(2);
    expect(await sample(metrics, 'jobs_processed_total{job_name="demo",outcome="completed"}')).toBe(1);
    expect(await sample(metrics, 'jobs_processed_total{job_name="demo",outcome="failed"}')).toBe(2);
    expect(await sample(metrics, 'jobs_dead_total{job_name="demo"}')).toBe(1);
    expect(await sample(metrics, 'job_duration_seconds_count{job_name="demo",outcome="failed"}')).toBe(2);
    expect(lines.filter((l) => l.event === 'job.attempt_failed')).toHaveLength(2);
    expect(lines.filter((l) => l.event === 'job.dead')).toHaveLength(1);
  });
});

describe('sse_streams_open', () => {
  it('reads the open streams of the registry at scrape time', async () => {
    const metrics = new Metrics();
    const sse = new SseRegistry();
    registerStreamGauge(metrics, sse);
    registerStreamGauge(metrics, sse); // idempotent
    expect(await sample(metrics, 'sse_streams_open')).toBe(0);
    const controller = new AbortController();
    const fake = { signal: controller.signal } as SseStream;
    sse.add(fake);
    expect(await sample(metrics, 'sse_streams_open')).toBe(1);
    controller.abort();
    expect(await sample(metrics, 'sse_streams_open')).toBe(0);
  });
});
