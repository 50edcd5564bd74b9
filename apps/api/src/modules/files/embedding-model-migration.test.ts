import fs from 'node:fs';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createTestDatabase } from '../../../test/harness.js';
import { type Database, MIGRATIONS_DIR } from '../../platform/db/client.js';

/**
 * The hand-written backfill of the `embedding_model` migration (between `-- >>> hand-written` and
 * `-- <<< end`), run on rows as they were before it: the files' old model names become
 * `<provider>:<model>` ids and their chunks take them; chunks of a file without a model stay
 * `unknown` (stale, for `agentry knowledge reindex`).
 */
let database: Database;
beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(async () => database?.close());

function backfill(): string[] {
  const file = fs.readdirSync(MIGRATIONS_DIR).find((f) => f.endsWith('_embedding_model.sql'));
  const text = fs.readFileSync(path.join(MIGRATIONS_DIR, file ?? 'missing'), 'utf8');
  const part = text.split('-- >>> hand-written')[1]?.split('-- <<< end')[0] ?? '';
  return part
    .split('--> statement-breakpoint')
    .map((s) => s.trim())
    .filter(Boolean);
}

it("maps old model names to ids and gives the chunks their file's model", async () => {
  const tenant = randomUUID();
  const files = { offline: randomUUID(), openai: randomUUID(), none: randomUUID() };
  const models = { offline: 'offline-hashed-trigrams-256', openai: 'text-embedding-3-small', none: null };
  for (const [k, id] of Object.entries(files)) {
    await database.db.execute(sql`
      insert into files (id, tenant_id, filename, content_type, size_bytes, sha256, purpose, status, storage_key, embedding_model)
      values (${id}, ${tenant}, ${`${k}.md`}, 'text/markdown', 1, '0', 'knowledge', 'ready', ${`${tenant}/${id}`}, ${models[k as keyof typeof models]})`);
    await database.db.execute(
      sql`insert into file_chunks (tenant_id, file_id, ordinal, text, embedding) values (${tenant}, ${id}, 0, 'x', '{1}')`,
    );
  }
  const statements = backfill();
  expect(statements.length).toBe(2);
  for (const s of statements) await database.db.execute(sql.raw(s));
  const rows = await database.db.execute(sql`
    select f.filename, f.embedding_model as file_model, c.embedding_model as chunk_model
    from files f join file_chunks c on c.file_id = f.id where f.tenant_id = ${tenant} order by 1`);
  expect(rows.rows).toEqual([
    { filename: 'none.md', file_model: null, chunk_model: 'unknown' },
    { filename: 'offline.md', file_model: 'offline:hashed-trigrams:256', chunk_model: 'offline:hashed-trigrams:256' },
    {
      filename: 'openai.md',
      file_model: 'openai:text-embedding-3-small',
      chunk_model: 'openai:text-embedding-3-small',
    },
  ]);
  // Run twice (a re-applied migration): ids are not renamed again.
  for (const s of statements) await database.db.execute(sql.raw(s));
  const again = await database.db.execute(
    sql`select distinct embedding_model from files where tenant_id = ${tenant} order by 1`,
  );
  expect(again.rows.map((r) => r.embedding_model)).toEqual([
    'offline:hashed-trigrams:256',
    'openai:text-embedding-3-small',
    null,
  ]);
});
