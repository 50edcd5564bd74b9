import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../../test/harness.js';
import { signUp, type TestUser } from '../../../test/factories.js';
import { decide, follow, NOTIFY, pauseRun } from '../../../test/support/approvals.js';
import { parseSse } from '../../../test/support/sse-client.js';

describe('approvals: a tool that needs approval pauses the run, a decision resumes it', () => {
  let t: TestApp;
  let user: TestUser;
  let other: TestUser;
  beforeAll(async () => {
    t = await createTestApp();
    user = await signUp(t.app);
    other = await signUp(t.app);
  });
  afterAll(() => t.close());

  it('pauses with approval.requested then run.paused, and resumes with the tool run after approve', async () => {
    const { runId, events } = await pauseRun(t, user);
    // The model's call is shown, then the approval it needs, then the pause that ends the response.
    expect(events.map((e) => e.event)).toEqual(['run.started', 'tool.called', 'approval.requested', 'run.paused']);
    expect(events.map((e) => Number(e.id))).toEqual([1, 2, 3, 4]);
    const requested = events[2]!.data;
    expect(requested).toMatchObject({
      call_id: events[1]!.data.call_id,
      name: 'send_notification',
      arguments: '{"message":"deploy finished"}',
    });
    expect(events[3]!.data).toEqual({ run_id: runId, approvals: [requested.approval_id] });

    const pending = await t.app.inject({
      method: 'GET',
      url: '/api/v1/chat/approvals?status=pending',
      headers: user.headers,
    });
    expect(pending.json().items).toEqual([
      expect.objectContaining({
        approval_id: requested.approval_id,
        run_id: runId,
        status: 'pending',
        decided_at: null,
      }),
    ]);
    // Someone else sees nothing and cannot decide it.
    const theirs = await t.app.inject({
      method: 'GET',
      url: '/api/v1/chat/approvals?status=pending',
      headers: other.headers,
    });
    expect(theirs.json().items).toEqual([]);
    expect((await decide(t, other, runId, requested.approval_id, { decision: 'approve' })).statusCode).toBe(404);
    // Bad decisions.
    for (const body of [{ decision: 'maybe' }, {}, { decision: 'approve', message: 'x'.repeat(2001) }]) {
      expect((await decide(t, user, runId, requested.approval_id, body)).statusCode).toBe(422);
    }
    // The run is paused: its row says so.
    const run = await t.app.inject({
      method: 'GET',
      url: `/api/v1/chat/runs/${runId}/events?after=0`,
      headers: user.headers,
    });
    expect(parseSse(run.body).map((e) => e.event)).toEqual([
      'run.started',
      'tool.called',
      'approval.requested',
      'run.paused',
    ]);

    const ok = await decide(t, user, runId, requested.approval_id, { decision: 'approve' });
    expect(ok.statusCode, ok.body).toBe(202);
    expect(ok.json()).toEqual({ approval_id: requested.approval_id, decision: 'approve' });
    const again = await decide(t, user, runId, requested.approval_id, { decision: 'reject' });
    expect(again.statusCode).toBe(409);
    expect(again.json().code).toBe('already_decided');

    const rest = await follow(t, user, runId, 4);
    expect(rest.map((e) => Number(e.id))).toEqual(rest.map((_, i) => i + 5));
    expect(rest[0]).toMatchObject({ event: 'run.resumed', data: { run_id: runId } });
    const output = rest.find((e) => e.event === 'tool.output');
    expect(output?.data).toMatchObject({ name: 'send_notification', output: 'Notification recorded: deploy finished' });
    const done = rest[rest.length - 1]!;
    expect(done.event).toBe('run.completed');
    expect(done.data.response).toContain('Notification recorded: deploy finished');

    const conv = await t.app.inject({
      method: 'GET',
      url: `/api/v1/conversations/${done.data.conversation_id}`,
      headers: user.headers,
    });
    const messages = conv.json().messages;
    expect(messages.map((m: { role: string }) => m.role)).toEqual(['user', 'assistant']);
    expect(messages[1].tool_calls).toEqual([
      expect.objectContaining({ name: 'send_notification', output: 'Notification recorded: deploy finished' }),
    ]);
    // The session items held back over the pause are stored on the branch: the question's with the
    // user message, the tool call, its result and the answer with the assistant message.
    const items = await t.database.db.execute(
      sql`select message_id, item->>'type' as type, item->>'role' as role from conversation_items
          where conversation_id = ${done.data.conversation_id} order by position`,
    );
    const rows = items.rows as { message_id: string | null; type: string | null; role: string | null }[];
    expect(rows.filter((r) => r.role === 'user').map((r) => r.message_id)).toEqual([messages[0].id]);
    const answerItems = rows.filter((r) => r.role !== 'user');
    expect(answerItems.map((r) => r.type)).toEqual(expect.arrayContaining(['function_call', 'function_call_result']));
    expect(new Set(answerItems.map((r) => r.message_id))).toEqual(new Set([messages[1].id]));
    const after = await t.app.inject({ method: 'GET', url: '/api/v1/chat/approvals', headers: user.headers });
    expect(after.json().items[0]).toMatchObject({ status: 'approved', decided_at: expect.any(String) });

    // The conversation goes on: the model's memory holds the whole turn.
    const next = await t.app.inject({
      method: 'POST',
      url: '/api/v1/chat',
      headers: user.headers,
      payload: { message: 'hello again', conversation_id: done.data.conversation_id },
    });
    expect(next.statusCode, next.body).toBe(200);
  });

  it('tells the model the call was refused after reject (with the message)', async () => {
    const { runId, approvalId, last } = await pauseRun(t, user);
    const res = await decide(t, user, runId, approvalId, { decision: 'reject', message: 'not now please' });
    expect(res.statusCode).toBe(202);
    const rest = await follow(t, user, runId, last);
    expect(rest[0]!.event).toBe('run.resumed');
    const done = rest[rest.length - 1]!;
    expect(done.event).toBe('run.completed');
    expect(done.data.response).toContain('not now please');
    expect(done.data.response).not.toContain('Notification recorded');
  });

  it('POST /chat answers 202 awaiting_approval with the approvals', async () => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/v1/chat',
      headers: user.headers,
      payload: { message: NOTIFY },
    });
    expect(res.statusCode, res.body).toBe(202);
    const body = res.json();
    expect(body).toMatchObject({
      status: 'awaiting_approval',
      run_id: expect.any(String),
      conversation_id: expect.any(String),
    });
    expect(body.approvals).toEqual([
      expect.objectContaining({ name: 'send_notification', status: 'pending', run_id: body.run_id }),
    ]);
  });

  it('cancels a paused run: run.failed run_cancelled, approvals expired, deciding answers 409 approval_expired', async () => {
    const { runId, approvalId, last } = await pauseRun(t, user);
    const cancel = await t.app.inject({
      method: 'POST',
      url: `/api/v1/chat/runs/${runId}/cancel`,
      headers: user.headers,
    });
    expect(cancel.statusCode).toBe(202);
    const rest = await follow(t, user, runId, last);
    expect(rest.map((e) => [Number(e.id), e.event, e.data.code])).toEqual([[last + 1, 'run.failed', 'run_cancelled']]);
    const late = await decide(t, user, runId, approvalId, { decision: 'approve' });
    expect(late.statusCode).toBe(409);
    expect(late.json().code).toBe('approval_expired');
  });
});
