import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../../test/harness.js';
import { signUp, type TestUser } from '../../../test/factories.js';
import { parseSse } from '../../../test/support/sse-client.js';

describe('chat over HTTP (offline model)', () => {
  let t: TestApp;
  let user: TestUser;
  beforeAll(async () => {
    t = await createTestApp();
    user = await signUp(t.app);
  });
  afterAll(() => t.close());

  it('POST /chat answers and stores both messages', async () => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/v1/chat',
      headers: user.headers,
      payload: { message: 'hello there friend' },
    });
    expect(res.statusCode, res.body).toBe(200);
    const body = res.json();
    expect(body.agent).toBe('triage');
    expect(body.response.split(' ').length).toBeGreaterThanOrEqual(3 + 5);
    expect(body.usage.output_tokens).toBe(body.response.split(' ').length);
    const conv = await t.app.inject({
      method: 'GET',
      url: `/api/v1/conversations/${body.conversation_id}`,
      headers: user.headers,
    });
    expect(conv.statusCode).toBe(200);
    expect(conv.json().messages.map((m: { role: string; content: string }) => [m.role, m.content])).toEqual([
      ['user', 'hello there friend'],
      ['assistant', body.response],
    ]);
    expect(conv.json().title).toBe('hello there friend');
  });

  it('POST /chat/stream streams a handoff: run.started, agent.updated, deltas, run.completed', async () => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/v1/chat/stream',
      headers: user.headers,
      payload: { message: 'fix the bug in my TypeScript code' },
    });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toContain('text/event-stream');
    const runId = res.headers['x-run-id'];
    const events = parseSse(res.body);
    expect(events.map((e) => Number(e.id))).toEqual(events.map((_, i) => i + 1));
    expect(events[0]).toMatchObject({ event: 'run.started', data: { run_id: runId, agent: 'triage' } });
    expect(events[1]).toMatchObject({ event: 'agent.updated', data: { from: 'triage', to: 'code_assistant' } });
    const deltas = events.filter((e) => e.event === 'message.delta');
    // Deltas of one event-loop turn are one event (run-events.ts): at least one, texts concatenating.
    expect(deltas.length).toBeGreaterThan(0);
    expect(events.slice(2, -2).every((e) => e.event === 'message.delta')).toBe(true);
    // A new conversation's title (offline: its first words) comes before the terminal event.
    expect(events.at(-2)).toMatchObject({
      event: 'conversation.titled',
      data: { conversation_id: events[0].data.conversation_id, title: 'fix the bug in my TypeScript code' },
    });
    const done = events[events.length - 1];
    expect(done.event).toBe('run.completed');
    expect(deltas.map((e) => e.data.delta).join('')).toBe(done.data.response);
    expect(done.data.agent).toBe('code_assistant');
  });
});

describe('chat: tools, bad input, failures', () => {
  let t: TestApp;
  let user: TestUser;
  let other: TestUser;
  beforeAll(async () => {
    t = await createTestApp();
    user = await signUp(t.app);
    other = await signUp(t.app);
  });
  afterAll(() => t.close());

  const stream = (headers: TestUser['headers'], payload: unknown) =>
    t.app.inject({ method: 'POST', url: '/api/v1/chat/stream', headers, payload: payload as object });

  it('streams a tool call end to end: tool.called, tool.output, then the answer', async () => {
    const res = await stream(user.headers, { message: 'calculate 6 * (3 + 4)' });
    const events = parseSse(res.body);
    expect(events.map((e) => e.event)).toEqual([
      'run.started',
      'tool.called',
      'tool.output',
      ...events.slice(3, -2).map(() => 'message.delta'),
      'conversation.titled',
      'run.completed',
    ]);
    expect(events[1].data).toMatchObject({
      name: 'calculator',
      arguments: JSON.stringify({ expression: '6 * (3 + 4)' }),
    });
    expect(events[2].data).toMatchObject({ call_id: events[1].data.call_id, name: 'calculator', output: '42' });
    expect(events.at(-1)!.data.response).toBe('6 * (3 + 4) = 42');
    const conv = await t.app.inject({
      method: 'GET',
      url: `/api/v1/conversations/${events[0].data.conversation_id}`,
      headers: user.headers,
    });
    expect(conv.json().messages[1].tool_calls).toEqual([
      { call_id: events[1].data.call_id, name: 'calculator', arguments: '{"expression":"6 * (3 + 4)"}', output: '42' },
    ]);
  });

  it('continues a conversation, and a second run sees the first in its memory', async () => {
    const first = (
      await t.app.inject({
        method: 'POST',
        url: '/api/v1/chat',
        headers: user.headers,
        payload: { message: 'my name is Ada' },
      })
    ).json();
    const second = await t.app.inject({
      method: 'POST',
      url: '/api/v1/chat',
      headers: user.headers,
      payload: { message: 'what time is it', conversation_id: first.conversation_id },
    });
    expect(second.statusCode).toBe(200);
    expect(second.json().conversation_id).toBe(first.conversation_id);
    // The offline model counts every input word: history makes the second run's input bigger than its message alone.
    expect(second.json().usage.input_tokens).toBeGreaterThan(first.usage.input_tokens);
    const conv = (
      await t.app.inject({
        method: 'GET',
        url: `/api/v1/conversations/${first.conversation_id}`,
        headers: user.headers,
      })
    ).json();
    expect(conv.messages.map((m: { role: string }) => m.role)).toEqual(['user', 'assistant', 'user', 'assistant']);
  });

  it.each([
    [{ message: '' }, 'message'],
    [{ message: 'x'.repeat(32_001) }, 'message'],
    [{}, 'message'],
    [{ message: 'hi', agent: 'nobody' }, 'agent'],
    [{ message: 'hi', conversation_id: 'not-a-uuid' }, 'conversation_id'],
  ])('rejects a bad body with 422 (%#)', async (payload, path) => {
    for (const url of ['/api/v1/chat', '/api/v1/chat/stream']) {
      const res = await t.app.inject({ method: 'POST', url, headers: user.headers, payload });
      expect(res.statusCode, res.body).toBe(422);
      expect(res.headers['content-type']).toContain('application/problem+json');
      expect(res.json().code).toBe('validation_failed');
      expect(res.json().errors.map((e: { path: string }) => e.path)).toContain(path);
    }
  });

  it("answers 404 for another user's conversation and stores nothing in it", async () => {
    const mine = (
      await t.app.inject({
        method: 'POST',
        url: '/api/v1/chat',
        headers: user.headers,
        payload: { message: 'private note' },
      })
    ).json();
    for (const url of ['/api/v1/chat', '/api/v1/chat/stream']) {
      const res = await t.app.inject({
        method: 'POST',
        url,
        headers: other.headers,
        payload: { message: 'intrude', conversation_id: mine.conversation_id },
      });
      expect(res.statusCode).toBe(404);
      expect(res.json().code).toBe('not_found');
    }
    const conv = (
      await t.app.inject({ method: 'GET', url: `/api/v1/conversations/${mine.conversation_id}`, headers: user.headers })
    ).json();
    expect(conv.messages).toHaveLength(2);
  });

  it.each([
    ['a NUL character', 'a\u0000b'],
    ['an unpaired surrogate', '\ud800 lone'],
  ])('answers 422, not a 5xx, for a message with %s, on /chat and /chat/stream', async (_label, message) => {
    for (const url of ['/api/v1/chat', '/api/v1/chat/stream']) {
      const res = await t.app.inject({
        method: 'POST',
        url,
        headers: { ...user.headers, 'content-type': 'application/json' },
        payload: JSON.stringify({ message }),
      });
      expect(res.statusCode, res.body).toBe(422);
      expect(res.headers['content-type']).toContain('application/problem+json');
      expect(res.json()).toMatchObject({ code: 'validation_failed', errors: [{ path: 'message' }] });
    }
  });

  it("hides another user's run: events and cancel are 404; a bad Last-Event-ID is 400", async () => {
    const res = await stream(user.headers, { message: 'hello' });
    const runId = String(res.headers['x-run-id']);
    expect(
      (await t.app.inject({ method: 'GET', url: `/api/v1/chat/runs/${runId}/events`, headers: other.headers }))
        .statusCode,
    ).toBe(404);
    expect(
      (await t.app.inject({ method: 'POST', url: `/api/v1/chat/runs/${runId}/cancel`, headers: other.headers }))
        .statusCode,
    ).toBe(404);
    const bad = await t.app.inject({
      method: 'GET',
      url: `/api/v1/chat/runs/${runId}/events`,
      headers: { ...user.headers, 'last-event-id': 'abc' },
    });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().code).toBe('bad_request');
    expect(
      (await t.app.inject({ method: 'GET', url: `/api/v1/chat/runs/${runId}/events?after=-1`, headers: user.headers }))
        .statusCode,
    ).toBe(422);
    expect(
      (await t.app.inject({ method: 'GET', url: '/api/v1/chat/runs/not-a-uuid/events', headers: user.headers }))
        .statusCode,
    ).toBe(422);
  });

  it('requires a token and the right scopes', async () => {
    expect((await t.app.inject({ method: 'POST', url: '/api/v1/chat', payload: { message: 'hi' } })).statusCode).toBe(
      401,
    );
    expect(
      (await t.app.inject({ method: 'POST', url: '/api/v1/chat/stream', payload: { message: 'hi' } })).statusCode,
    ).toBe(401);
    expect((await t.app.inject({ method: 'GET', url: '/api/v1/conversations' })).statusCode).toBe(401);
  });

  it('ends with max_turns_exceeded when the agents need more turns than allowed', async () => {
    const limited = await createTestApp(
      { CHAT_MAX_TURNS: '1', DATA_DIR: t.config.dataDir },
      { database: t.database, ports: t.ports },
    );
    try {
      const res = await limited.app.inject({
        method: 'POST',
        url: '/api/v1/chat/stream',
        headers: user.headers,
        payload: { message: 'what time is it' },
      });
      expect(res.statusCode, res.body).toBe(200);
      const events = parseSse(res.body);
      expect(events.at(-1)).toMatchObject({
        event: 'run.failed',
        data: { code: 'max_turns_exceeded', retryable: false },
      });
      const conv = (
        await limited.app.inject({
          method: 'GET',
          url: `/api/v1/conversations/${events[0].data.conversation_id}`,
          headers: user.headers,
        })
      ).json();
      expect(conv.messages.map((m: { role: string; content: string }) => [m.role, m.content])).toEqual([
        ['user', 'what time is it'],
      ]);
    } finally {
      await limited.close();
    }
  });
});
