import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { is, sql } from 'drizzle-orm';
import { getTableConfig, PgTable } from 'drizzle-orm/pg-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase } from '../../../test/harness.js';
import type { Database } from '../../platform/db/client.js';
import { isSkip, USER_DATA_TABLES, type UserDataTable } from './user-data.js';

const MODULES = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** Every table the drizzle schema declares (every `*.tables.ts` under src/modules), with its columns. */
async function schemaTables(): Promise<Map<string, string[]>> {
  const files = (fs.readdirSync(MODULES, { recursive: true }) as string[]).filter((f) => f.endsWith('.tables.ts'));
  expect(files.length).toBeGreaterThan(5);
  const tables = new Map<string, string[]>();
  for (const file of files) {
    const mod = (await import(path.join(MODULES, file))) as Record<string, unknown>;
    for (const value of Object.values(mod)) {
      if (!is(value, PgTable)) continue;
      const config = getTableConfig(value);
      tables.set(
        config.name,
        config.columns.map((c) => c.name),
      );
    }
  }
  return tables;
}

/** A column that points at a person (or holds their address): its table holds user data. */
const PERSONAL_COLUMN = /^(user_id|actor_id|created_by|invited_by|.*_by|email|actor_email|to_address|new_email)$/;

/** What is wrong with the catalog for this schema (empty when every table is covered). */
function coverageProblems(tables: Map<string, string[]>, catalog: Record<string, UserDataTable>): string[] {
  const problems: string[] = [];
  for (const [name, columns] of tables) {
    const entry = catalog[name];
    if (!entry) {
      problems.push(`${name}: no entry in USER_DATA_TABLES (say how it is exported and deleted, or why not)`);
      continue;
    }
    const personal = columns.filter((c) => PERSONAL_COLUMN.test(c));
    for (const side of ['export', 'erase'] as const) {
      const how = entry[side];
      if (isSkip(how) && how.skip.trim().length < 20)
        problems.push(`${name}.${side}: an exclusion needs a real justification`);
      if (isSkip(how) && personal.length > 0 && !/cascade|tenant|hash|append-only/i.test(how.skip))
        problems.push(`${name}.${side}: has ${personal.join(', ')} but is excluded without a cascade or tenant reason`);
    }
  }
  for (const name of Object.keys(catalog))
    if (!tables.has(name)) problems.push(`${name}: in USER_DATA_TABLES, not in the schema`);
  return problems;
}

describe('USER_DATA_TABLES covers every table of the schema', () => {
  let database: Database;
  beforeAll(async () => {
    database = await createTestDatabase();
  });
  afterAll(async () => database?.close());

  it('every drizzle table has an export and a deletion entry, or a justified exclusion', async () => {
    expect(coverageProblems(await schemaTables(), USER_DATA_TABLES)).toEqual([]);
  });

  it('the drizzle schema is the migrated database (no table escapes the list through a hand-written migration)', async () => {
    const result = await database.db.execute(
      sql`select table_name from information_schema.tables where table_schema = 'public' and table_type = 'BASE TABLE' and table_name not like '\\_\\_%' escape '\\'`,
    );
    const migrated = (result.rows as { table_name: string }[])
      .map((r) => r.table_name)
      .filter((n) => !n.startsWith('__'));
    expect(migrated.sort()).toEqual([...(await schemaTables()).keys()].sort());
  });

  it('the tables holding user data all have an export query (exclusions are only cascades or tenant data)', async () => {
    const tables = await schemaTables();
    const personal = [...tables].filter(([, cols]) => cols.some((c) => PERSONAL_COLUMN.test(c))).map(([n]) => n);
    expect(personal).toEqual(
      expect.arrayContaining(['users', 'conversations', 'memberships', 'sessions', 'audit_events']),
    );
    for (const name of personal) expect(isSkip(USER_DATA_TABLES[name].export), name).toBe(false);
  });

  it('fails for a new table without an entry, or one excluded without a reason (the checker can fail)', async () => {
    const tables = new Map(await schemaTables());
    tables.set('user_documents', ['id', 'user_id', 'body']);
    expect(coverageProblems(tables, USER_DATA_TABLES)).toEqual([
      'user_documents: no entry in USER_DATA_TABLES (say how it is exported and deleted, or why not)',
    ]);
    const lazy = {
      ...USER_DATA_TABLES,
      user_documents: { export: { skip: 'no' }, erase: { skip: 'not needed here, really' } },
    };
    expect(coverageProblems(tables, lazy)).toEqual([
      'user_documents.export: an exclusion needs a real justification',
      'user_documents.export: has user_id but is excluded without a cascade or tenant reason',
      'user_documents.erase: has user_id but is excluded without a cascade or tenant reason',
    ]);
  });
});
