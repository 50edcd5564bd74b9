import type { FastifyInstance, FastifyReply, FastifyRequest, RouteOptions } from 'fastify';
import { Problem } from '@agentry/contracts';
import { AppError } from '../../platform/errors.js';
import { keyedHash } from '../../platform/crypto.js';
import { PROBLEM_CONTENT_TYPE } from '../../platform/http/problem.js';
import { clientAddressGroup } from './client-address.js';
import type { QuotaName, QuotaPolicy } from './quotas.js';
import type { ConcurrencySlot, RateLimiter, StreamLease } from './ratelimit.service.js';
import { appendListHeader, policyItem, stateItem } from './ratelimit-headers.js';

declare module 'fastify' {
  interface FastifyContextConfig {
    /**
     * The quotas of API.md's "Rate limits" table this route counts against, e.g.
     * `rateLimit: ['chat_stream_per_minute', 'chat_stream_concurrency']`. The key (tenant + user,
     * tenant, client IP) comes from the quota's definition, never from the route.
     */
    rateLimit?: readonly QuotaName[];
    /**
     * What holds this route's concurrency slots: the HTTP response (default: a stream), or the run
     * the route starts (`'run'`: the handler takes them with `takeRunSlots`, and they are given back
     * when the run stops executing, however early the client hung up).
     */
    concurrencyHeldBy?: 'response' | 'run';
  }
}

/** Run-held slots taken by the rate-limit hook, waiting for the handler to take them. */
const pendingRunSlots = new WeakMap<FastifyRequest, StreamLease[]>();

/** The run-held concurrency slots of one request, owned by its handler. */
export interface RunSlots {
  /** Gives them back (idempotent, never rejects): when the run stops executing, or did not start. */
  release(): Promise<void>;
}

/**
 * Takes the run-held slots (`concurrencyHeldBy: 'run'`) of this request. Call it first thing in the
 * handler: from then on the slots no longer follow the response, so a client that hangs up while
 * its run starts cannot free its slot; the handler releases them when the run ends (or fails to start).
 */
export function takeRunSlots(request: FastifyRequest): RunSlots {
  const leases = pendingRunSlots.get(request) ?? [];
  pendingRunSlots.delete(request);
  return { release: async () => void (await Promise.all(leases.map((l) => l.release()))) };
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

/** A route that declares quotas in `config.rateLimit`, as the hook saw it. */
export interface RateLimitedRoute {
  method: string;
  url: string;
  quotas: readonly QuotaName[];
}
const limitedRoutesOf = new WeakMap<FastifyInstance, RateLimitedRoute[]>();

/** Every route registered on `app` so far that declares quotas (the OpenAPI test walks them). */
export function rateLimitedRoutes(app: FastifyInstance): readonly RateLimitedRoute[] {
  return limitedRoutesOf.get(app) ?? [];
}

type Enforcer = (this: FastifyInstance, request: FastifyRequest, reply: FastifyReply) => Promise<void>;

/**
 * The one rate-limit mechanism: every route registered after this call that declares quotas in
 * `config.rateLimit` gets them checked, and documented in the OpenAPI document. An unknown quota, or
 * a caller-keyed quota on a public route, fails at start-up. When each quota is counted follows from
 * its key:
 *
 * - client-IP quotas (`login_per_ip`) as the route's last `onRequest` hook: before the body is
 *   parsed, so every attempt counts, even a malformed one;
 * - caller-keyed quotas as the route's last `preHandler`: after the auth guard, body validation and
 *   the route's own preconditions (e.g. `billing_disabled`), so a request refused by those costs nothing.
 */
export function installRateLimits(app: FastifyInstance, limiter: RateLimiter, options: RateLimitHookOptions): void {
  const limited: RateLimitedRoute[] = [];
  limitedRoutesOf.set(app, limited);
  app.addHook('onRoute', (route) => {
    const quotas = route.config?.rateLimit ?? [];
    if (quotas.length === 0) return;
    const policies = quotas.map((name) => policyOf(limiter, route, name));
    const early = policies.filter((p) => p.key === 'client_ip');
    const late = policies.filter((p) => p.key !== 'client_ip');
    if (early.length > 0) route.onRequest = [...hooksOf(route.onRequest), enforcer(limiter, early, options)];
    if (late.length > 0) route.preHandler = [...hooksOf(route.preHandler), enforcer(limiter, late, options)];
    document(route, policies);
    for (const method of [route.method].flat()) {
      if (method !== 'HEAD') limited.push({ method, url: route.url, quotas });
    }
  });
}

function policyOf(limiter: RateLimiter, route: RouteOptions, name: QuotaName): QuotaPolicy {
  const policy = Object.hasOwn(limiter.policies, name) ? limiter.policies[name] : undefined;
  if (!policy) throw new Error(`route ${route.method} ${route.url} declares an unknown quota ${name}`);
  if (policy.key !== 'client_ip' && (route.config?.auth ?? 'public') === 'public') {
    throw new Error(
      `route ${route.method} ${route.url}: quota ${name} is keyed by the caller, so the route cannot be public`,
    );
  }
  return policy;
}

function hooksOf<T>(hooks: T | T[] | undefined): T[] {
  return hooks === undefined ? [] : Array.isArray(hooks) ? hooks : [hooks];
}

/** Checks `policies` in order: headers for each, a 429 at the first one exhausted. */
function enforcer(limiter: RateLimiter, policies: readonly QuotaPolicy[], options: RateLimitHookOptions): Enforcer {
  return async function rateLimit(request, reply) {
    for (const policy of policies) {
      if (!limiter.enabled(policy.name)) continue;
      const key = quotaKey(policy, request, options);
      appendListHeader(reply, 'ratelimit-policy', policyItem(policy));
      if (policy.kind === 'window') {
        const decision = await limiter.consume(policy.name, key);
        if (decision.remaining !== undefined)
          appendListHeader(reply, 'ratelimit', stateItem(policy, decision.remaining, decision.resetSeconds));
        if (!decision.allowed) refuse(request, policy, decision.resetSeconds ?? policy.windowSeconds);
      } else if (request.routeOptions.config.concurrencyHeldBy === 'run') {
        await acquireRunSlots(limiter, policy, key, request, reply);
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
  };
}

/**
 * Slots held by a run, not by a stream: one in the caller's count, one in the tenant's (when
 * `tenantLimit` is set), taken together (both or neither, one command) and held by one lease, so a
 * run costs one command to start and one to end. Their keys (`runs:…`, `tenant-runs:…`) are apart
 * from stream-held slots of the same quota, so resume streams of running runs are counted on their
 * own, and apart from each other whatever a tenant id or subject contains.
 */
async function acquireRunSlots(
  limiter: RateLimiter,
  policy: QuotaPolicy & { kind: 'concurrency' },
  key: string,
  request: FastifyRequest,
  reply: FastifyReply,
): Promise<void> {
  const tenantId = request.caller?.tenantId;
  const slots: ConcurrencySlot[] = [{ key: `runs:${key}` }];
  if (policy.tenantLimit && tenantId) slots.push({ key: `tenant-runs:${tenantId}`, limit: policy.tenantLimit });
  const decision = await limiter.acquireAll(policy.name, slots);
  if (!decision.allowed) {
    appendListHeader(reply, 'ratelimit', stateItem(policy, 0));
    const tenantFull = decision.refused === 1;
    refuse(
      request,
      policy,
      CONCURRENCY_RETRY_AFTER_SECONDS,
      tenantFull ? `${policy.tenantLimit} running runs in this tenant` : undefined,
    );
  }
  const mine = decision.remaining?.[0];
  if (mine !== undefined) appendListHeader(reply, 'ratelimit', stateItem(policy, mine));
  const lease = decision.lease;
  if (!lease) return;
  const leases = [lease];
  pendingRunSlots.set(request, leases);
  // Until the handler takes them (takeRunSlots): a request that never reaches it gives them back
  // when its response ends. Taken, they are no longer pending and the handler owns them.
  const release = () => {
    if (pendingRunSlots.get(request) !== leases) return;
    pendingRunSlots.delete(request);
    void lease.release();
  };
  reply.raw.once('finish', release);
  reply.raw.once('close', release);
}

/**
 * Writes the route's quotas into its OpenAPI operation (API.md asks for what it leaves implicit to
 * be written there): a sentence in the description, the `x-ratelimit` extension (one entry per
 * quota, for tools) and the 429 response.
 */
function document(route: RouteOptions, policies: readonly QuotaPolicy[]): void {
  // The HEAD twin of a GET route shares its schema object (and is not in the document): write once.
  if (!route.schema || route.method === 'HEAD') return;
  const schema = route.schema as Record<string, unknown>;
  const list = policies.map((p) => `\`${p.name}\` (${limitText(p)}, per ${p.key.replace('_', ' ')})`);
  schema.description =
    `${schema.description ?? ''}\n\nRate limits: ${list.join(', ')}. Responses carry \`RateLimit-Policy\` and \`RateLimit\`; past a limit the answer is 429 \`rate_limited\` with \`Retry-After\`.`.trim();
  schema['x-ratelimit'] = policies.map((p) => ({
    quota: p.name,
    kind: p.kind,
    key: p.key,
    limit: p.limit,
    ...(p.kind === 'window' ? { window_seconds: p.windowSeconds } : {}),
  }));
  schema.response = {
    ...(schema.response as object | undefined),
    429: {
      description: `Rate limit reached (${policies.map((p) => p.name).join(', ')}): problem \`rate_limited\`, with \`Retry-After\` (seconds).`,
      content: { [PROBLEM_CONTENT_TYPE]: { schema: Problem } },
    },
  };
}

function limitText(p: QuotaPolicy): string {
  if (p.limit === 0) return 'disabled';
  return p.kind === 'window' ? `${p.limit} per ${p.windowSeconds} s` : `${p.limit} open at once`;
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
  if (policy.key === 'client_ip') return keyedHash(options.ipPepper, clientAddressGroup(request.ip));
  const caller = request.caller;
  if (!caller) throw new AppError('unauthenticated', 'Authentication required.');
  return policy.key === 'tenant' ? caller.tenantId : `${caller.tenantId}:${caller.subject}`;
}

function refuse(request: FastifyRequest, policy: QuotaPolicy, retryAfterSeconds: number, reached?: string): never {
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
    reached ??
    (policy.kind === 'window'
      ? `${policy.limit} requests per ${policy.windowSeconds} s`
      : request.routeOptions.config.concurrencyHeldBy === 'run'
        ? `${policy.limit} running runs at once`
        : `${policy.limit} open streams at once`);
  throw new AppError('rate_limited', `Rate limit ${policy.name} reached (${what}). Retry after ${seconds} s.`, {
    headers: { 'retry-after': String(seconds) },
    details: { quota: policy.name, limit: policy.limit, retry_after_seconds: seconds },
  });
}
