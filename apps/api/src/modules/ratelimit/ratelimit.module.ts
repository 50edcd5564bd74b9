import type { FastifyInstance } from 'fastify';
import type { PlatformContext } from '../../platform/context.js';
import { installRateLimits } from './ratelimit.hooks.js';
import { RateLimiter } from './ratelimit.service.js';

export { RateLimiter } from './ratelimit.service.js';
export type { QuotaName } from './quotas.js';

/**
 * Creates the limiter and enforces (and documents) the quotas every route registered after this
 * call declares in `config.rateLimit`. Releases held leases on shutdown.
 */
export function registerRateLimits(app: FastifyInstance, ctx: PlatformContext): void {
  const limiter = new RateLimiter({
    ports: ctx.ports,
    limits: ctx.config.limits,
    metrics: ctx.metrics,
    logger: ctx.logger,
  });
  installRateLimits(app, limiter, { ipPepper: ctx.config.auth.ipPepper });
  ctx.onShutdown(() => limiter.close());
}
