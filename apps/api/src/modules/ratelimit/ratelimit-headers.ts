import type { FastifyReply } from 'fastify';
import type { QuotaPolicy } from './quotas.js';

/**
 * `RateLimit-Policy` and `RateLimit` as the IETF httpapi-ratelimit-headers draft (-08 onwards)
 * writes them: Structured Field lists whose items are the quota policy's name (a String) with
 * parameters — `q` quota, `w` window seconds on the policy; `r` remaining, `t` seconds until the
 * quota resets on the current state. A route with several quotas lists each, in order.
 *
 *   RateLimit-Policy: "chat_stream_per_minute";q=30;w=60, "chat_stream_concurrency";q=5
 *   RateLimit: "chat_stream_per_minute";r=29;t=60, "chat_stream_concurrency";r=4
 */
export function policyItem(policy: QuotaPolicy): string {
  return `"${policy.name}";q=${policy.limit}${policy.kind === 'window' ? `;w=${policy.windowSeconds}` : ''}`;
}

export function stateItem(policy: QuotaPolicy, remaining: number, resetSeconds?: number): string {
  return `"${policy.name}";r=${Math.max(0, remaining)}${resetSeconds === undefined ? '' : `;t=${Math.max(0, resetSeconds)}`}`;
}

/** Appends one item to a list-valued header already set on the reply (several quotas on one route). */
export function appendListHeader(reply: FastifyReply, name: string, item: string): void {
  const current = reply.getHeader(name);
  reply.header(name, current === undefined ? item : `${String(current)}, ${item}`);
}
