import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunEvent } from '@agentry/contracts';
import { createTestApp, createTestPorts, listenOnFreePort, type TestApp } from '../../../test/harness.js';
import { signUp, type TestUser } from '../../../test/factories.js';
import type { EventStreams, Ports } from '../../platform/ports/types.js';
import { streamSse, type ParsedEvent } from '../../../test/support/sse-client.js';
import { LiveRun } from './live-runs.js';
import { parseEntry, runStreamKey, RunEventWriter, type LoggedRunEvent } from './run-events.js';

const RUN = '00000000-0000-4000-8000-000000000001';
const delta = (i: number): RunEvent => ({ event: 'message.delta', data: { delta: ` w${i}` } });
const failed: RunEvent = {
  event: 'run.failed',
  data: { run_id: RUN, code: 'internal_error', message: 'x', retryable: false },
};
const tick = () => new Promise((r) => setImmediate(r));

async function collect(gen: AsyncGenerator<LoggedRunEvent>, onEach?: (e: LoggedRunEvent) => Promise<void>) {
  const out: LoggedRunEvent[] = [];
  for await (const e of gen) {
    out.push(e);
    await onEach?.(e);
  }
  return out;
}

describe('the in-process fast path of a run (LiveRun + pipelined writer)', () => {
  let ports: Ports;
  beforeAll(() => {
    ports = createTestPorts();
  });
  afterAll(async () => {
    await ports.close();
  });

  it('delivers every event exactly once, in order, across the switch from replay to live, and the log has the same', async () => {
    const runId = crypto.randomUUID();
    const live = new LiveRun();
    const writer = new RunEventWriter(ports.streams, runId, live);
    for (let i = 1; i <= 3; i++) await writer.append(delta(i));
    await writer.flush();
    // Followers join at different points while the writer keeps appending between their reads.
    const followers = [0, 1, 3].map((after) =>
      collect(live.follow(after, new AbortController().signal), async () => void (await tick())),
    );
    for (let i = 4; i <= 120; i++) {
      await writer.append(delta(i));
      if (i % 7 === 0) await tick();
      if (i === 60) followers.push(collect(live.follow(42, new AbortController().signal)));
    }
    await writer.append(failed);
    await writer.flush();
    live.end();
    const results = await Promise.all(followers);
    for (const [k, after] of [0, 1, 3, 42].entries()) {
      expect(results[k]!.map((e) => e.id)).toEqual(Array.from({ length: 121 - after }, (_, i) => after + i + 1));
    }
    const logged = (await ports.streams.read(runStreamKey(runId), null, 1000)).map(parseEntry);
    expect(results[0]).toEqual(logged);
  });

  it('stops delivering at the first failed append; later appends and flush fail', async () => {
    const real = ports.streams;
    const failing: EventStreams = {
      ...real,
      append: (stream, data, options) =>
        options?.id === '3-0' ? Promise.reject(new Error('log down')) : real.append(stream, data, options),
      read: real.read.bind(real),
      expire: real.expire.bind(real),
      watch: real.watch.bind(real),
    };
    const live = new LiveRun();
    const writer = new RunEventWriter(failing, crypto.randomUUID(), live);
    await writer.append(delta(1));
    await writer.append(delta(2));
    await writer.append(delta(3));
    await writer.append(delta(4)).catch(() => undefined);
    await expect(writer.flush()).rejects.toThrow('log down');
    await expect(writer.append(delta(5))).rejects.toThrow('log down');
    live.end();
    const got = await collect(live.follow(0, new AbortController().signal));
    expect(got.map((e) => e.id)).toEqual([1, 2]);
  });
});

describe('following a run on the replica running it', () => {
  let t: TestApp;
  let port: number;
  let user: TestUser;
  beforeAll(async () => {
    t = await createTestApp({ OFFLINE_MODEL_DELAY_MS: '10' });
    port = Number(new URL(await listenOnFreePort(t.app)).port);
    user = await signUp(t.app);
  });
  afterAll(async () => {
    await t.close();
  });

  it('resumes on the same replica with Last-Event-ID: exactly the missing events, ids 1, 2, 3 …', async () => {
    const message = 'tell me a long story about seven blue whales that sing across the cold northern sea';
    const first = await streamSse({
      port,
      method: 'POST',
      path: '/api/v1/chat/stream',
      headers: user.headers,
      body: { message },
      stopWhen: (_e, all) => all.length === 4,
    });
    const runId = String(first.headers['x-run-id']);
    const rest = await streamSse({
      port,
      method: 'GET',
      path: `/api/v1/chat/runs/${runId}/events`,
      headers: { ...user.headers, 'last-event-id': '4' },
    });
    const all: ParsedEvent[] = [...first.events, ...rest.events];
    expect(all.map((e) => Number(e.id))).toEqual(all.map((_, i) => i + 1));
    const done = all.at(-1)!;
    expect(done.event).toBe('run.completed');
    expect(
      all
        .filter((e) => e.event === 'message.delta')
        .map((e) => e.data.delta)
        .join(''),
    ).toBe(done.data.response);
    // A follower that joins in the middle, while the run is live, gets the same events.
    const again = await streamSse({
      port,
      method: 'GET',
      path: `/api/v1/chat/runs/${runId}/events`,
      headers: user.headers,
    });
    expect(again.events).toEqual(all);
  });
});
