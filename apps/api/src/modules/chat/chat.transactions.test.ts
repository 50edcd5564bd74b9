import { sql } from 'drizzle-orm';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../../test/harness.js';
import { signUp, type TestUser } from '../../../test/factories.js';
import { parseSse } from '../../../test/support/sse-client.js';

/**
 * A chat run writes in two units of work (API.md, "Chat run lifecycle"): the user's message with
 * the run row before the run, and everything the run produced with the run row's end after it.
 * A trigger that refuses one statement of a unit stands in for any failure inside it: nothing
 * else of that unit may stay behind.
 */
describe('chat: each unit of work of a run is one transaction', () => {
  let t: TestApp;
  let user: TestUser;
  beforeAll(async () => {
    t = await createTestApp();
    user = await signUp(t.app);
    await t.database.db.execute(
      sql.raw(`create function test_refuse() returns trigger language plpgsql as $$
      begin raise exception 'refused by the test'; end $$`),
    );
  });
  afterEach(async () => {
    await t.database.db.execute(sql.raw('drop trigger if exists refuse_run on chat_runs'));
  });
  afterAll(() => t.close());

  const conversation = async (id: string) =>
    (await t.app.inject({ method: 'GET', url: `/api/v1/conversations/${id}`, headers: user.headers })).json();
  const conversationCount = async () =>
    (await t.app.inject({ method: 'GET', url: '/api/v1/conversations', headers: user.headers })).json().items.length;

  it('start: when the run row cannot be written, the user message is not stored either', async () => {
    const first = (
      await t.app.inject({
        method: 'POST',
        url: '/api/v1/chat',
        headers: user.headers,
        payload: { message: 'hello there' },
      })
    ).json();
    const before = await conversation(first.conversation_id);
    const count = await conversationCount();
    await t.database.db.execute(
      sql.raw('create trigger refuse_run before insert on chat_runs for each row execute function test_refuse()'),
    );

    const inOld = await t.app.inject({
      method: 'POST',
      url: '/api/v1/chat/stream',
      headers: user.headers,
      payload: { message: 'lost words', conversation_id: first.conversation_id },
    });
    const inNew = await t.app.inject({
      method: 'POST',
      url: '/api/v1/chat/stream',
      headers: user.headers,
      payload: { message: 'a new conversation' },
    });
    expect([inOld.statusCode, inNew.statusCode]).toEqual([500, 500]);
    expect(inOld.headers['x-run-id']).toBeUndefined();

    const after = await conversation(first.conversation_id);
    expect(after.messages).toEqual(before.messages);
    expect(after.updated_at).toBe(before.updated_at);
    expect(await conversationCount()).toBe(count);
  });

  it('end: when the run row cannot be completed, no assistant message, tool call or model memory of the run stays', async () => {
    await t.database.db.execute(
      sql.raw(`create trigger refuse_run before update on chat_runs for each row
      when (new.status = 'completed') execute function test_refuse()`),
    );
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/v1/chat/stream',
      headers: user.headers,
      payload: { message: 'calculate 2 + 3' },
    });
    expect(res.statusCode).toBe(200);
    const events = parseSse(res.body);
    expect(events.map((e) => e.event)).toContain('tool.output');
    expect(events.map((e) => e.event)).not.toContain('run.completed');
    expect(events.at(-1)).toMatchObject({ event: 'run.failed', data: { code: 'internal_error' } });
    const { run_id: runId, conversation_id: conversationId } = events[0].data;

    // The failed run keeps the user's message (transcript and model memory), and nothing else.
    const conv = await conversation(conversationId);
    expect(conv.messages.map((m: { role: string; content: string }) => [m.role, m.content])).toEqual([
      ['user', 'calculate 2 + 3'],
    ]);
    const rows = await t.database.db.execute<{ table: string; n: number }>(sql`
      select 'tool_calls' as table, count(*)::int as n from tool_calls where run_id = ${runId}
      union all select 'assistant_messages', count(*)::int from messages where run_id = ${runId}
      union all select 'items', count(*)::int from conversation_items where conversation_id = ${conversationId}`);
    expect(Object.fromEntries(rows.rows.map((r) => [r.table, Number(r.n)]))).toEqual({
      tool_calls: 0,
      assistant_messages: 0,
      items: 1,
    });
    const [run] = (
      await t.database.db.execute<{ status: string; error_code: string }>(
        sql`select status, error_code from chat_runs where id = ${runId}`,
      )
    ).rows;
    expect(run).toEqual({ status: 'failed', error_code: 'internal_error' });
    // The usage of the refused end went with it: the failure's own (the user's message) counts once.
    const usage = await t.database.db.execute<{ feature_key: string; quantity: string | number }>(
      sql`select feature_key, quantity from usage_records where idempotency_key like ${`run:${runId}:%`}`,
    );
    expect(usage.rows.filter((r) => r.feature_key === 'messages').map((r) => Number(r.quantity))).toEqual([1]);
    const counters = await t.database.db.execute<{ message_count: number }>(
      sql`select message_count from conversations where id = ${conversationId}`,
    );
    expect(counters.rows[0]?.message_count).toBe(1);
  });

  it('end: the answer, its memory, the counters, the run row and the usage commit together, usage once per run', async () => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/v1/chat',
      headers: user.headers,
      payload: { message: 'calculate 4 + 5' },
    });
    expect(res.statusCode, res.body).toBe(200);
    const { run_id: runId, conversation_id: conversationId, message_id: messageId } = res.json();
    const rows = await t.database.db.execute<Record<string, string | number>>(sql`
      select
        (select count(*)::int from tool_calls where run_id = ${runId} and message_id = ${messageId}) as tool_calls,
        (select count(*)::int from conversation_items where conversation_id = ${conversationId}) as items,
        (select count(*)::int from conversation_items where message_id = ${messageId}) as answer_items,
        (select message_count from conversations where id = ${conversationId}) as message_count,
        (select current_leaf_id::text from conversations where id = ${conversationId}) as leaf,
        (select status from chat_runs where id = ${runId}) as status,
        (select count(*)::int from usage_records where idempotency_key like ${`run:${runId}:%`}) as usage_records,
        (select quantity from usage_records where idempotency_key = ${`run:${runId}:messages`}) as messages`);
    const got = Object.fromEntries(
      Object.entries(rows.rows[0]).map(([k, v]) => [k, k === 'leaf' || k === 'status' ? v : Number(v)]),
    );
    expect(got).toMatchObject({ tool_calls: 1, message_count: 2, leaf: messageId, status: 'completed', messages: 2 });
    expect(got.answer_items).toBeGreaterThan(0);
    expect(got.items).toBeGreaterThan(got.answer_items as number);
    // One record per feature used (the offline model may report no tokens), never two for one feature.
    const perFeature = await t.database.db.execute<{ n: number }>(
      sql`select count(*)::int as n from usage_records where idempotency_key like ${`run:${runId}:%`} group by feature_key`,
    );
    expect(perFeature.rows.every((r) => Number(r.n) === 1)).toBe(true);
    expect(got.usage_records).toBeGreaterThanOrEqual(1);
  });
});
