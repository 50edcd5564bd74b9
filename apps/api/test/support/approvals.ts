import { expect } from 'vitest';
import type { TestApp } from '../harness.js';
import type { TestUser } from '../factories.js';
import { parseSse } from './sse-client.js';

/** A message the offline model answers by calling send_notification, which needs approval. */
export const NOTIFY = 'use send_notification with {"message": "deploy finished"}';

type Sse = ReturnType<typeof parseSse>;

export async function waitFor<T>(fn: () => Promise<T | undefined>, ms = 10_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 50));
  }
}

export async function pauseRun(t: TestApp, user: TestUser, message = NOTIFY) {
  const res = await t.app.inject({
    method: 'POST',
    url: '/api/v1/chat/stream',
    headers: user.headers,
    payload: { message },
  });
  expect(res.statusCode, res.body).toBe(200);
  const events = parseSse(res.body);
  const requested = events.filter((e) => e.event === 'approval.requested');
  const last = Number(events[events.length - 1]!.id);
  return {
    runId: String(res.headers['x-run-id']),
    events,
    requested,
    approvalId: String(requested[0]?.data.approval_id),
    last,
  };
}

/** Follows the run's events after `after` until its terminal event (on whichever app). */
export async function follow(t: TestApp, user: TestUser, runId: string, after: number): Promise<Sse> {
  const res = await t.app.inject({
    method: 'GET',
    url: `/api/v1/chat/runs/${runId}/events?after=${after}`,
    headers: user.headers,
  });
  expect(res.statusCode, res.body).toBe(200);
  return parseSse(res.body);
}

export const decide = (t: TestApp, user: TestUser, runId: string, approvalId: string, body: object) =>
  t.app.inject({
    method: 'POST',
    url: `/api/v1/chat/runs/${runId}/approvals/${approvalId}`,
    headers: user.headers,
    payload: body,
  });
