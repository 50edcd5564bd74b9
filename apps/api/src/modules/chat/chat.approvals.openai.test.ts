import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../../test/harness.js';
import { signUp, type TestUser } from '../../../test/factories.js';
import { decide, follow } from '../../../test/support/approvals.js';
import { lastToolOutput, lastUserText, startFakeOpenAI, type FakeOpenAI } from '../../../test/support/fake-openai.js';
import { parseSse } from '../../../test/support/sse-client.js';
import { RESUME_RUN_JOB } from './run-pauses.js';

/**
 * Approvals with a real model client (the fake OpenAI server) on two replicas sharing PostgreSQL
 * and Redis: a resumed run is metered for all its model calls, and two approvals decided at once
 * on two replicas resume the run once.
 */
describe('approvals with the openai provider, on two replicas', () => {
  let fake: FakeOpenAI;
  let api: TestApp;
  let worker: TestApp;
  let user: TestUser;
  let conversationId: string;

  beforeAll(async () => {
    fake = await startFakeOpenAI({
      script: ({ body }) => {
        const out = lastToolOutput(body);
        if (out !== undefined) return { text: `Done, the tool said: ${out}` };
        const text = lastUserText(body);
        if (text === 'notify twice')
          return {
            toolCalls: [
              { name: 'send_notification', arguments: '{"message":"first notice"}' },
              { name: 'send_notification', arguments: '{"message":"second notice"}' },
            ],
          };
        if (text === 'notify once')
          return { toolCalls: [{ name: 'send_notification', arguments: '{"message":"the only notice"}' }] };
        return { text: `echo: ${text}` };
      },
    });
    const env = { MODEL_PROVIDER: 'openai', OPENAI_BASE_URL: fake.baseURL, OPENAI_MODEL: 'fake-1' };
    // The API replica cannot resume (no worker role): the resume runs on the other one.
    api = await createTestApp({ ...env, AGENTRY_ROLES: 'api' });
    worker = await createTestApp(
      { ...env, AGENTRY_ROLES: 'api,worker', DATA_DIR: api.config.dataDir },
      { database: api.database, ports: api.ports },
    );
    user = await signUp(api.app);
    // The conversation's first run (and its title) happen before: the runs below make only their own model calls.
    const first = await api.app.inject({
      method: 'POST',
      url: '/api/v1/chat',
      headers: user.headers,
      payload: { message: 'hello' },
    });
    expect(first.statusCode, first.body).toBe(200);
    conversationId = first.json().conversation_id;
  });
  afterAll(async () => {
    await worker?.close();
    await api?.close();
    await fake?.close();
  });

  /** Starts a run that pauses; returns its id, approvals, last event id and the index of its first model call. */
  async function pause(message: string) {
    const from = fake.requests.length;
    const res = await api.app.inject({
      method: 'POST',
      url: '/api/v1/chat/stream',
      headers: user.headers,
      payload: { message, conversation_id: conversationId },
    });
    expect(res.statusCode, res.body).toBe(200);
    const events = parseSse(res.body);
    expect(events[events.length - 1]!.event).toBe('run.paused');
    return {
      from,
      runId: String(res.headers['x-run-id']),
      approvals: events.filter((e) => e.event === 'approval.requested').map((e) => String(e.data.approval_id)),
      last: Number(events[events.length - 1]!.id),
    };
  }

  /** What the fake server reported for the model calls since `from` (all of one run's calls). */
  function reported(from: number) {
    const calls = fake.requests.slice(from);
    return {
      calls: calls.length,
      input_tokens: calls.reduce((n, r) => n + (r.usage?.input_tokens ?? 0), 0),
      output_tokens: calls.reduce((n, r) => n + (r.usage?.output_tokens ?? 0), 0),
    };
  }

  async function metered(runId: string) {
    const run = await api.database.db.execute(
      sql`select input_tokens, output_tokens from chat_runs where id = ${runId}`,
    );
    const records = await api.database.db.execute(
      sql`select feature_key, quantity from usage_records where idempotency_key like ${`run:${runId}:%`}`,
    );
    const billed = Object.fromEntries(
      (records.rows as { feature_key: string; quantity: string | number }[]).map((r) => [
        r.feature_key,
        Number(r.quantity),
      ]),
    );
    const row = run.rows[0] as { input_tokens: number; output_tokens: number };
    return { run: { input_tokens: row.input_tokens, output_tokens: row.output_tokens }, billed };
  }

  it('meters a resumed run whole: the model calls before the pause and after it', async () => {
    const { from, runId, approvals, last } = await pause('notify once');
    const beforePause = reported(from);
    expect(beforePause.calls).toBe(1);
    expect((await decide(api, user, runId, approvals[0]!, { decision: 'approve' })).statusCode).toBe(202);
    const rest = await follow(api, user, runId, last);
    const done = rest[rest.length - 1]!;
    expect(done.event, JSON.stringify(done.data)).toBe('run.completed');
    const whole = reported(from);
    expect(whole.calls).toBe(2);
    expect(done.data.usage).toEqual({
      input_tokens: whole.input_tokens,
      output_tokens: whole.output_tokens,
      total_tokens: whole.input_tokens + whole.output_tokens,
    });
    const { run, billed } = await metered(runId);
    expect(run).toEqual({ input_tokens: whole.input_tokens, output_tokens: whole.output_tokens });
    expect(billed).toMatchObject({ input_tokens: whole.input_tokens, output_tokens: whole.output_tokens });
  });

  it('two pending approvals decided at the same time on two replicas resume the run exactly once', async () => {
    const { from, runId, approvals, last } = await pause('notify twice');
    expect(approvals).toHaveLength(2);
    // Each replica decides one of them, at once: either decision may be the last one.
    const decided = await Promise.all([
      decide(api, user, runId, approvals[0]!, { decision: 'approve' }),
      decide(worker, user, runId, approvals[1]!, { decision: 'approve' }),
    ]);
    expect(decided.map((r) => r.statusCode)).toEqual([202, 202]);
    const rest = await follow(worker, user, runId, last);
    expect(rest.map((e) => Number(e.id))).toEqual(rest.map((_, i) => last + 1 + i));
    expect(rest.filter((e) => e.event === 'run.resumed')).toHaveLength(1);
    expect(
      rest
        .filter((e) => e.event === 'tool.output')
        .map((e) => e.data.output)
        .sort(),
    ).toEqual(['Notification recorded: first notice', 'Notification recorded: second notice']);
    const done = rest[rest.length - 1]!;
    expect(done.event).toBe('run.completed');
    // A late duplicate resume job (a retry, another replica's enqueue) changes nothing: the pause was claimed once.
    await worker.ports.jobs.enqueue(RESUME_RUN_JOB, { runId }, { jobId: `duplicate_${runId}` });
    await new Promise((r) => setTimeout(r, 300));
    // One model call before the pause, one after it: the resume ran once.

    expect(reported(from).calls).toBe(2);
    const replay = await follow(api, user, runId, last);
    expect(replay.map((e) => e.id)).toEqual(rest.map((e) => e.id));
    const conv = await api.app.inject({
      method: 'GET',
      url: `/api/v1/conversations/${conversationId}`,
      headers: user.headers,
    });
    const answer = conv.json().messages.at(-1);
    expect(answer.tool_calls.map((c: { output: string }) => c.output).sort()).toEqual([
      'Notification recorded: first notice',
      'Notification recorded: second notice',
    ]);
  });
});
