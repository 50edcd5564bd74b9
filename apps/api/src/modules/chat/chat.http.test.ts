import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../../test/harness.js';
import { signUp, type TestUser } from '../../../test/factories.js';
import { parseSse } from './chat.test-support.js';

describe('chat over HTTP (offline model)', () => {
  let t: TestApp;
  let user: TestUser;
  beforeAll(async () => {
    t = await createTestApp();
    user = await signUp(t.app);
  });
  afterAll(() => t.close());

  it('POST /chat answers and stores both messages', async () => {
    const res = await t.app.inject({ method: 'POST', url: '/api/v1/chat', headers: user.headers, payload: { message: 'hello there friend' } });
    expect(res.statusCode, res.body).toBe(200);
    const body = res.json();
    expect(body.agent).toBe('triage');
    expect(body.response.split(' ').length).toBeGreaterThanOrEqual(3 + 5);
    expect(body.usage.output_tokens).toBe(body.response.split(' ').length);
    const conv = await t.app.inject({ method: 'GET', url: `/api/v1/conversations/${body.conversation_id}`, headers: user.headers });
    expect(conv.statusCode).toBe(200);
    expect(conv.json().messages.map((m: { role: string; content: string }) => [m.role, m.content])).toEqual([
      ['user', 'hello there friend'],
      ['assistant', body.response],
    ]);
    expect(conv.json().title).toBe('hello there friend');
  });

  it('POST /chat/stream streams a handoff: run.started, agent.updated, deltas, run.completed', async () => {
    const res = await t.app.inject({ method: 'POST', url: '/api/v1/chat/stream', headers: user.headers, payload: { message: 'fix the bug in my TypeScript code' } });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toContain('text/event-stream');
    const runId = res.headers['x-run-id'];
    const events = parseSse(res.body);
    expect(events.map((e) => Number(e.id))).toEqual(events.map((_, i) => i + 1));
    expect(events[0]).toMatchObject({ event: 'run.started', data: { run_id: runId, agent: 'triage' } });
    expect(events[1]).toMatchObject({ event: 'agent.updated', data: { from: 'triage', to: 'code_assistant' } });
    const deltas = events.filter((e) => e.event === 'message.delta');
    expect(deltas.length).toBeGreaterThan(5);
    expect(events.slice(2, -1).every((e) => e.event === 'message.delta')).toBe(true);
    const done = events[events.length - 1];
    expect(done.event).toBe('run.completed');
    expect(deltas.map((e) => e.data.delta).join('')).toBe(done.data.response);
    expect(done.data.agent).toBe('code_assistant');
  });
});
