import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, listenOnFreePort, type TestApp } from '../../../test/harness.js';
import { signUp, type TestUser } from '../../../test/factories.js';
import { streamSse } from '../../../test/support/sse-client.js';

async function listen(t: TestApp): Promise<number> {
  return Number(new URL(await listenOnFreePort(t.app)).port);
}

describe('stale runs: the reaper ends runs whose replica died', () => {
  let dead: TestApp;
  let worker: TestApp;
  let deadPort: number;
  let workerPort: number;
  let user: TestUser;
  beforeAll(async () => {
    // The "dead" replica: api role only, its model hangs after the first word and it never
    // refreshes heartbeats — from the outside exactly what a crashed replica leaves behind.
    dead = await createTestApp({
      AGENTRY_ROLES: 'api',
      OFFLINE_MODEL_DELAY_MS: '600000',
      CHAT_RUN_HEARTBEAT_MS: '3600000',
      SHUTDOWN_GRACE_MS: '400',
    });
    worker = await createTestApp(
      {
        AGENTRY_ROLES: 'api,worker',
        CHAT_RUN_STALE_MS: '1000',
        CHAT_RUN_REAPER_INTERVAL_MS: '200',
        DATA_DIR: dead.config.dataDir,
      },
      { database: dead.database, ports: dead.ports },
    );
    deadPort = await listen(dead);
    workerPort = await listen(worker);
    user = await signUp(dead.app);
  });
  afterAll(async () => {
    await worker.close();
    await dead.close();
  });

  it('marks the run failed and appends a retryable run.failed run_lost that followers on another replica receive', async () => {
    const started = await streamSse({
      port: deadPort,
      method: 'POST',
      path: '/api/v1/chat/stream',
      headers: user.headers,
      body: { message: 'hello there, who are you' },
      stopWhen: (e) => e.event === 'message.delta',
    });
    const runId = String(started.headers['x-run-id']);
    expect(started.events.map((e) => e.event)).toEqual(['run.started', 'message.delta']);

    // A follower on the other replica, waiting for the end of a run nobody runs any more.
    const t0 = Date.now();
    const followed = await streamSse({
      port: workerPort,
      method: 'GET',
      path: `/api/v1/chat/runs/${runId}/events`,
      headers: { ...user.headers, 'last-event-id': '1' },
    });
    expect(Date.now() - t0).toBeLessThan(10_000);
    expect(followed.events.map((e) => [Number(e.id), e.event])).toEqual([
      [2, 'message.delta'],
      [3, 'run.failed'],
    ]);
    expect(followed.events[1]!.data).toEqual({
      run_id: runId,
      code: 'run_lost',
      message: expect.any(String),
      retryable: true,
    });

    // The run is over for everyone: a replay ends with the same terminal event at once.
    const replay = await worker.app.inject({
      method: 'GET',
      url: `/api/v1/chat/runs/${runId}/events`,
      headers: user.headers,
    });
    expect(replay.body).toContain('event: run.failed');
    // Cancel of a finished run is a no-op (202), and the user's message is kept.
    expect(
      (await worker.app.inject({ method: 'POST', url: `/api/v1/chat/runs/${runId}/cancel`, headers: user.headers }))
        .statusCode,
    ).toBe(202);
    const conv = (
      await worker.app.inject({
        method: 'GET',
        url: `/api/v1/conversations/${started.events[0]!.data.conversation_id}`,
        headers: user.headers,
      })
    ).json();
    expect(conv.messages.map((m: { role: string }) => m.role)).toEqual(['user']);
  });

  it('leaves runs with a fresh heartbeat alone', async () => {
    const live = await createTestApp(
      {
        AGENTRY_ROLES: 'api',
        OFFLINE_MODEL_DELAY_MS: '100',
        CHAT_RUN_HEARTBEAT_MS: '200',
        DATA_DIR: dead.config.dataDir,
      },
      { database: dead.database, ports: dead.ports },
    );
    try {
      // 25 words at 100 ms: about 2.5 s, longer than the 1 s stale limit; the heartbeat keeps it alive.
      const res = await live.app.inject({
        method: 'POST',
        url: '/api/v1/chat/stream',
        headers: user.headers,
        payload: {
          message:
            'one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen seventeen eighteen nineteen twenty',
        },
      });
      expect(res.body).toContain('event: run.completed');
      expect(res.body).not.toContain('run_lost');
    } finally {
      await live.close();
    }
  });
});
