import net from 'node:net';
import { Redis } from 'ioredis';
import pg from 'pg';
import { drizzle } from 'drizzle-orm/node-postgres';
import { sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { toAppError } from './problem.js';
import { isDependencyUnavailable } from './dependency-errors.js';

/** A loopback port nothing listens on. */
async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((r) => server.close(r));
  return port;
}

async function thrown(work: () => Promise<unknown>): Promise<unknown> {
  try {
    await work();
  } catch (err) {
    return err;
  }
  throw new Error('expected a failure');
}

describe('a dependency that cannot be reached answers 503, not 500', () => {
  it('Redis down: the command fails with MaxRetriesPerRequestError → 503 unavailable with Retry-After', async () => {
    const redis = new Redis(`redis://127.0.0.1:${await closedPort()}`, {
      maxRetriesPerRequest: 1,
      retryStrategy: () => 50,
    });
    redis.on('error', () => {});
    const err = await thrown(() => redis.get('x'));
    redis.disconnect();
    expect(isDependencyUnavailable(err)).toBe(true);
    const mapped = toAppError(err);
    expect([mapped.status, mapped.code, mapped.headers]).toEqual([503, 'unavailable', { 'retry-after': '5' }]);
  });

  it('PostgreSQL down: drizzle wraps pg connection errors; the cause chain is read', async () => {
    const pool = new pg.Pool({ connectionString: `postgres://postgres@127.0.0.1:${await closedPort()}/x` });
    const err = await thrown(() => drizzle(pool).execute(sql`select 1`));
    await pool.end();
    expect(isDependencyUnavailable(err)).toBe(true);
    expect(toAppError(err).status).toBe(503);
    // The server's own refusals while it stops or starts (SQLSTATE 57P01, 57P03).
    expect(isDependencyUnavailable(Object.assign(new Error('terminating connection'), { code: '57P01' }))).toBe(true);
  });

  it('a bug stays a 500', () => {
    expect(isDependencyUnavailable(new TypeError("Cannot read properties of undefined (reading 'id')"))).toBe(false);
    expect(isDependencyUnavailable(Object.assign(new Error('duplicate key'), { code: '23505' }))).toBe(false);
    expect(toAppError(new Error('boom')).status).toBe(500);
  });
});
