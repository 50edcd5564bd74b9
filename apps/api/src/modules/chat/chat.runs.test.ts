import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, listenOnFreePort, type TestApp } from '../../../test/harness.js';
import { signUp, type TestUser } from '../../../test/factories.js';
import { parseSse, streamSse, type ParsedEvent } from '../../../test/support/sse-client.js';

async function listen(t: TestApp): Promise<number> {
  return Number(new URL(await listenOnFreePort(t.app)).port);
}

const TWENTY_WORDS =
  'please tell me a long story about seven blue whales that sing songs across the cold northern sea every single winter night';

describe('runs belong to the server: disconnect, resume, replicas, cancel', () => {
  let t: TestApp;
  let replica: TestApp;
  let port: number;
  let replicaPort: number;
  let user: TestUser;
  beforeAll(async () => {
    t = await createTestApp({ OFFLINE_MODEL_DELAY_MS: '15' });
    replica = await createTestApp(
      { OFFLINE_MODEL_DELAY_MS: '15', DATA_DIR: t.config.dataDir },
      { database: t.database, ports: t.ports },
    );
    port = await listen(t);
    replicaPort = await listen(replica);
    user = await signUp(t.app);
  });
  afterAll(async () => {
    await replica.close();
    await t.close();
  });

  const ids = (events: ParsedEvent[]) => events.map((e) => Number(e.id));

  it('finishes a run after the client hangs up, and resumes with exactly the missing events', async () => {
    const first = await streamSse({
      port,
      method: 'POST',
      path: '/api/v1/chat/stream',
      headers: user.headers,
      body: { message: TWENTY_WORDS },
      stopWhen: (_e, all) => all.length === 3,
    });
    expect(first.aborted).toBe(true);
    expect(first.events.map((e) => e.event)).toEqual(['run.started', 'message.delta', 'message.delta']);
    const runId = String(first.headers['x-run-id']);

    // Resume on the other replica with Last-Event-ID: the rest of the run, from 4, exactly once each.
    const rest = await streamSse({
      port: replicaPort,
      method: 'GET',
      path: `/api/v1/chat/runs/${runId}/events`,
      headers: { ...user.headers, 'last-event-id': '3' },
    });
    expect(rest.status).toBe(200);
    expect(ids(rest.events)).toEqual(rest.events.map((_, i) => i + 4));
    const done = rest.events.at(-1)!;
    expect(done.event).toBe('run.completed');
    const all = [...first.events, ...rest.events];
    expect(
      all
        .filter((e) => e.event === 'message.delta')
        .map((e) => e.data.delta)
        .join(''),
    ).toBe(done.data.response);

    // The run was persisted although nobody was listening at its end.
    const conv = (
      await t.app.inject({
        method: 'GET',
        url: `/api/v1/conversations/${done.data.conversation_id}`,
        headers: user.headers,
      })
    ).json();
    expect(conv.messages.map((m: { content: string }) => m.content)).toEqual([TWENTY_WORDS, done.data.response]);

    // ?after= works like the header, and a finished run replays and ends.
    const replay = await t.app.inject({
      method: 'GET',
      url: `/api/v1/chat/runs/${runId}/events?after=${all.length - 3}`,
      headers: user.headers,
    });
    expect(parseSse(replay.body).map((e) => e.event)).toEqual([
      'message.delta',
      'conversation.titled',
      'run.completed',
    ]);
    const full = parseSse(
      (await t.app.inject({ method: 'GET', url: `/api/v1/chat/runs/${runId}/events`, headers: user.headers })).body,
    );
    expect(full).toEqual(all);
  });

  it('cancels a run from another replica: it ends with run.failed run_cancelled and keeps the user message', async () => {
    let cancelled = false;
    const res = await streamSse({
      port,
      method: 'POST',
      path: '/api/v1/chat/stream',
      headers: user.headers,
      body: { message: TWENTY_WORDS },
      stopWhen: (e, all) => {
        if (!cancelled && e.event === 'message.delta') {
          cancelled = true;
          void replica.app
            .inject({ method: 'POST', url: `/api/v1/chat/runs/${all[0].data.run_id}/cancel`, headers: user.headers })
            .then((r) => expect(r.statusCode).toBe(202));
        }
        return false;
      },
    });
    const last = res.events.at(-1)!;
    expect(last).toMatchObject({ event: 'run.failed', data: { code: 'run_cancelled', retryable: false } });
    expect(res.events.filter((e) => e.event === 'run.completed')).toHaveLength(0);
    const conv = (
      await t.app.inject({
        method: 'GET',
        url: `/api/v1/conversations/${res.events[0].data.conversation_id}`,
        headers: user.headers,
      })
    ).json();
    expect(conv.messages.map((m: { role: string }) => m.role)).toEqual(['user']);
    // Cancelling a finished run is accepted and changes nothing.
    expect(
      (
        await t.app.inject({
          method: 'POST',
          url: `/api/v1/chat/runs/${last.data.run_id}/cancel`,
          headers: user.headers,
        })
      ).statusCode,
    ).toBe(202);
  });

  it('stops a run at the run timeout with a retryable run_timeout', async () => {
    const slow = await createTestApp(
      { OFFLINE_MODEL_DELAY_MS: '150', CHAT_RUN_TIMEOUT_MS: '1000', DATA_DIR: t.config.dataDir },
      { database: t.database, ports: t.ports },
    );
    try {
      const res = await slow.app.inject({
        method: 'POST',
        url: '/api/v1/chat/stream',
        headers: user.headers,
        payload: { message: TWENTY_WORDS },
      });
      expect(parseSse(res.body).at(-1)).toMatchObject({
        event: 'run.failed',
        data: { code: 'run_timeout', retryable: true },
      });
    } finally {
      await slow.close();
    }
  });
});
