import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, listenOnFreePort, type TestApp } from '../../../test/harness.js';
import { signUp, type TestUser } from '../../../test/factories.js';
import { sampleValue as sample } from '../../../test/support/metrics.js';

describe('chat metrics', () => {
  let t: TestApp;
  let user: TestUser;
  beforeAll(async () => {
    t = await createTestApp({ OFFLINE_MODEL_DELAY_MS: '20' });
    user = await signUp(t.app);
  });
  afterAll(() => t.close());
  const metrics = async () => (await t.app.inject({ method: 'GET', url: '/metrics' })).body;

  it('count runs by outcome, first-token latency, tokens, and open streams', async () => {
    const streamed = await t.app.inject({
      method: 'POST',
      url: '/api/v1/chat/stream',
      headers: user.headers,
      payload: { message: 'hello there friend' },
    });
    expect(streamed.statusCode).toBe(200);
    const completed = await t.app.inject({
      method: 'POST',
      url: '/api/v1/chat',
      headers: user.headers,
      payload: { message: 'calculate 6*7' },
    });
    expect(completed.statusCode).toBe(200);
    const usage = completed.json().usage;

    const text = await metrics();
    expect(sample(text, 'chat_runs_total{outcome="completed"}')).toBe(2);
    expect(sample(text, 'chat_run_duration_seconds_count{outcome="completed"}')).toBe(2);
    expect(sample(text, 'chat_first_token_seconds_count')).toBe(2);
    expect(sample(text, 'chat_tokens_total{kind="output"}')).toBeGreaterThanOrEqual(usage.output_tokens + 8);
    expect(sample(text, 'chat_tokens_total{kind="input"}')).toBeGreaterThanOrEqual(usage.input_tokens);
    // The stream above has ended, so none is open any more.
    expect(sample(text, 'chat_streams_active')).toBe(0);
  });

  it('counts a chat stream while it is open', async () => {
    const base = await listenOnFreePort(t.app);
    const req = http.request(`${base}/api/v1/chat/stream`, {
      method: 'POST',
      headers: { ...user.headers, 'content-type': 'application/json' },
    });
    const firstChunk = new Promise<http.IncomingMessage>((resolve) =>
      req.on('response', (res) => res.once('data', () => resolve(res))),
    );
    req.end(JSON.stringify({ message: 'one two three four five six seven eight nine ten' }));
    const res = await firstChunk;
    expect(sample(await metrics(), 'chat_streams_active')).toBe(1);
    await new Promise<void>((resolve) => {
      res.on('end', resolve);
      res.resume();
    });
    expect(sample(await metrics(), 'chat_streams_active')).toBe(0);
  });
});
