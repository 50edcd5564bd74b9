import { sql } from 'drizzle-orm';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDatabase, type Database } from '../../platform/db/client.js';
import { auditRequestScope } from '../../platform/audit.js';
import { createTestDatabase, services } from '../../../test/harness.js';
import { StoredAuditLog } from './audit-log.js';
import { AuditRetention } from './audit-retention.js';
import { AuditRepo } from './audit.repo.js';
import { maskIp, scrubMetadata, truncateUserAgent } from './audit-scrub.js';

const TENANT = '00000000-0000-4000-8000-000000000001';

describe('masking and scrubbing', () => {
  it('masks IPv4 to /24 and IPv6 to /48; non-addresses give null', () => {
    expect(maskIp('203.0.113.7')).toBe('203.0.113.0');
    expect(maskIp('::ffff:198.51.100.200')).toBe('198.51.100.0');
    expect(maskIp('2001:db8:abcd:12:1:2:3:4')).toBe('2001:db8:abcd::/48');
    expect(maskIp('2001:db8::1')).toBe('2001:db8:0::/48');
    expect(maskIp('::1')).toBe('0:0:0::/48');
    expect(maskIp('fe80::1%eth0')).toBe('fe80:0:0::/48');
    expect(maskIp('not an ip')).toBeNull();
    expect(maskIp(null)).toBeNull();
  });

  it('truncates user agents to 256 characters and drops control characters', () => {
    expect(truncateUserAgent('x'.repeat(1000))).toHaveLength(256);
    expect(truncateUserAgent('a\nb\u0000c')).toBe('a b c');
    expect(truncateUserAgent(undefined)).toBeNull();
  });

  it('drops keys naming secrets and redacts values that look like credentials, at any depth', () => {
    const jwt = 'eyJhbGciOiJFZERTQSJ9.eyJzdWIiOiJ1c2VyOjEyMyJ9.c2lnbmF0dXJl';
    const clean = scrubMetadata({
      role: 'admin',
      password: 'hunter2hunter2',
      new_password: 'x',
      refresh_token: 'rt_abc',
      apiKey: 'k',
      client_secret: 's',
      Authorization: 'Bearer abc',
      nested: { token: 't', ok: 1, deeper: [{ secret: 's', keep: 'yes' }] },
      note: `here is ${jwt}`,
      stripe: ['sk', 'live', 'abcdefghijklmnop'].join('_'),
      count: Number.NaN,
    });
    expect(clean).toEqual({
      role: 'admin',
      nested: { ok: 1, deeper: [{ keep: 'yes' }] },
      note: '[redacted]',
      stripe: '[redacted]',
      count: null,
    });
  });
});

/** The table and its trigger, on each storage the product runs on. */
const storages: [string, () => Promise<Database>][] = [
  [
    'PGlite',
    async () => {
      const database = await createDatabase({ poolMax: 1, dataDir: null });
      await database.migrate();
      return database;
    },
  ],
];
if (services.databaseUrl) storages.push(['PostgreSQL', createTestDatabase]);

describe.each(storages)('the audit_events table on %s', (_name, create) => {
  let database: Database;
  let log: StoredAuditLog;
  const repo = new AuditRepo();
  const count = async () =>
    ((await database.db.execute(sql`select count(*)::int as n from audit_events`)).rows[0] as { n: number }).n;

  beforeAll(async () => {
    database = await create();
    log = new StoredAuditLog({ database, repo, logger: pino({ level: 'silent' }) });
  });
  afterAll(() => database.close());

  it('stores an event with the request’s masked IP, truncated user agent and request id; no secrets', async () => {
    await auditRequestScope.run(
      { ip: '203.0.113.99', userAgent: `Mozilla/5.0 ${'x'.repeat(400)}`, requestId: 'req-1' },
      () =>
        log.record(null, {
          tenantId: TENANT,
          action: 'member.invited',
          actor: { type: 'user', id: '00000000-0000-4000-8000-0000000000aa', email: 'a@example.test' },
          target: { type: 'invitation', id: 'inv-1' },
          metadata: { role: 'member', token: 'inv_secret', password: 'p' },
        }),
    );
    const [row] = await repo.page(database.db, TENANT, { limit: 10 });
    expect(row).toMatchObject({
      action: 'member.invited',
      actorType: 'user',
      actorEmail: 'a@example.test',
      targetType: 'invitation',
      targetId: 'inv-1',
      ipMasked: '203.0.113.0',
      requestId: 'req-1',
      metadata: { role: 'member' },
    });
    expect(row.userAgent).toHaveLength(256);
  });

  it('writes in the caller’s transaction: a rolled back change leaves no event', async () => {
    const before = await count();
    await expect(
      database.db.transaction(async (tx) => {
        await log.record(tx, { tenantId: TENANT, action: 'member.removed', actor: { type: 'system', id: null } });
        throw new Error('roll back');
      }),
    ).rejects.toThrow('roll back');
    expect(await count()).toBe(before);
  });

  it('refuses UPDATE, DELETE and TRUNCATE at the database', async () => {
    const before = await count();
    expect(before).toBeGreaterThan(0);
    await expect(database.db.execute(sql`update audit_events set action = 'auth.login'`)).rejects.toThrow();
    await expect(database.db.execute(sql`delete from audit_events`)).rejects.toThrow();
    await expect(database.db.execute(sql`truncate audit_events`)).rejects.toThrow();
    // The purge setting lets a DELETE through, never an UPDATE.
    await expect(
      database.db.transaction(async (tx) => {
        await tx.execute(sql`select set_config('agentry.audit_purge', 'on', true)`);
        await tx.execute(sql`update audit_events set action = 'auth.login'`);
      }),
    ).rejects.toThrow();
    // The setting is transaction-local: it does not leak to the next statement.
    await database.db.transaction(async (tx) => {
      await tx.execute(sql`select set_config('agentry.audit_purge', 'on', true)`);
    });
    await expect(database.db.execute(sql`delete from audit_events`)).rejects.toThrow();
    expect(await count()).toBe(before);
    const rows = (await database.db.execute(sql`select action from audit_events where action = 'auth.login'`)).rows;
    expect(rows).toHaveLength(0);
  });

  it('the retention purge deletes only events older than AUDIT_RETENTION_DAYS', async () => {
    const old = new StoredAuditLog({
      database,
      repo,
      logger: pino({ level: 'silent' }),
      now: () => new Date(Date.now() - 400 * 86_400_000),
    });
    for (let i = 0; i < 3; i++)
      await old.record(null, { tenantId: TENANT, action: 'auth.logout', actor: { type: 'system', id: null } });
    const before = await count();
    const retention = new AuditRetention({
      database,
      repo,
      jobs: undefined as never,
      logger: pino({ level: 'silent' }),
      retentionDays: 365,
      intervalMs: 1000,
    });
    expect(await retention.purge()).toBe(3);
    expect(await count()).toBe(before - 3);
    expect(await retention.purge()).toBe(0);
  });
});
