import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, createTestDatabase, services, type TestApp } from '../../../test/harness.js';
import { addMember, signUp } from '../../../test/factories.js';
import { lastToolOutput, lastUserText, startFakeOpenAI, type FakeOpenAI } from '../../../test/support/fake-openai.js';
import type { Database } from '../../platform/db/client.js';
import { parseSse } from '../../../test/support/sse-client.js';

/** The openai provider end to end through HTTP, the real SDK client and the fake server. */
describe('chat with MODEL_PROVIDER=openai against the fake server', () => {
  let fake: FakeOpenAI;
  let database: Database;
  const env = (api: string) => ({
    MODEL_PROVIDER: 'openai',
    OPENAI_BASE_URL: fake.baseURL,
    OPENAI_API: api,
    OPENAI_MODEL: 'fake-1',
  });
  beforeAll(async () => {
    fake = await startFakeOpenAI({
      script: ({ body }) => {
        const out = lastToolOutput(body);
        if (out !== undefined) return { text: `Found ${out}` };
        const text = lastUserText(body);
        if (text.startsWith('search'))
          return {
            toolCalls: [
              { name: 'search_conversations', arguments: JSON.stringify({ query: text.split(' ')[1], limit: null }) },
            ],
          };
        const cut = /^break (close|garbage|end)/.exec(text);
        if (cut)
          return {
            text: 'one two three four five six seven',
            breakAfter: 3,
            failure: cut[1] as 'close' | 'garbage' | 'end',
          };
        if (text.startsWith('explode'))
          return { error: { status: 400, message: 'secret provider detail', type: 'invalid_request_error' } };
        return { text: `echo: ${text}` };
      },
    });
    database = await createTestDatabase();
  });
  afterAll(async () => {
    await database.close();
    await fake.close();
  });

  it('keeps history across a restart (a second app on the same database)', async () => {
    // Signing keys live in DATA_DIR: the restarted server keeps them, as a real one would.
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'agentry-restart-'));
    const first: TestApp = await createTestApp({ ...env('responses'), DATA_DIR: dataDir }, { database });
    const user = await signUp(first.app);
    const one = await first.app.inject({
      method: 'POST',
      url: '/api/v1/chat',
      headers: user.headers,
      payload: { message: 'remember the word pelican' },
    });
    expect(one.statusCode, one.body).toBe(200);
    expect(one.json().response).toBe('echo: remember the word pelican');
    await first.close();

    const second = await createTestApp({ ...env('responses'), DATA_DIR: dataDir }, { database });
    try {
      const before = fake.requests.length;
      const two = await second.app.inject({
        method: 'POST',
        url: '/api/v1/chat',
        headers: user.headers,
        payload: { message: 'which word?', conversation_id: one.json().conversation_id },
      });
      expect(two.statusCode, two.body).toBe(200);
      const input = JSON.stringify(fake.requests[before].body.input);
      expect(input).toContain('remember the word pelican');
      expect(input).toContain('echo: remember the word pelican');
      const conv = (
        await second.app.inject({
          method: 'GET',
          url: `/api/v1/conversations/${one.json().conversation_id}`,
          headers: user.headers,
        })
      ).json();
      expect(conv.messages).toHaveLength(4);
      expect(services.databaseUrl ? 'postgres' : 'pglite').toBe(
        second.database.kind === 'postgres' ? 'postgres' : 'pglite',
      );
    } finally {
      await second.close();
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  });

  for (const api of ['responses', 'chat_completions']) {
    it(`streams through ${api}, and a model failure ends with run.failed and keeps the user message`, async () => {
      const t = await createTestApp(env(api), { database });
      try {
        const user = await signUp(t.app);
        const ok = parseSse(
          (
            await t.app.inject({
              method: 'POST',
              url: '/api/v1/chat/stream',
              headers: user.headers,
              payload: { message: 'hello model' },
            })
          ).body,
        );
        expect(ok.at(-1)).toMatchObject({ event: 'run.completed', data: { response: 'echo: hello model' } });
        // The fake streams its deltas at once: one event-loop turn, one coalesced delta (run-events.ts).
        expect(
          ok
            .filter((e) => e.event === 'message.delta')
            .map((e) => e.data.delta)
            .join(''),
        ).toBe('echo: hello model');

        const res = await t.app.inject({
          method: 'POST',
          url: '/api/v1/chat/stream',
          headers: user.headers,
          payload: { message: 'explode now' },
        });
        const events = parseSse(res.body);
        expect(events.map((e) => e.event)).toEqual(['run.started', 'run.failed']);
        expect(events[1].data).toMatchObject({ code: 'model_error', retryable: false });
        expect(res.body).not.toContain('secret provider detail');
        const conv = (
          await t.app.inject({
            method: 'GET',
            url: `/api/v1/conversations/${events[0].data.conversation_id}`,
            headers: user.headers,
          })
        ).json();
        expect(conv.messages.map((m: { role: string; content: string }) => [m.role, m.content])).toEqual([
          ['user', 'explode now'],
        ]);

        const sync = await t.app.inject({
          method: 'POST',
          url: '/api/v1/chat',
          headers: user.headers,
          payload: { message: 'explode again' },
        });
        expect(sync.statusCode).toBe(502);
        expect(sync.json()).toMatchObject({
          code: 'bad_gateway',
          details: { run_failure_code: 'model_error', retryable: false },
        });
      } finally {
        await t.close();
      }
    });
  }

  // The model fails mid-stream (API.md "A model provider that fails"): the deltas already sent stay
  // in the run's log, the run ends with run.failed (retryable), only the user message is stored,
  // and the next run on the same server completes.
  for (const api of ['responses', 'chat_completions'])
    for (const failure of ['close', 'garbage', 'end'] as const) {
      // A Responses stream without `response.completed` is the SDK's invalid response; the other
      // breaks are the provider's (a Chat Completions body without [DONE]: stream-end-check.ts).
      const code = api === 'responses' && failure === 'end' ? 'model_behavior_error' : 'model_error';
      it(`${api}: a model stream that breaks after some deltas (${failure}) ends with run.failed ${code}`, async () => {
        const t = await createTestApp(env(api), { database });
        try {
          const user = await signUp(t.app);
          const res = await t.app.inject({
            method: 'POST',
            url: '/api/v1/chat/stream',
            headers: user.headers,
            payload: { message: `break ${failure} please` },
          });
          const events = parseSse(res.body);
          expect(events.at(-1)).toMatchObject({ event: 'run.failed', data: { code, retryable: true } });
          expect(events.map((e) => e.event)).not.toContain('run.completed');
          const partial = events
            .filter((e) => e.event === 'message.delta')
            .map((e) => e.data.delta)
            .join('');
          expect('one two three four five six seven'.startsWith(partial)).toBe(true);
          const conversationId = events[0]!.data.conversation_id;
          const conv = (
            await t.app.inject({ method: 'GET', url: `/api/v1/conversations/${conversationId}`, headers: user.headers })
          ).json();
          expect(conv.messages.map((m: { role: string }) => m.role)).toEqual(['user']);

          const next = await t.app.inject({
            method: 'POST',
            url: '/api/v1/chat',
            headers: user.headers,
            payload: { message: 'hello after the break', conversation_id: conversationId },
          });
          expect(next.statusCode, next.body).toBe(200);
          expect(next.json().response).toBe('echo: hello after the break');
        } finally {
          await t.close();
        }
      });
    }

  it('search_conversations sees only the caller’s own conversations in the current tenant', async () => {
    const t = await createTestApp(env('responses'), { database });
    try {
      const alice = await signUp(t.app);
      const colleague = await addMember(t.app, alice, 'member');
      const stranger = await signUp(t.app);
      for (const [who, text] of [
        [alice, 'zebra crossing plans'],
        [colleague, 'zebra secret of the colleague'],
        [stranger, 'zebra secret of another tenant'],
      ] as const) {
        expect(
          (
            await t.app.inject({
              method: 'POST',
              url: '/api/v1/chat',
              headers: who.headers,
              payload: { message: text },
            })
          ).statusCode,
        ).toBe(200);
      }
      const res = await t.app.inject({
        method: 'POST',
        url: '/api/v1/chat/stream',
        headers: alice.headers,
        payload: { message: 'search zebra' },
      });
      const events = parseSse(res.body);
      const output = events.find((e) => e.event === 'tool.output')!;
      expect(events.find((e) => e.event === 'tool.called')!.data).toMatchObject({ name: 'search_conversations' });
      const hits = JSON.parse(output.data.output).results;
      expect(hits.map((h: { snippet: string }) => h.snippet).join(' ')).toContain('zebra crossing plans');
      expect(output.data.output).not.toContain('secret');
    } finally {
      await t.close();
    }
  });
});
