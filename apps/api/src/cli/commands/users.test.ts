import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, createTestDatabase, services, type TestApp } from '../../../test/harness.js';
import { bearer, NO_LOGIN_THROTTLE, strongPassword, uniqueEmail } from '../../../test/factories.js';
import { runEntry } from '../../../test/support/production-env.js';
import { createDatabase, type Database } from '../../platform/db/client.js';
import { mailOutbox } from '../../modules/mail/mail.tables.js';
import { createPorts, type Ports } from '../../platform/ports/index.js';

/**
 * `agentry users create|lock|unlock|disable|grant-operator|revoke-operator`, run as the real CLI in a child process against the
 * database the API uses: a PostgreSQL database by URL (and the same Redis, so a lock reaches the
 * running API at once), or PGlite on disk under DATA_DIR (single-process: the API is stopped while
 * the CLI runs, and restarted after, as an operator would).
 */
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'agentry-users-cli-'));
const pglite = path.join(dataDir, 'pglite');
let pgDatabase: (Database & { url?: string }) | undefined;
let t: TestApp | undefined;
let redisPrefix: string;
let ports: Ports | undefined;

async function startApi() {
  const database = pgDatabase ?? (await createDatabase({ poolMax: 1, dataDir: pglite }));
  // With Redis, the API's ports use the prefix the CLI is given, so both see one revocation list.
  ports ??= createPorts({ url: services.redisUrl, keyPrefix: redisPrefix });
  t = await createTestApp({ ...NO_LOGIN_THROTTLE, DATA_DIR: dataDir }, { database, ports });
  return t;
}
async function stopApiIfEmbedded() {
  if (pgDatabase || !t) return;
  await t.close();
  await t.database.close();
  await ports?.close();
  ports = undefined;
  t = undefined;
}

/** Runs the CLI; with embedded storage the API is stopped around it. */
async function cli(...args: string[]) {
  await stopApiIfEmbedded();
  const env = {
    DATA_DIR: dataDir,
    ...(pgDatabase ? { DATABASE_URL: pgDatabase.url } : {}),
    ...(services.redisUrl ? { REDIS_URL: services.redisUrl, REDIS_KEY_PREFIX: redisPrefix } : {}),
  };
  const result = await runEntry('src/cli/index.ts', args, env);
  if (!t) await startApi();
  return result;
}

const login = (email: string, password: string) =>
  t!.app.inject({ method: 'POST', url: '/api/v1/auth/token', payload: { email, password } });

beforeAll(async () => {
  redisPrefix = `agentry:t:cli:${process.pid}:${Date.now()}:`;
  if (services.databaseUrl) pgDatabase = await createTestDatabase();
  else
    await (async () => {
      const db = await createDatabase({ poolMax: 1, dataDir: pglite });
      await db.migrate();
      await db.close();
    })();
  await startApi();
}, 120_000);
afterAll(async () => {
  await t?.close();
  await ports?.close();
  if (!pgDatabase) await t?.database.close();
  await pgDatabase?.close();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

describe('agentry users', { timeout: 240_000 }, () => {
  const email = uniqueEmail('cli');
  const password = strongPassword();

  it('create: a verified owner of a new tenant, who can log in; bad input exits non-zero', async () => {
    const created = await cli('users', 'create', '--email', email, '--password', password, '--tenant', 'CLI Tenant');
    expect(created.code, created.stderr).toBe(0);
    const ids = JSON.parse(created.stdout) as { user_id: string; tenant_id: string };
    // Progress goes to stderr with the address masked; the password never appears.
    expect(created.stderr).not.toContain(email);
    expect(created.stdout + created.stderr).not.toContain(password);
    const res = await login(email, password);
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ user_id: ids.user_id, tenant_id: ids.tenant_id, role: 'owner' });
    const me = await t!.app.inject({ method: 'GET', url: '/api/v1/auth/me', headers: bearer(res.json().access_token) });
    expect(me.json()).toMatchObject({ user: { email_verified: true }, tenant: { name: 'CLI Tenant' } });

    const member = await cli(
      'users',
      'create',
      '--email',
      uniqueEmail('cli-member'),
      '--password',
      strongPassword(),
      '--tenant',
      ids.tenant_id,
      '--role',
      'viewer',
    );
    expect(member.code, member.stderr).toBe(0);
    expect(JSON.parse(member.stdout).tenant_id).toBe(ids.tenant_id);

    for (const bad of [
      ['--email', email, '--password', strongPassword(), '--tenant', ids.tenant_id], // taken
      ['--email', uniqueEmail('weak'), '--password', 'password1234', '--tenant', ids.tenant_id], // weak password
      ['--email', uniqueEmail('role'), '--password', strongPassword(), '--tenant', ids.tenant_id, '--role', 'god'],
    ]) {
      const r = await cli('users', 'create', ...bad);
      expect(r.code, bad.join(' ')).not.toBe(0);
    }
  });

  it('lock: 423 at login and the live session ends; unlock: the user gets in again', async () => {
    const before = await login(email, password);
    expect(before.statusCode).toBe(200);
    const token = before.json().access_token as string;
    const locked = await cli('users', 'lock', '--email', email);
    expect(locked.code, locked.stderr).toBe(0);
    const denied = await login(email, password);
    expect([denied.statusCode, denied.json().code]).toEqual([423, 'account_locked']);
    // The session of before the lock is gone, whether the API kept running (Redis) or restarted (embedded).
    expect((await t!.app.inject({ method: 'GET', url: '/api/v1/auth/me', headers: bearer(token) })).statusCode).toBe(
      401,
    );
    expect(
      (
        await t!.app.inject({
          method: 'POST',
          url: '/api/v1/auth/refresh',
          payload: { refresh_token: before.json().refresh_token },
        })
      ).statusCode,
    ).toBe(401);

    const unlocked = await cli('users', 'unlock', '--email', email);
    expect(unlocked.code, unlocked.stderr).toBe(0);
    expect((await login(email, password)).statusCode).toBe(200);
  });

  it('grant-operator EMAIL: platform:operator in the next login’s token; revoke-operator takes it away', async () => {
    const granted = await cli('users', 'grant-operator', email);
    expect(granted.code, granted.stderr).toBe(0);
    expect(granted.stderr).not.toContain(email);
    const op = await login(email, password);
    expect(op.json().scopes).toContain('platform:operator');
    const list = await t!.app.inject({
      method: 'GET',
      url: '/api/v1/platform/tenants',
      headers: bearer(op.json().access_token),
    });
    expect(list.statusCode, list.body).toBe(200);
    const revoked = await cli('users', 'revoke-operator', '--email', email);
    expect(revoked.code, revoked.stderr).toBe(0);
    expect((await login(email, password)).json().scopes).not.toContain('platform:operator');
    expect((await cli('users', 'grant-operator')).code).not.toBe(0);
  });

  it('disable: 403 account_disabled; unknown e-mail exits non-zero', async () => {
    const disabled = await cli('users', 'disable', '--email', email);
    expect(disabled.code, disabled.stderr).toBe(0);
    const res = await login(email, password);
    expect([res.statusCode, res.json().code]).toEqual([403, 'account_disabled']);
    // A disabled account cannot be recovered by mail either.
    const forgot = await t!.app.inject({ method: 'POST', url: '/api/v1/auth/password/forgot', payload: { email } });
    expect(forgot.statusCode).toBe(202);
    const resets = await t!.database.db
      .select()
      .from(mailOutbox)
      .where(and(eq(mailOutbox.toAddress, email), eq(mailOutbox.kind, 'password_reset')));
    expect(resets).toEqual([]);

    const ghost = await cli('users', 'lock', '--email', uniqueEmail('ghost'));
    expect(ghost.code).not.toBe(0);
    expect(ghost.stderr).toMatch(/no such user/i);
  });
});
