import type { FastifyInstance, FastifyReply, FastifyRequest, preHandlerAsyncHookHandler } from 'fastify';
import { AppError } from '../../platform/errors.js';
import { keyedHash } from '../../platform/crypto.js';
import type { QuotaName, QuotaPolicy } from './quotas.js';
import type { RateLimiter, StreamLease } from './ratelimit.service.js';
import { appendListHeader, policyItem, stateItem } from './ratelimit-headers.js';

declare module 'fastify' {
  interface FastifyContextConfig {
    /**
     * The quotas of API.md's "Rate limits" table this route counts against, e.g.
     * `rateLimit: ['chat_stream_per_minute', 'chat_stream_concurrency']`. The key (tenant + user,
     * tenant, client IP) comes from the quota's definition, never from the route.
     */
    rateLimit?: readonly QuotaName[];
  }
}

/**
 * A refused stream may retry once one of its other streams has ended; nothing tells us when that
 * is, so we suggest a short pause instead of hammering the limiter.
 */
export const CONCURRENCY_RETRY_AFTER_SECONDS = 5;

export interface RateLimitHookOptions {
  /** Client IPs are keyed by an HMAC so raw addresses never sit in Redis. */
  ipPepper: string;
}

/**
 * Attaches the quotas a route declares in `config.rateLimit` as its last preHandler (after auth,
 * validation and the route's own preHandlers; before the handler). Must be installed before the modules register their routes.
 */
export function installRateLimits(app: FastifyInstance, limiter: RateLimiter, options: RateLimitHookOptions): void {
  app.addHook('onRoute', (route) => {
    const quotas = route.config?.rateLimit;
    if (!quotas || quotas.length === 0) return;
    for (const name of quotas) {
      const policy = limiter.policies[name];
      if (!policy) throw new Error(`route ${route.method} ${route.url} declares an unknown quota ${name}`);
      if (policy.key !== 'client_ip' && (route.config?.auth ?? 'public') === 'public') {
        throw new Error(
          `route ${route.method} ${route.url}: quota ${name} is keyed by the caller, so the route cannot be public`,
        );
      }
    }
    const handler = rateLimitPreHandler(limiter, quotas, options);
    const existing =
      route.preHandler === undefined ? [] : Array.isArray(route.preHandler) ? route.preHandler : [route.preHandler];
    // After the route's own preconditions (e.g. billing_disabled): a request they refuse costs no quota.
    route.preHandler = [...existing, handler];
  });
}

/** Marks a rate-limit hook with its quotas, so the OpenAPI document can list them per route. */
const QUOTAS = Symbol('agentry.rateLimit.quotas');

/** A preHandler enforcing `quotas` in order; usable directly on a route that is not declared in config. */
export function rateLimitPreHandler(
  limiter: RateLimiter,
  quotas: readonly QuotaName[],
  options: RateLimitHookOptions,
): preHandlerAsyncHookHandler {
  return Object.assign(
    async function rateLimitHandler(this: FastifyInstance, request: FastifyRequest, reply: FastifyReply) {
      for (const name of quotas) {
        if (!limiter.enabled(name)) continue;
        const policy = limiter.policies[name];
        const key = quotaKey(policy, request, options);
        appendListHeader(reply, 'ratelimit-policy', policyItem(policy));
        if (policy.kind === 'window') {
          const decision = await limiter.consume(policy.name, key);
          if (decision.remaining !== undefined)
            appendListHeader(reply, 'ratelimit', stateItem(policy, decision.remaining, decision.resetSeconds));
          if (!decision.allowed) refuse(request, policy, decision.resetSeconds ?? policy.windowSeconds);
        } else {
          const decision = await limiter.acquire(policy.name, key);
          if (!decision.allowed) {
            appendListHeader(reply, 'ratelimit', stateItem(policy, 0));
            refuse(request, policy, CONCURRENCY_RETRY_AFTER_SECONDS);
          } else {
            if (decision.remaining !== undefined)
              appendListHeader(reply, 'ratelimit', stateItem(policy, decision.remaining));
            if (decision.lease) holdUntilResponseEnds(reply, decision.lease);
          }
        }
      }
    },
    { [QUOTAS]: quotas },
  );
}

/**
 * Documents each rate-limited route in the OpenAPI document (API.md asks for what it leaves
 * implicit to be written there): its quotas, the headers, and the 429. Finds the hooks however
 * they were attached (route options from app.ts, or `config.rateLimit`).
 */
export function documentRateLimits(app: FastifyInstance, limiter: RateLimiter): void {
  app.addHook('onRoute', (route) => {
    const hooks = [route.onRequest, route.preHandler].flat().filter(Boolean) as { [QUOTAS]?: readonly QuotaName[] }[];
    const quotas = [...new Set([...(route.config?.rateLimit ?? []), ...hooks.flatMap((h) => h[QUOTAS] ?? [])])];
    if (quotas.length === 0 || !route.schema) return;
    const list = quotas.map((q) => {
      const p = limiter.policies[q];
      const limit =
        p.limit === 0
          ? 'disabled'
          : p.kind === 'window'
            ? `${p.limit} per ${p.windowSeconds} s`
            : `${p.limit} open at once`;
      return `\`${q}\` (${limit}, per ${p.key.replace('_', ' ')})`;
    });
    const schema = route.schema as Record<string, unknown>;
    schema.description =
      `${schema.description ?? ''}\n\nRate limits: ${list.join(', ')}. Responses carry \`RateLimit-Policy\` and \`RateLimit\`; past a limit the answer is 429 \`rate_limited\` with \`Retry-After\`.`.trim();
  });
}

/**
 * Ties a lease to the HTTP response: it is released when the response ends for any reason — the
 * stream closes normally, the client disconnects, or the handler fails before the stream opens.
 */
export function holdUntilResponseEnds(reply: FastifyReply, lease: StreamLease): void {
  const res = reply.raw;
  // release() never rejects (a failed release is reported and left to the lease TTL).
  const release = () => void lease.release();
  // Already over (the client left while we waited on the store)? Then 'close' has fired: release now.
  // Not `request.raw.destroyed`: a request stream auto-destroys once its body has been read.
  const over = res.writableFinished || res.destroyed || !res.socket || res.socket.destroyed;
  if (over) release();
  else res.once('close', release);
}

function quotaKey(policy: QuotaPolicy, request: FastifyRequest, options: RateLimitHookOptions): string {
  if (policy.key === 'client_ip') return keyedHash(options.ipPepper, request.ip);
  const caller = request.caller;
  if (!caller) throw new AppError('unauthenticated', 'Authentication required.');
  return policy.key === 'tenant' ? caller.tenantId : `${caller.tenantId}:${caller.subject}`;
}

function refuse(request: FastifyRequest, policy: QuotaPolicy, retryAfterSeconds: number): never {
  const seconds = Math.max(1, Math.ceil(retryAfterSeconds));
  request.log.info(
    {
      event: 'rate_limit.block',
      quota: policy.name,
      limit: policy.limit,
      route: request.routeOptions.url,
      retry_after_s: seconds,
      tenant_id: request.caller?.tenantId,
    },
    'rate limit reached',
  );
  const what =
    policy.kind === 'window'
      ? `${policy.limit} requests per ${policy.windowSeconds} s`
      : `${policy.limit} open streams at once`;
  throw new AppError('rate_limited', `Rate limit ${policy.name} reached (${what}). Retry after ${seconds} s.`, {
    headers: { 'retry-after': String(seconds) },
    details: { quota: policy.name, limit: policy.limit, retry_after_seconds: seconds },
  });
}
