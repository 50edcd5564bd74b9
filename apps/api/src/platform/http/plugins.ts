import crypto from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import cors from '@fastify/cors';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import { jsonSchemaTransform, jsonSchemaTransformObject } from 'fastify-type-provider-zod';
import type { Config } from '../../config.js';
import { LATENCY_BUCKETS, type Metrics } from '../metrics.js';
import { installTextInputGuard } from './text-input.js';
import { installEmptyBodyTolerance } from './empty-body.js';
import { installSecurityHeaders } from './security-headers.js';

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** Echo a well-formed incoming `X-Request-Id`, generate one otherwise. */
export function requestIdFor(header: string | string[] | undefined): string {
  return typeof header === 'string' && REQUEST_ID.test(header) ? header : crypto.randomUUID();
}

export async function installHttpPlatform(app: FastifyInstance, config: Config, metrics: Metrics, version: string) {
  // The request hooks below that never wait are callback-style: an async hook costs every request
  // a promise and a microtask turn for nothing.
  app.addHook('onRequest', (request, reply, done) => {
    reply.header('x-request-id', request.id);
    done();
  });

  // JSON is the only body the API parses (the Stripe webhook adds its raw-body parser in its own scope).
  app.removeContentTypeParser('text/plain');
  installTextInputGuard(app);
  installEmptyBodyTolerance(app);

  const wildcard = config.http.allowedOrigins.includes('*');
  await app.register(cors, {
    // A wildcard never goes with credentials: browsers would refuse it, and it would be unsafe.
    origin: wildcard ? '*' : [...config.http.allowedOrigins],
    credentials: !wildcard,
    exposedHeaders: ['x-request-id', 'x-run-id', 'ratelimit', 'ratelimit-policy', 'retry-after'],
    allowedHeaders: [
      'authorization',
      'content-type',
      'last-event-id',
      'x-request-id',
      'x-tenant-id',
      'idempotency-key',
    ],
    maxAge: 600,
  });
  // helmet's headers, worked out once (the API serves JSON; only /docs serves HTML, with its own CSP from swagger-ui).
  installSecurityHeaders(app);

  const duration = metrics.histogram(
    'http_request_duration_seconds',
    'HTTP request duration by route, method and status',
    ['route', 'method', 'status'],
    LATENCY_BUCKETS,
  );
  app.addHook('onResponse', (request, reply, done) => {
    const route = request.routeOptions.url ?? 'unmatched';
    duration.observe({ route, method: request.method, status: String(reply.statusCode) }, reply.elapsedTime / 1000);
    done();
  });

  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: { title: 'Agentry API', version, description: 'HTTP contract of the Agentry API server (see API.md).' },
      components: {
        securitySchemes: {
          bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' },
        },
      },
    },
    transform: jsonSchemaTransform,
    transformObject: jsonSchemaTransformObject,
  });
  // Mark every protected operation with its auth requirement in the document.
  app.addHook('onRoute', (route) => {
    const auth = route.config?.auth;
    // The HEAD twin of a GET route shares its schema object (and is not in the document): write once.
    if (!auth || auth === 'public' || !route.schema || route.method === 'HEAD') return;
    const schema = route.schema as Record<string, unknown>;
    schema.security ??= [{ bearer: [] }];
    if (auth !== 'access') schema.description = `${schema.description ?? ''}\n\nRequires scope \`${auth}\`.`.trim();
  });
  await app.register(swaggerUi, { routePrefix: '/docs', staticCSP: true });
  app.get('/openapi.json', { config: { auth: 'public' }, schema: { hide: true } }, async () => app.swagger());
}
