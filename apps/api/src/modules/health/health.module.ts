import type { FastifyInstance } from 'fastify';
import type { PlatformContext } from '../../platform/context.js';
import { version } from '../../version.js';
import { HealthService } from './health.service.js';
import { healthRoutes, metricsRoutes } from './health.routes.js';

/** Liveness, readiness (the database and Redis answer, the process is not draining) and the Prometheus endpoint. */
export function createHealthModule(ctx: PlatformContext, draining: () => boolean = () => false) {
  const service = new HealthService({
    version,
    timeoutMs: ctx.config.readinessTimeoutMs,
    probes: { database: () => ctx.database.ping(), redis: () => ctx.ports.ping() },
    draining,
  });
  return {
    service,
    async register(app: FastifyInstance) {
      await app.register(healthRoutes(service));
      await app.register(metricsRoutes(ctx.metrics, ctx.config.http.metricsToken));
    },
  };
}
