import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../app.js';
import { createTestDatabase, createTestPorts, testConfig } from '../../../test/harness.js';
import type { Database } from '../db/client.js';
import type { Ports } from '../ports/index.js';
import { createLogger } from '../logger.js';

/** request.log is made lazily (platform/logger.ts): what it writes still carries the request id. */
let database: Database;
let ports: Ports;
let app: FastifyInstance;
const lines: Record<string, unknown>[] = [];
beforeAll(async () => {
  const sink = new Writable({
    write(chunk, _enc, cb) {
      for (const line of String(chunk).split('\n').filter(Boolean)) lines.push(JSON.parse(line));
      cb();
    },
  });
  database = await createTestDatabase();
  ports = createTestPorts();
  app = await buildApp(testConfig(), { database, ports, logger: createLogger('warn', sink) });
  app.get('/api/v1/_log', { config: { auth: 'public' } }, async (request) => {
    request.log.info({ event: 'probe.discarded' }, 'below the level');
    request.log.warn({ event: 'probe.warned', token: 'secret-token' }, 'written');
    request.log.child({ step: 'inner' }).warn({ event: 'probe.child' }, 'from a child');
    return { ok: true };
  });
  app.get('/api/v1/_fail', { config: { auth: 'public' } }, async () => {
    throw new Error('boom');
  });
  await app.ready();
});
afterAll(async () => {
  await app?.close();
  await ports?.close();
  await database?.close();
});

describe('request logs', () => {
  it('carry the request id, redacted, and only at enabled levels', async () => {
    const res = await app.inject({ method: 'GET', url: '/api/v1/_log', headers: { 'x-request-id': 'log-req-1' } });
    expect(res.statusCode).toBe(200);
    const mine = lines.filter((l) => l.request_id === 'log-req-1');
    expect(mine.map((l) => l.event)).toEqual(['probe.warned', 'probe.child']);
    expect(mine[0]).toMatchObject({ level: 'warn', token: '[redacted]', service: 'agentry-api' });
    expect(mine[1]).toMatchObject({ step: 'inner' });
    expect(lines.some((l) => l.event === 'probe.discarded')).toBe(false);
  });

  it('an error answered as a 500 is logged with its request id', async () => {
    const res = await app.inject({ method: 'GET', url: '/api/v1/_fail', headers: { 'x-request-id': 'log-req-2' } });
    expect(res.statusCode).toBe(500);
    expect(lines.find((l) => l.request_id === 'log-req-2')).toMatchObject({ level: 'error', event: 'http.error' });
  });

  it('requests that write nothing leave no line', async () => {
    const before = lines.length;
    const res = await app.inject({ method: 'GET', url: '/health', headers: { 'x-request-id': 'log-req-3' } });
    expect(res.statusCode).toBe(200);
    expect(lines.slice(before).filter((l) => l.request_id === 'log-req-3')).toEqual([]);
  });
});
