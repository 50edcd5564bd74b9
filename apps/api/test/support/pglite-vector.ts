import { sql } from 'drizzle-orm';
import { drizzle } from 'drizzle-orm/pglite';
import { migrate } from 'drizzle-orm/pglite/migrator';
import { PGlite } from 'pglite-vector';
import { vector } from 'pglite-vector/vector';
import { type Database, type Db, MIGRATIONS_DIR } from '../../src/platform/db/client.js';

/**
 * A real pgvector for the tests of the pgvector path: PGlite 0.4.6 (PostgreSQL 17, installed as the
 * devDependency alias `pglite-vector`) bundles the `vector` extension, which the project's PGlite
 * 0.5 and this machine's PostgreSQL 15 do not have. In memory, migrated; `CREATE EXTENSION vector`
 * unless `extension: false` (then the server offers it but this database does not have it);
 * `migrate: false` leaves it empty.
 */
export async function createPgvectorDatabase(
  options: { extension?: boolean; migrate?: boolean } = {},
): Promise<Database> {
  const client = await PGlite.create({ extensions: { vector } });
  // Drizzle's PGlite driver is typed against the project's PGlite 0.5; 0.4 has the same query API.
  const db = drizzle(client as never);
  if (options.migrate !== false) await migrate(db, { migrationsFolder: MIGRATIONS_DIR });
  if (options.extension !== false) await db.execute(sql`create extension if not exists vector`);
  return {
    kind: 'pglite',
    db: db as unknown as Db,
    liveness: db as unknown as Db,
    migrate: () => migrate(db, { migrationsFolder: MIGRATIONS_DIR }),
    ping: async () => {
      await db.execute(sql`select 1`);
    },
    close: () => client.close(),
  };
}
