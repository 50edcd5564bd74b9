import type { SessionResponse } from '@agentry/contracts';
import { expect } from 'vitest';
import { streamSse, type ParsedEvent } from '../support/sse-client.js';
import { clusterEmail, METRICS_TOKEN, type Cluster, type NodeProcess } from './cluster.js';

/** What the cluster tests do over HTTP: sign up, chat, follow runs, and ask a replica what it holds. */

export interface ClusterUser {
  session: SessionResponse;
  headers: { authorization: string };
}

export async function signUpVia(base: string): Promise<ClusterUser> {
  const res = await fetch(`${base}/api/v1/auth/register`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email: clusterEmail('user'), password: 'a long cluster passphrase 42' }),
  });
  if (res.status !== 201) throw new Error(`register: ${res.status} ${await res.text()}`);
  const session = (await res.json()) as SessionResponse;
  return { session, headers: { authorization: `Bearer ${session.access_token}` } };
}

export const portOf = (url: string) => Number(new URL(url).port);

export const LONG_QUESTION =
  'please tell me a long story about seven blue whales that sing songs across the cold northern sea every single winter night';

/** Starts a chat stream through `port`; `stopWhen` can hang up mid-stream. */
export function chatStream(
  port: number,
  user: ClusterUser,
  stopWhen?: (e: ParsedEvent, all: ParsedEvent[]) => boolean,
  message = LONG_QUESTION,
) {
  return streamSse({
    port,
    method: 'POST',
    path: '/api/v1/chat/stream',
    headers: user.headers,
    body: { message },
    stopWhen,
  });
}

/** Follows a run's events after `lastEventId` through `port` until its end. */
export function followRun(
  port: number,
  user: ClusterUser,
  runId: string,
  lastEventId?: string,
  stopWhen?: (e: ParsedEvent, all: ParsedEvent[]) => boolean,
) {
  return streamSse({
    port,
    method: 'GET',
    path: `/api/v1/chat/runs/${runId}/events`,
    headers: { ...user.headers, ...(lastEventId ? { 'last-event-id': lastEventId } : {}) },
    stopWhen,
  });
}

/** A gauge's value on one process, read from its /metrics. */
export async function gaugeOf(p: NodeProcess, name: string): Promise<number> {
  const res = await fetch(`${p.url}/metrics`, { headers: { authorization: `Bearer ${METRICS_TOKEN}` } });
  const text = await res.text();
  const line = text.split('\n').find((l) => l.startsWith(`${name} `) || l.startsWith(`${name}{`));
  return line ? Number(line.split(' ').at(-1)) : 0;
}

/** The API replica holding chat streams now (the one running a stream's run). */
export async function replicaStreaming(cluster: Cluster): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const open = await Promise.all(
      cluster.apis.map((p) => (p.exited() ? 0 : gaugeOf(p, 'chat_streams_active').catch(() => 0))),
    );
    const i = open.findIndex((n) => n > 0);
    if (i >= 0) return i;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error('no replica holds a chat stream');
}

export const eventIds = (events: ParsedEvent[]) => events.map((e) => Number(e.id));

export async function waitUntil(what: string, check: () => Promise<boolean> | boolean, timeoutMs: number) {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** A billing stream held open on `base`, collecting its `billing.event` frames. */
export async function openBillingStream(base: string, headers: Record<string, string>) {
  const controller = new AbortController();
  const res = await fetch(`${base}/api/v1/billing/stream`, {
    headers: { ...headers, accept: 'text/event-stream' },
    signal: controller.signal,
  });
  if (res.status !== 200) throw new Error(`billing stream: ${res.status} ${await res.text()}`);
  const events: Array<Record<string, any>> = [];
  const pump = (async () => {
    const reader = res.body!.getReader();
    const decoder = new TextDecoder();
    let buffer = '';
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) return;
        buffer += decoder.decode(value, { stream: true });
        for (let cut = buffer.indexOf('\n\n'); cut >= 0; cut = buffer.indexOf('\n\n')) {
          const block = buffer.slice(0, cut);
          buffer = buffer.slice(cut + 2);
          const data = block
            .split('\n')
            .find((l) => l.startsWith('data: '))
            ?.slice(6);
          if (block.includes('event: billing.event') && data) events.push(JSON.parse(data));
        }
      }
    } catch {
      // closed
    }
  })();
  return {
    events: () => events,
    async close() {
      controller.abort();
      await pump;
    },
  };
}

/** Subscribes the owner's tenant to the starter plan through the proxy; the Stripe subscription's id. */
export async function subscribeToStarter(cluster: Cluster, owner: ClusterUser): Promise<string> {
  const created = await fetch(`${cluster.proxyUrl}/api/v1/billing/tenants/${owner.session.tenant_id}/subscription`, {
    method: 'POST',
    headers: { ...owner.headers, 'content-type': 'application/json' },
    body: JSON.stringify({ plan_code: 'starter' }),
  });
  expect(created.status, await created.clone().text()).toBe(201);
  const { rows } = await cluster.postgres.pool.query(
    'select stripe_subscription_id from billing_subscriptions where tenant_id = $1',
    [owner.session.tenant_id],
  );
  return rows[0].stripe_subscription_id as string;
}

/** A `customer.subscription.updated` event as Stripe sends it; `order` spaces `created` (Stripe's order). */
export function subscriptionUpdatedEvent(id: string, order: number, subscription: unknown): string {
  return JSON.stringify({
    id,
    object: 'event',
    api_version: '2025-01-01',
    created: Math.floor(Date.now() / 1000) + order,
    livemode: false,
    pending_webhooks: 1,
    request: { id: null, idempotency_key: null },
    type: 'customer.subscription.updated',
    data: { object: subscription },
  });
}
