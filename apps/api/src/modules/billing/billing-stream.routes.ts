import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { callerOf } from '../../platform/http/auth-guard.js';
import type { SseRegistry } from '../../platform/sse.js';
import { pipeToSse, SSE_RESPONSE } from '../../platform/sse-pipe.js';
import { billingDisabled } from './billing-errors.js';
import type { BillingStream } from './billing-stream.js';

export interface BillingStreamRouteOptions {
  stream: BillingStream;
  enabled: boolean;
  heartbeatMs: number;
  registry: SseRegistry;
}

/**
 * GET /api/v1/billing/stream: the caller's tenant's billing events as SSE. `Last-Event-ID`
 * (a stream id) replays what was missed; `: ping` after each quiet heartbeat interval.
 */
export function billingStreamRoutes(options: BillingStreamRouteOptions): FastifyPluginAsyncZod {
  return async (app) => {
    app.get(
      '/api/v1/billing/stream',
      {
        // The quota is checked after the route's own preHandler: with billing off, no slot is taken.
        config: { auth: 'billing:read', rateLimit: ['billing_stream_concurrency'] },
        preHandler: async () => {
          if (!options.enabled) throw billingDisabled();
        },
        schema: {
          tags: ['billing'],
          summary: "Live billing events of the caller's tenant (text/event-stream)",
          response: { 200: SSE_RESPONSE },
        },
      },
      async (request, reply) => {
        const caller = callerOf(request);
        const header = request.headers['last-event-id'];
        const lastEventId = Array.isArray(header) ? header[0] : header;
        await pipeToSse(
          request,
          reply,
          async function* (signal) {
            for await (const entry of options.stream.follow(caller.tenantId, lastEventId, signal))
              yield { id: entry.id, event: 'billing.event', data: entry.data };
          },
          {
            heartbeatMs: options.heartbeatMs,
            registry: options.registry,
            // A suspension of the tenant ends it (BillingStreamCloser).
            tenantId: caller.tenantId,
            onError: (err) =>
              request.log.warn({ err, event: 'billing.stream_failed' }, 'billing stream ended on an error'),
          },
        );
      },
    );
  };
}
