import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { HealthResponse, Problem, ReadyResponse } from '@agentry/contracts';
import { AppError } from '../../platform/errors.js';
import type { HealthService } from './health.service.js';
import type { Metrics } from '../../platform/metrics.js';
import { bearerToken } from '../../platform/http/auth-guard.js';
import { constantTimeEqual } from '../../platform/crypto.js';

export function healthRoutes(health: HealthService): FastifyPluginAsyncZod {
  return async (app) => {
    app.get(
      '/health',
      {
        config: { auth: 'public' },
        schema: { tags: ['health'], summary: 'Liveness: the process is up', response: { 200: HealthResponse } },
      },
      async () => health.liveness(),
    );

    app.get(
      '/health/ready',
      {
        config: { auth: 'public' },
        schema: {
          tags: ['health'],
          summary: 'Readiness: the database and Redis answer',
          response: { 200: ReadyResponse, 503: Problem },
        },
      },
      async () => {
        const { ready, draining, checks, details } = await health.readiness();
        // The load balancer stops sending here; requests already on their way are still served.
        if (draining) throw new AppError('not_ready', 'Not ready: shutting down.', { details: { draining: true } });
        if (!ready) {
          const failed = Object.entries(checks)
            .filter(([, v]) => v !== 'ok')
            .map(([k]) => k);
          throw new AppError('not_ready', `Not ready: ${failed.join(', ')} unavailable.`, { details: { checks } });
        }
        return {
          status: 'ready' as const,
          checks: checks as Record<string, 'ok'>,
          ...(Object.keys(details).length ? { details } : {}),
        };
      },
    );
  };
}

/** Prometheus metrics; behind `METRICS_TOKEN` when one is set. */
export function metricsRoutes(metrics: Metrics, token: string | undefined): FastifyPluginAsyncZod {
  return async (app) => {
    app.get('/metrics', { config: { auth: 'public' }, schema: { hide: true } }, async (request, reply) => {
      if (token) {
        const given = bearerToken(request) ?? '';
        if (!constantTimeEqual(given, token))
          throw new AppError('unauthenticated', 'A valid metrics token is required.');
      }
      reply.type(metrics.registry.contentType);
      return metrics.registry.metrics();
    });
  };
}
