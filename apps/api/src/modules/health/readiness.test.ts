import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../app.js';
import { createDatabase } from '../../platform/db/client.js';
import { createRedisPorts } from '../../platform/ports/redis.js';
import { createTestDatabase, services, testConfig } from '../../../test/harness.js';
import { startTcpProxy } from '../../../test/support/tcp-proxy.js';
import { HealthService } from './health.service.js';

describe('readiness checks', () => {
  it('reports a hung dependency as a timeout within its deadline, the others as ok', async () => {
    const health = new HealthService({
      version: 't',
      timeoutMs: 200,
      probes: { database: async () => {}, redis: () => new Promise<void>(() => {}) },
    });
    const started = Date.now();
    expect(await health.readiness()).toEqual({
      ready: false,
      draining: false,
      checks: { database: 'ok', redis: 'timeout' },
      details: {},
    });
    expect(Date.now() - started).toBeLessThan(1000);
  });

  it('reports a failing dependency as unavailable', async () => {
    const health = new HealthService({
      version: 't',
      timeoutMs: 200,
      probes: { database: async () => Promise.reject(new Error('down')) },
    });
    expect(await health.readiness()).toEqual({
      ready: false,
      draining: false,
      checks: { database: 'unavailable' },
      details: {},
    });
  });

  it('is not ready once the process drains, whatever its dependencies say', async () => {
    let draining = false;
    const health = new HealthService({
      version: 't',
      timeoutMs: 200,
      probes: { database: async () => {} },
      draining: () => draining,
    });
    expect((await health.readiness()).ready).toBe(true);
    draining = true;
    expect(await health.readiness()).toMatchObject({ ready: false, draining: true });
  });
});

/**
 * The real thing: PostgreSQL and Redis behind TCP proxies the test can cut. Readiness must say 503
 * naming the failed check within 2 s, and 200 again once the dependency returns, without a restart.
 */
describe.runIf(services.databaseUrl && services.redisUrl)('readiness against real PostgreSQL and Redis', () => {
  let close: () => Promise<void>;
  let app: Awaited<ReturnType<typeof buildApp>>;
  let pgProxy: Awaited<ReturnType<typeof startTcpProxy>>;
  let redisProxy: Awaited<ReturnType<typeof startTcpProxy>>;

  beforeAll(async () => {
    const testDb = await createTestDatabase();
    const pgUrl = new URL(testDb.url!);
    const redisUrl = new URL(services.redisUrl!);
    pgProxy = await startTcpProxy({ host: pgUrl.hostname, port: Number(pgUrl.port || 5432) });
    redisProxy = await startTcpProxy({ host: redisUrl.hostname, port: Number(redisUrl.port || 6379) });
    pgUrl.host = `127.0.0.1:${pgProxy.port}`;
    redisUrl.host = `127.0.0.1:${redisProxy.port}`;
    const database = await createDatabase({ url: pgUrl.toString(), poolMax: 2, dataDir: null });
    const ports = createRedisPorts(redisUrl.toString(), `agentry:ready:${process.pid}:`);
    app = await buildApp(testConfig(), { database, ports });
    await app.ready();
    close = async () => {
      await app.close();
      await ports.close();
      await database.close();
      await pgProxy.close();
      await redisProxy.close();
      await testDb.close();
    };
  });
  afterAll(() => close());

  const ready = () => app.inject({ method: 'GET', url: '/health/ready' });
  const eventually = async (status: number, timeoutMs: number) => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const res = await ready();
      if (res.statusCode === status || Date.now() > deadline) return res;
      await new Promise((r) => setTimeout(r, 100));
    }
  };

  it('is ready with both up', async () => {
    expect((await eventually(200, 5000)).json()).toEqual({
      status: 'ready',
      checks: { database: 'ok', redis: 'ok' },
      // The knowledge index reports how it compares vectors (no pgvector here) and its chunks by model.
      details: {
        knowledge: {
          vector_path: 'exact',
          pgvector_available: expect.any(Boolean),
          pgvector_version: null,
          storage: 'local',
          embeddings: 'offline:hashed-trigrams:256',
          index: { model: 'offline:hashed-trigrams:256', chunks: 0, current: 0, stale: 0, by_model: {} },
        },
      },
    });
  });

  it('answers 503 naming the database within 2 s of it going away, and 200 after it returns', async () => {
    await pgProxy.pause();
    const started = Date.now();
    const down = await ready();
    expect(Date.now() - started).toBeLessThan(2000);
    expect(down.statusCode).toBe(503);
    expect(down.headers['content-type']).toContain('application/problem+json');
    expect(down.json()).toMatchObject({
      code: 'not_ready',
      details: { checks: { database: expect.not.stringMatching(/^ok$/), redis: 'ok' } },
    });
    expect(down.json().detail).toContain('database');
    await pgProxy.resume();
    expect((await eventually(200, 10_000)).statusCode).toBe(200);
  });

  it('answers 503 naming redis within 2 s of it going away, and 200 after it returns', async () => {
    await redisProxy.pause();
    const started = Date.now();
    const down = await ready();
    expect(Date.now() - started).toBeLessThan(2000);
    expect(down.statusCode).toBe(503);
    expect(down.json()).toMatchObject({ code: 'not_ready', details: { checks: { database: 'ok' } } });
    expect(down.json().detail).toContain('redis');
    await redisProxy.resume();
    expect((await eventually(200, 10_000)).statusCode).toBe(200);
  });
});
