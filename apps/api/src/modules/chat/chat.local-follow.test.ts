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
    for (let i = 1; i <= 3; i++) {
      await writer.append(delta(i));
      await tick();
    }
    await writer.flush();
    // Followers join at different points while the writer keeps appending between their reads.
    const followers = [0, 1, 3].map((after) =>
      collect(live.follow(after, new AbortController().signal), async () => void (await tick())),
    );
    // One tick per delta: each is its own batch (deltas within a tick are coalesced, tested below).
    for (let i = 4; i <= 120; i++) {
      await writer.append(delta(i));
      await tick();
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
      appendMany: (stream, entries) =>
        entries.some((e) => e.id === '3-0') ? Promise.reject(new Error('log down')) : real.appendMany(stream, entries),
      read: real.read.bind(real),
      expire: real.expire.bind(real),
      watch: real.watch.bind(real),
    };
    const live = new LiveRun();
    const writer = new RunEventWriter(failing, crypto.randomUUID(), live);
    // A tick between appends: one batch each (ids 1 … 4).
    for (let i = 1; i <= 4; i++) {
      await writer.append(delta(i)).catch(() => undefined);
      await tick();
    }
    await expect(writer.flush()).rejects.toThrow('log down');
    await expect(writer.append(delta(5))).rejects.toThrow('log down');
    live.end();
    const got = await collect(live.follow(0, new AbortController().signal));
    expect(got.map((e) => e.id)).toEqual([1, 2]);
  });

  it("sets the log's retention inside its appends: from the first batch, from the end (terminal or paused)", async () => {
    const real = ports.streams;
    const sent: { ids: string[]; ttlSeconds?: number }[] = [];
    let expires = 0;
    const recording: EventStreams = {
      ...real,
      appendMany: (stream, entries, options) => {
        sent.push({ ids: entries.map((e) => e.id), ttlSeconds: options?.ttlSeconds });
        return real.appendMany(stream, entries, options);
      },
      read: real.read.bind(real),
      expire: async (stream, seconds) => {
        expires++;
        await real.expire(stream, seconds);
      },
      watch: real.watch.bind(real),
    };
    const retention = { runningSeconds: 700, endedSeconds: 300, pausedSeconds: 1000 };
    const ended = new RunEventWriter(recording, crypto.randomUUID(), undefined, undefined, 1, retention);
    expect(ended.retainedAfterEnd).toBe(false);
    await ended.append({ event: 'run.started', data: { run_id: RUN, conversation_id: RUN, agent: 'a' } });
    await ended.flush();
    await ended.append(delta(1));
    await tick();
    await ended.append(delta(2));
    await ended.append(failed);
    await ended.flush();
    expect(sent).toEqual([
      { ids: ['1-0'], ttlSeconds: 700 },
      { ids: ['2-0'], ttlSeconds: undefined },
      { ids: ['3-0', '4-0'], ttlSeconds: 300 },
    ]);
    expect(ended.retainedAfterEnd).toBe(true);

    sent.length = 0;
    const paused = new RunEventWriter(recording, crypto.randomUUID(), undefined, undefined, 5, retention);
    await paused.append({ event: 'run.resumed', data: { run_id: RUN } });
    await paused.append({ event: 'run.paused', data: { run_id: RUN, approvals: [] } });
    await paused.flush();
    expect(sent).toEqual([{ ids: ['5-0', '6-0'], ttlSeconds: 1000 }]);
    expect(paused.retainedAfterEnd).toBe(true);
    expect(expires).toBe(0); // no command of its own

    // Without a retention the writer leaves the expiry alone.
    sent.length = 0;
    const plain = new RunEventWriter(recording, crypto.randomUUID());
    await plain.append(failed);
    await plain.flush();
    expect(sent).toEqual([{ ids: ['1-0'], ttlSeconds: undefined }]);
    expect(plain.retainedAfterEnd).toBe(false);
  });

  it('a failed append after the end leaves the retention to the caller', async () => {
    const real = ports.streams;
    const failing: EventStreams = {
      ...real,
      appendMany: (stream, entries, options) =>
        entries.some((e) => e.id === '2-0')
          ? Promise.reject(new Error('log down'))
          : real.appendMany(stream, entries, options),
      read: real.read.bind(real),
      expire: real.expire.bind(real),
      watch: real.watch.bind(real),
    };
    const retention = { runningSeconds: 700, endedSeconds: 300, pausedSeconds: 1000 };
    const writer = new RunEventWriter(failing, crypto.randomUUID(), undefined, undefined, 1, retention);
    await writer.append({ event: 'run.paused', data: { run_id: RUN, approvals: [] } });
    await writer.flush();
    expect(writer.retainedAfterEnd).toBe(true);
    await writer.append(failed);
    await expect(writer.flush()).rejects.toThrow('log down');
    expect(writer.retainedAfterEnd).toBe(false);
  });

  it('coalesces the deltas of one tick into one event; other events split them; ids stay consecutive', async () => {
    const runId = crypto.randomUUID();
    const live = new LiveRun();
    const seen: RunEvent[] = [];
    const writer = new RunEventWriter(ports.streams, runId, live, (e) => seen.push(e));
    const ids: number[] = [];
    for (let i = 1; i <= 5; i++) ids.push(await writer.append(delta(i)));
    ids.push(await writer.append({ event: 'agent.updated', data: { from: 'a', to: 'b' } }));
    for (let i = 6; i <= 8; i++) ids.push(await writer.append(delta(i)));
    await tick();
    ids.push(await writer.append(delta(9)));
    ids.push(await writer.append(failed));
    await writer.flush();
    live.end();
    // The observer (metrics) saw every event as appended; the log and the live view the coalesced ones.
    expect(seen).toHaveLength(11);
    expect(ids).toEqual([1, 1, 1, 1, 1, 2, 3, 3, 3, 4, 5]);
    const logged = (await ports.streams.read(runStreamKey(runId), null, 1000)).map(parseEntry);
    expect(logged.map((e) => [e.id, e.event])).toEqual([
      [1, 'message.delta'],
      [2, 'agent.updated'],
      [3, 'message.delta'],
      [4, 'message.delta'],
      [5, 'run.failed'],
    ]);
    const text = logged
      .flatMap((e) => (e.event === 'message.delta' ? [(e.data as { delta: string }).delta] : []))
      .join('');
    expect(text).toBe(Array.from({ length: 9 }, (_, i) => ` w${i + 1}`).join(''));
    expect(await collect(live.follow(0, new AbortController().signal))).toEqual(logged);
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
