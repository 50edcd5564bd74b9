import type { FastifyInstance } from 'fastify';
import type { PlatformContext } from '../../platform/context.js';
import { RateLimiter } from './ratelimit.service.js';
import { installRateLimits } from './ratelimit.hooks.js';

export { RateLimiter } from './ratelimit.service.js';
export type { QuotaName } from './quotas.js';

/**
 * Creates the limiter and enforces every route's `config.rateLimit`. Call it before any module
 * registers routes (the hook only sees routes added after it). Releases held leases on shutdown.
 */
export function registerRateLimits(app: FastifyInstance, ctx: PlatformContext): RateLimiter {
  const limiter = new RateLimiter({ ports: ctx.ports, limits: ctx.config.limits, metrics: ctx.metrics, logger: ctx.logger });
  installRateLimits(app, limiter, { ipPepper: ctx.config.auth.ipPepper });
  ctx.onShutdown(() => limiter.close());
  return limiter;
}
