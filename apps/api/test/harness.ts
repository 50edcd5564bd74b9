import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { buildApp } from '../src/app.js';
import { parseConfig, type Config } from '../src/config.js';
import { createDatabase, type Database } from '../src/platform/db/client.js';
import { createPorts, type Ports } from '../src/platform/ports/index.js';

/**
 * Test harness. With TEST_DATABASE_URL / TEST_REDIS_URL it runs against real PostgreSQL and Redis,
 * each test file in its own fresh database and Redis key prefix (so files run in parallel);
 * without them, against in-memory PGlite and the in-process ports. REQUIRE_SERVICES=1 turns a
 * missing service into a failure instead of a silent fallback (CI sets it).
 */
export const services = {
  databaseUrl: process.env.TEST_DATABASE_URL || undefined,
  redisUrl: process.env.TEST_REDIS_URL || undefined,
};
if (process.env.REQUIRE_SERVICES === '1' && (!services.databaseUrl || !services.redisUrl)) {
  throw new Error('REQUIRE_SERVICES=1 needs TEST_DATABASE_URL and TEST_REDIS_URL');
}

/** The environment every test app starts from; tests override what they exercise. */
export const TEST_ENV: Record<string, string> = {
  NODE_ENV: 'test',
  LOG_LEVEL: 'silent',
  AUTH_BCRYPT_COST: '4', // cost 12 in production; 4 keeps the suite fast and exercises the same code
  OFFLINE_MODEL_DELAY_MS: '0',
  MODEL_PROVIDER: 'offline',
};

export function testConfig(env: Record<string, string | undefined> = {}): Config {
  return parseConfig({ ...TEST_ENV, DATA_DIR: `/tmp/agentry-test-${process.pid}`, ...env });
}

/** A fresh, migrated database: a new PostgreSQL database per call, or an in-memory PGlite. */
export async function createTestDatabase(): Promise<Database & { url?: string }> {
  if (!services.databaseUrl) {
    const database = await createDatabase({ poolMax: 1, dataDir: null });
    await database.migrate();
    return database;
  }
  const name = `agentry_t_${process.pid}_${crypto.randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: services.databaseUrl });
  await admin.connect();
  await admin.query(`create database ${name}`);
  await admin.end();
  const url = new URL(services.databaseUrl);
  url.pathname = `/${name}`;
  const database = await createDatabase({ url: url.toString(), poolMax: 5, dataDir: null });
  await database.migrate();
  return {
    ...database,
    url: url.toString(),
    close: async () => {
      await database.close();
      const cleanup = new pg.Client({ connectionString: services.databaseUrl });
      await cleanup.connect();
      await cleanup.query(`drop database if exists ${name} with (force)`);
      await cleanup.end();
    },
  };
}

export function createTestPorts(): Ports & { prefix: string } {
  const prefix = `agentry:t:${process.pid}:${crypto.randomBytes(4).toString('hex')}:`;
  return { ...createPorts({ url: services.redisUrl, keyPrefix: prefix }), prefix };
}

export interface TestApp {
  app: FastifyInstance;
  config: Config;
  database: Database;
  ports: Ports;
  close(): Promise<void>;
}

/**
 * Builds the whole app on fresh storage. Pass `database`/`ports` to share them between two apps
 * (a restart, or two replicas).
 */
export async function createTestApp(
  env: Record<string, string | undefined> = {},
  shared: { database?: Database; ports?: Ports; logger?: Logger } = {},
): Promise<TestApp> {
  // Each app gets its own DATA_DIR (signing keys live there) unless the test passes one: two apps
  // sharing a key file by accident would hide key-rotation and key-set bugs.
  const dataDir = env.DATA_DIR ?? fs.mkdtempSync(path.join(os.tmpdir(), 'agentry-test-'));
  const config = testConfig({
    ...(services.redisUrl && !shared.ports ? { REDIS_URL: services.redisUrl } : {}),
    ...env,
    DATA_DIR: dataDir,
  });
  const database = shared.database ?? (await createTestDatabase());
  const ports = shared.ports ?? createTestPorts();
  const app = await buildApp(config, { database, ports, logger: shared.logger });
  await app.ready();
  return {
    app,
    config,
    database,
    ports,
    close: async () => {
      await app.close();
      if (!shared.ports) await ports.close();
      if (!shared.database) await database.close();
      if (env.DATA_DIR === undefined) fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** Listens on a free loopback port the OS picks; returns the base URL (`http://127.0.0.1:<port>`). */
export async function listenOnFreePort(app: FastifyInstance): Promise<string> {
  await app.listen({ port: 0, host: '127.0.0.1' });
  const address = app.server.address();
  if (!address || typeof address === 'string') throw new Error('no TCP address');
  return `http://127.0.0.1:${address.port}`;
}
