import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { createDatabase, MIGRATIONS_DIR, migrationsUpToDate, type Database } from './client.js';
import { createTestDatabase, services } from '../../../test/harness.js';

const run = promisify(execFile);
const journal = JSON.parse(fs.readFileSync(path.join(MIGRATIONS_DIR, 'meta/_journal.json'), 'utf8')) as {
  entries: { tag: string }[];
};

async function appliedMigrations(database: Database) {
  const result = await database.db.execute(sql`select count(*)::int as n from drizzle.__drizzle_migrations`);
  return (result.rows[0] as { n: number }).n;
}

async function tableCount(database: Database) {
  const result = await database.db.execute(
    sql`select count(*)::int as n from information_schema.tables where table_schema = 'public'`,
  );
  return (result.rows[0] as { n: number }).n;
}

async function checkFreshDatabase(database: Database) {
  expect(await appliedMigrations(database)).toBe(journal.entries.length);
  expect(await tableCount(database)).toBeGreaterThan(0);
  expect(await migrationsUpToDate(database.db)).toBe(true);
  await database.migrate(); // forward-only and idempotent: a second run applies nothing
  expect(await appliedMigrations(database)).toBe(journal.entries.length);
  // The start-up check sees a missing newest migration, and migrate applies it again.
  await database.db.execute(
    sql`delete from drizzle.__drizzle_migrations where created_at = (select max(created_at) from drizzle.__drizzle_migrations)`,
  );
  expect(await migrationsUpToDate(database.db)).toBe(false);
}

describe('migrations', () => {
  it('are committed and listed in order', () => {
    expect(journal.entries.length).toBeGreaterThan(0);
    for (const entry of journal.entries)
      expect(fs.existsSync(path.join(MIGRATIONS_DIR, `${entry.tag}.sql`))).toBe(true);
  });

  it('apply, all of them, to an empty embedded PostgreSQL (PGlite)', { timeout: 120_000 }, async () => {
    const database = await createDatabase({ poolMax: 1, dataDir: null });
    try {
      expect(await migrationsUpToDate(database.db)).toBe(false); // no migrations table yet
      await database.migrate();
      await checkFreshDatabase(database);
    } finally {
      await database.close();
    }
  });

  it.runIf(services.databaseUrl)('apply, all of them, to an empty PostgreSQL database', async () => {
    const database = await createTestDatabase();
    try {
      await checkFreshDatabase(database);
    } finally {
      await database.close();
    }
  });

  it('match the schema: drizzle-kit finds nothing to generate', async () => {
    const out = fs.mkdtempSync(path.join(os.tmpdir(), 'agentry-drift-'));
    fs.cpSync(MIGRATIONS_DIR, out, { recursive: true });
    const apiRoot = path.resolve(MIGRATIONS_DIR, '..');
    const { stdout, stderr } = await run(
      'npx',
      [
        'drizzle-kit',
        'generate',
        '--dialect',
        'postgresql',
        '--schema',
        './src/modules/**/*.tables.ts',
        '--out',
        path.relative(apiRoot, out),
      ],
      { cwd: apiRoot, env: { ...process.env, NO_COLOR: '1' } },
    );
    const generated = fs.readdirSync(out).filter((f) => f.endsWith('.sql'));
    fs.rmSync(out, { recursive: true, force: true });
    expect(`${stdout}${stderr}`).toContain('No schema changes');
    expect(generated.length).toBe(journal.entries.length);
  }, 60_000);
});
