import type { FastifyInstance, onRequestHookHandler, preHandlerAsyncHookHandler } from 'fastify';
import type { PlatformContext } from '../../platform/context.js';
import { RateLimiter } from './ratelimit.service.js';
import { documentRateLimits, installRateLimits, rateLimitPreHandler } from './ratelimit.hooks.js';
import type { QuotaName } from './quotas.js';

export { RateLimiter } from './ratelimit.service.js';
export type { QuotaName } from './quotas.js';

/** What the composition root hands to other modules' route options. */
export interface RateLimits {
  limiter: RateLimiter;
  /** A preHandler enforcing `quotas` (after auth and body validation). */
  preHandler(...quotas: QuotaName[]): preHandlerAsyncHookHandler;
  /** The same check as an onRequest hook (after auth, before the body is parsed). */
  onRequest(...quotas: QuotaName[]): onRequestHookHandler;
}

/**
 * Creates the limiter, enforces every route's `config.rateLimit` (routes registered after this
 * call), and returns hooks for modules that take them as route options. Releases held leases on
 * shutdown.
 */
export function registerRateLimits(app: FastifyInstance, ctx: PlatformContext): RateLimits {
  const limiter = new RateLimiter({
    ports: ctx.ports,
    limits: ctx.config.limits,
    metrics: ctx.metrics,
    logger: ctx.logger,
  });
  const options = { ipPepper: ctx.config.auth.ipPepper };
  installRateLimits(app, limiter, options);
  documentRateLimits(app, limiter);
  ctx.onShutdown(() => limiter.close());
  return {
    limiter,
    preHandler: (...quotas) => rateLimitPreHandler(limiter, quotas, options),
    // An async hook: Fastify awaits its promise (the auth guard's onRequest has already run).
    onRequest: (...quotas) => rateLimitPreHandler(limiter, quotas, options) as unknown as onRequestHookHandler,
  };
}
