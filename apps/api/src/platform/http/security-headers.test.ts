import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fastify, { type FastifyInstance } from 'fastify';
import helmet from '@fastify/helmet';
import { buildApp } from '../../app.js';
import { createTestDatabase, createTestPorts, testConfig } from '../../../test/harness.js';
import type { Database } from '../db/client.js';
import type { Ports } from '../ports/index.js';
import { HELMET_OPTIONS, helmetHeaders } from './security-headers.js';

let database: Database;
let ports: Ports;
let app: FastifyInstance;
/** What @fastify/helmet itself sets with the same options (the plugin the API used to register). */
let expected: Record<string, string>;
beforeAll(async () => {
  const reference = fastify();
  await reference.register(helmet, { global: true, ...HELMET_OPTIONS });
  reference.get('/', async () => ({ ok: true }));
  const res = await reference.inject({ method: 'GET', url: '/' });
  await reference.close();
  const names = helmetHeaders().map(([name]) => name.toLowerCase());
  expected = Object.fromEntries(names.map((name) => [name, String(res.headers[name])]));

  database = await createTestDatabase();
  ports = createTestPorts();
  app = await buildApp(testConfig({ ALLOWED_ORIGINS: 'https://app.example.com' }), { database, ports });
  await app.ready();
});
afterAll(async () => {
  await app?.close();
  await ports?.close();
  await database?.close();
});

describe('security headers', () => {
  it('are the ones @fastify/helmet sets with the same options, all of them', () => {
    expect(Object.keys(expected).sort()).toEqual([
      'cross-origin-opener-policy',
      'cross-origin-resource-policy',
      'origin-agent-cluster',
      'referrer-policy',
      'strict-transport-security',
      'x-content-type-options',
      'x-dns-prefetch-control',
      'x-download-options',
      'x-frame-options',
      'x-permitted-cross-domain-policies',
      'x-xss-protection',
    ]);
    expect(expected['cross-origin-resource-policy']).toBe('same-site');
    expect(expected['x-content-type-options']).toBe('nosniff');
    expect(expected).not.toHaveProperty('content-security-policy');
  });

  it.each([
    ['a 200', '/health', 200],
    ['a 401', '/api/v1/conversations', 401],
    ['a 404', '/api/v1/no-such-route', 404],
  ])('are on %s, with the same values', async (_label, url, status) => {
    const res = await app.inject({ method: 'GET', url, headers: { origin: 'https://app.example.com' } });
    expect(res.statusCode).toBe(status);
    for (const [name, value] of Object.entries(expected)) expect(res.headers[name], name).toBe(value);
    expect(res.headers['content-security-policy']).toBeUndefined();
    expect(res.headers['x-powered-by']).toBeUndefined();
  });

  it('leave /docs its own CSP from swagger-ui', async () => {
    const res = await app.inject({ method: 'GET', url: '/docs/' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-security-policy']).toContain("default-src 'self'");
    for (const [name, value] of Object.entries(expected)) expect(res.headers[name], name).toBe(value);
  });
});
