import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { FastifyInstance } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { buildApp } from '../../app.js';
import { AppError } from '../errors.js';
import { createTestDatabase, createTestPorts, testConfig } from '../../../test/harness.js';
import type { Database } from '../db/client.js';
import type { Ports } from '../ports/index.js';

/** Routes that exist only in this test, to drive the platform's request handling. */
const probeRoutes: FastifyPluginAsyncZod = async (app) => {
  app.post(
    '/api/v1/_probe',
    {
      config: { auth: 'public' },
      schema: { body: z.object({ name: z.string().min(1).max(10), count: z.number().int() }) },
    },
    async (request) => ({ ok: true, name: request.body.name }),
  );
  app.get('/api/v1/_boom', { config: { auth: 'public' } }, async () => {
    throw new Error('secret internal detail: password=hunter2 at /srv/app.ts:42');
  });
  app.get('/api/v1/_conflict', { config: { auth: 'public' } }, async () => {
    throw new AppError('conflict', 'Already exists.');
  });
  app.get('/api/v1/_protected', { config: { auth: 'conversations:read' } }, async () => ({ ok: true }));
};

let database: Database;
let ports: Ports;
let app: FastifyInstance;
let wildcardApp: FastifyInstance;
beforeAll(async () => {
  database = await createTestDatabase();
  ports = createTestPorts();
  app = await buildApp(
    testConfig({ ALLOWED_ORIGINS: 'https://app.example.com', METRICS_TOKEN: 'metrics-secret-token' }),
    { database, ports },
  );
  await app.register(probeRoutes);
  await app.ready();
  wildcardApp = await buildApp(testConfig({ ALLOWED_ORIGINS: '*' }), { database, ports });
  await wildcardApp.ready();
});
afterAll(async () => {
  await app.close();
  await wildcardApp.close();
  await ports.close();
  await database.close();
});

const post = (payload: string, contentType = 'application/json') =>
  app.inject({ method: 'POST', url: '/api/v1/_probe', headers: { 'content-type': contentType }, payload });

function expectProblem(res: Awaited<ReturnType<typeof post>>, status: number, code: string) {
  expect(res.statusCode).toBe(status);
  expect(res.headers['content-type']).toContain('application/problem+json');
  const body = res.json();
  expect(body).toMatchObject({
    type: 'about:blank',
    status,
    code,
    title: expect.any(String),
    request_id: expect.any(String),
  });
  expect(body.request_id).toBe(res.headers['x-request-id']);
  return body;
}

describe('bad input gets the documented status and a problem body', () => {
  it('accepts a valid body', async () => {
    const res = await post(JSON.stringify({ name: 'ada', count: 1 }));
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ ok: true, name: 'ada' });
  });

  it.each([
    ['truncated JSON', '{"name": "ada"'],
    ['not JSON at all', 'hello'],
    ['empty body', ''],
    ['trailing garbage', '{"name":"a","count":1} x'],
  ])('400 bad_request for %s', async (_label, payload) => {
    expectProblem(await post(payload), 400, 'bad_request');
  });

  it('413 payload_too_large over 1 MiB', async () => {
    expectProblem(await post(JSON.stringify({ name: 'x'.repeat(1024 * 1024), count: 1 })), 413, 'payload_too_large');
  });

  it.each(['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/xml'])(
    '415 unsupported_media_type for %s',
    async (type) => {
      expectProblem(await post('name=ada', type), 415, 'unsupported_media_type');
    },
  );

  it('422 validation_failed with a field error per problem', async () => {
    const body = expectProblem(await post(JSON.stringify({ name: '', count: 'many' })), 422, 'validation_failed');
    expect(body.errors.map((e: { path: string }) => e.path).sort()).toEqual(['count', 'name']);
  });

  it.each([
    ['a NUL character', '{"name":"a\\u0000b","count":1}', 'name'],
    ['an unpaired surrogate in a key or value', '{"name":"ok","count":1,"x":{"\\udc00":"\\ud83d"}}', 'x'],
  ])('422 validation_failed for body text PostgreSQL cannot store: %s', async (_label, payload, path) => {
    const body = expectProblem(await post(payload), 422, 'validation_failed');
    expect(body.errors).toEqual([{ path, message: expect.any(String) }]);
  });

  it.each([
    ['a malformed percent-encoding', '/api/v1/conversations/%E0%A4%A', 400, 'bad_request'],
    ['a path parameter longer than any id or name', `/api/v1/agents/${'x'.repeat(5000)}`, 404, 'not_found'],
  ])('router-level errors are problem details with a request id: %s', async (_label, url, status, code) => {
    const res = await app.inject({ method: 'GET', url, headers: { 'x-request-id': 'router-err-1' } });
    const body = expectProblem(res, status, code);
    expect(body.request_id).toBe('router-err-1');
  });

  it('keeps well-formed astral characters (surrogate pairs)', async () => {
    const res = await post(JSON.stringify({ name: '😀é', count: 1 }));
    expect(res.statusCode).toBe(200);
  });

  it.each([
    ['an array', '[1,2]'],
    ['null', 'null'],
    [
      'a prototype-pollution attempt',
      '{"__proto__":{"admin":true},"name":"a","count":1,"constructor":{"prototype":{"x":1}}}',
    ],
    ['deep nesting', `${'['.repeat(5000)}${']'.repeat(5000)}`],
  ])('never a 5xx for %s', async (_label, payload) => {
    const res = await post(payload);
    expect(res.statusCode).toBeGreaterThanOrEqual(200);
    expect(res.statusCode).toBeLessThan(500);
    expect(({} as Record<string, unknown>).admin).toBeUndefined();
  });

  it('404 not_found as a problem for an unknown route', async () => {
    expectProblem(await app.inject({ method: 'GET', url: '/api/v1/nope' }), 404, 'not_found');
  });

  it('AppError codes map to their status', async () => {
    expectProblem(await app.inject({ method: 'GET', url: '/api/v1/_conflict' }), 409, 'conflict');
  });

  it('a 500 carries no internal message or stack', async () => {
    const res = await app.inject({ method: 'GET', url: '/api/v1/_boom' });
    const body = expectProblem(res, 500, 'internal_error');
    expect(res.body).not.toMatch(/hunter2|secret|srv|stack|Error:/);
    expect(body.detail).toBe('An unexpected error occurred.');
  });

  it('401 with WWW-Authenticate on a protected route without a token, before the body is looked at', async () => {
    const res = await app.inject({ method: 'GET', url: '/api/v1/_protected' });
    expectProblem(res, 401, 'unauthenticated');
    expect(res.headers['www-authenticate']).toMatch(/^Bearer/);
  });
});

describe('request ids', () => {
  it('echoes a well-formed X-Request-Id', async () => {
    const res = await app.inject({ method: 'GET', url: '/health', headers: { 'x-request-id': 'req-abc.123' } });
    expect(res.headers['x-request-id']).toBe('req-abc.123');
  });
  it('replaces a hostile one', async () => {
    const res = await app.inject({ method: 'GET', url: '/health', headers: { 'x-request-id': 'a b\u0000<script>' } });
    expect(res.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
  });
});

describe('CORS and security headers', () => {
  it('allows a configured origin with credentials', async () => {
    const res = await app.inject({
      method: 'OPTIONS',
      url: '/api/v1/_probe',
      headers: { origin: 'https://app.example.com', 'access-control-request-method': 'POST' },
    });
    expect(res.headers['access-control-allow-origin']).toBe('https://app.example.com');
    expect(res.headers['access-control-allow-credentials']).toBe('true');
  });
  it('does not allow another origin', async () => {
    const res = await app.inject({ method: 'GET', url: '/health', headers: { origin: 'https://evil.example' } });
    expect(res.headers['access-control-allow-origin']).toBeUndefined();
  });
  it('never pairs a wildcard with credentials', async () => {
    const res = await wildcardApp.inject({ method: 'GET', url: '/health', headers: { origin: 'https://any.example' } });
    expect(res.headers['access-control-allow-origin']).toBe('*');
    expect(res.headers['access-control-allow-credentials']).toBeUndefined();
  });
  it('sets security headers', async () => {
    const res = await app.inject({ method: 'GET', url: '/health' });
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['strict-transport-security']).toBeDefined();
    expect(res.headers['x-frame-options']).toBeDefined();
  });
});

describe('operations endpoints', () => {
  it('serves the OpenAPI 3.1 document and the docs UI', async () => {
    const doc = (await app.inject({ method: 'GET', url: '/openapi.json' })).json();
    expect(doc.openapi).toBe('3.1.0');
    expect(doc.paths['/health/ready']).toBeDefined();
    const ui = await app.inject({ method: 'GET', url: '/docs' });
    expect([200, 302]).toContain(ui.statusCode);
  });

  it('guards /metrics with METRICS_TOKEN and reports request durations by route', async () => {
    expectProblem(await app.inject({ method: 'GET', url: '/metrics' }), 401, 'unauthenticated');
    expectProblem(
      await app.inject({ method: 'GET', url: '/metrics', headers: { authorization: 'Bearer wrong' } }),
      401,
      'unauthenticated',
    );
    const res = await app.inject({
      method: 'GET',
      url: '/metrics',
      headers: { authorization: 'Bearer metrics-secret-token' },
    });
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain(
      'http_request_duration_seconds_bucket{le="0.001",route="/health",method="GET",status="200"}',
    );
    expect(res.body).toContain('process_cpu_user_seconds_total');
  });
});

describe('process roles', () => {
  it('a worker-only process serves health and metrics but no API routes', async () => {
    const worker = await buildApp(testConfig({ AGENTRY_ROLES: 'worker' }), { database, ports });
    await worker.ready();
    try {
      expect((await worker.inject({ method: 'GET', url: '/health' })).statusCode).toBe(200);
      expect((await worker.inject({ method: 'GET', url: '/metrics' })).statusCode).toBe(200);
      expect((await worker.inject({ method: 'POST', url: '/api/v1/auth/token', payload: {} })).statusCode).toBe(404);
      expect((await worker.inject({ method: 'GET', url: '/api/v1/billing/plans' })).statusCode).toBe(404);
      // The api role (the default includes it) serves them.
      expect((await app.inject({ method: 'GET', url: '/api/v1/billing/plans' })).statusCode).toBe(200);
    } finally {
      await worker.close();
    }
  });
});
