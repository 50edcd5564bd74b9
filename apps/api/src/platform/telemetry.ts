import type { FastifyInstance, FastifyRequest } from 'fastify';
import { context, propagation, SpanKind, SpanStatusCode, trace, type Span, type Tracer } from '@opentelemetry/api';
import type { Config } from '../config.js';

/**
 * Optional OpenTelemetry traces over OTLP/HTTP (JSON), on when `OTEL_EXPORTER_OTLP_ENDPOINT` is set.
 *
 * Deliberately small: the trace SDK, the OTLP/HTTP exporter and W3C `traceparent` propagation —
 * not `@opentelemetry/sdk-node` with auto-instrumentations, which patches every module at load
 * time and pulls in dozens of packages. One SERVER span per HTTP request (`GET /api/v1/chat/...`,
 * named by route template), and `withSpan()` for code that wants a child span (a chat run, a
 * Stripe call). The SDK is imported lazily, so a deployment without an endpoint loads none of it.
 * All the packages are plain JavaScript (no install scripts). Pinned to the 2.x SDK line (with
 * `@opentelemetry/api` 1.9): the 3.x line requires Node 22, and Agentry supports Node 20.
 */
export interface Telemetry {
  enabled: boolean;
  /** Flushes what is buffered and stops exporting (graceful shutdown). */
  shutdown(): Promise<void>;
}

export const TRACER_NAME = 'agentry-api';

/** Registers the global tracer provider when an endpoint is configured; a no-op otherwise. */
export async function startTelemetry(config: Config, options: { version: string }): Promise<Telemetry> {
  const endpoint = config.otel.endpoint;
  if (!endpoint) return { enabled: false, shutdown: async () => {} };
  const [
    { TracerProvider, BatchSpanProcessor },
    { OTLPTraceExporter },
    { resourceFromAttributes },
    { AsyncLocalStorageContextManager },
    { W3CTraceContextPropagator },
  ] = await Promise.all([
    import('@opentelemetry/sdk-trace'),
    import('@opentelemetry/exporter-trace-otlp-http'),
    import('@opentelemetry/resources'),
    import('@opentelemetry/context-async-hooks'),
    import('@opentelemetry/core'),
  ]);
  const exporter = new OTLPTraceExporter({ url: `${endpoint.replace(/\/+$/, '')}/v1/traces` });
  const provider = new TracerProvider({
    resource: resourceFromAttributes({
      'service.name': 'agentry-api',
      'service.version': options.version,
      'deployment.environment.name': config.env,
      'agentry.roles': config.roles.join(','),
    }),
    spanProcessors: [new BatchSpanProcessor({ exporter, scheduledDelayMillis: 2000 })],
  });
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  propagation.setGlobalPropagator(new W3CTraceContextPropagator());
  trace.setGlobalTracerProvider(provider);
  return {
    enabled: true,
    shutdown: async () => {
      await provider.shutdown();
      trace.disable();
      propagation.disable();
      context.disable();
    },
  };
}

export function tracer(): Tracer {
  return trace.getTracer(TRACER_NAME);
}

/** Runs `fn` inside a child span of the current one; records a thrown error on the span. */
export async function withSpan<T>(
  name: string,
  attributes: Record<string, string | number | boolean>,
  fn: (span: Span) => Promise<T>,
): Promise<T> {
  return tracer().startActiveSpan(name, { attributes }, async (span) => {
    try {
      return await fn(span);
    } catch (err) {
      span.recordException(err instanceof Error ? err : String(err));
      span.setStatus({ code: SpanStatusCode.ERROR });
      throw err;
    } finally {
      span.end();
    }
  });
}

/**
 * One SERVER span per request, continuing the caller's trace when it sends `traceparent`. The span
 * ends when the response does (also for hijacked SSE responses, which skip Fastify's onResponse).
 * Install only when telemetry is enabled.
 */
export function installHttpTracing(app: FastifyInstance): void {
  app.addHook('onRequest', async (request, reply) => {
    const parent = propagation.extract(context.active(), request.headers);
    const span = tracer().startSpan(
      request.method,
      {
        kind: SpanKind.SERVER,
        attributes: {
          'http.request.method': request.method,
          'url.path': request.url.split('?')[0],
          'agentry.request_id': String(request.id),
        },
      },
      parent,
    );
    reply.raw.once('close', () => endRequestSpan(span, request, reply.raw.statusCode));
  });
}

function endRequestSpan(span: Span, request: FastifyRequest, status: number) {
  const route = request.routeOptions.url;
  if (route) {
    span.updateName(`${request.method} ${route}`);
    span.setAttribute('http.route', route);
  }
  span.setAttribute('http.response.status_code', status);
  if (request.caller) span.setAttribute('agentry.tenant_id', request.caller.tenantId);
  if (status >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
  span.end();
}
