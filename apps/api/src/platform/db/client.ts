import fs from 'node:fs';
import path from 'node:path';
import type { NodePgDatabase } from 'drizzle-orm/node-postgres';
import { sql } from 'drizzle-orm';
import { ensurePrivateDir, tightenTree } from '../private-dir.js';
import { PACKAGE_DIR } from '../package-dir.js';
import { pgliteStatementClient } from './pglite-statements.js';
import { readTemplateTar, unpackTemplate } from './pglite-template.js';

/**
 * The drizzle database. Both drivers expose the same query builder; the PGlite one is typed as
 * node-postgres so modules see one type (results of `execute` carry `.rows` on both). No relational
 * schema is registered: modules import their own tables and use the SQL-like builder, so `platform/`
 * needs to know no module's tables.
 */
export type Db = NodePgDatabase;
/** A database or an open transaction: repositories accept either. */
export type DbOrTx = Db | Parameters<Parameters<Db['transaction']>[0]>[0];

export interface Database {
  kind: 'postgres' | 'pglite';
  db: Db;
  /**
   * Run liveness (the heartbeat of a replica's runs) on a connection of its own: a heartbeat that
   * queued behind request traffic in a saturated pool would let the reaper end live runs. The
   * same database as `db` on PGlite (one connection).
   */
  liveness: Db;
  migrate(): Promise<void>;
  /** Resolves when the database answers a trivial query. */
  ping(): Promise<void>;
  close(): Promise<void>;
}

export const MIGRATIONS_DIR = path.join(PACKAGE_DIR, 'drizzle');

/** False until the first module adds a table (a fresh checkout of the foundation alone). */
function hasMigrations(): boolean {
  return fs.existsSync(path.join(MIGRATIONS_DIR, 'meta', '_journal.json'));
}

/**
 * True when every migration of the journal is applied: one query for a start on existing data
 * (drizzle's migrator reads every file and runs several statements even when nothing is new).
 * Drizzle applies the migrations newer than the last applied `created_at`, so this asks for it.
 */
export async function migrationsUpToDate(db: Db): Promise<boolean> {
  if (!hasMigrations()) return true;
  const journal = JSON.parse(fs.readFileSync(path.join(MIGRATIONS_DIR, 'meta', '_journal.json'), 'utf8')) as {
    entries: { when: number }[];
  };
  const latest = Math.max(0, ...journal.entries.map((e) => e.when));
  try {
    const result = await db.execute(sql`select max(created_at) as last from drizzle.__drizzle_migrations`);
    return Number((result.rows[0] as { last: string | number | null } | undefined)?.last ?? 0) >= latest;
  } catch {
    return false; // no migrations table yet
  }
}

/** How long a query waits for a pool connection by default before it fails (503 `unavailable`). */
export const POOL_ACQUIRE_TIMEOUT_MS = 10_000;

export async function createDatabase(options: {
  url?: string;
  poolMax: number;
  /**
   * How long a query may wait for a connection (pg-pool counts the wait in the queue and the
   * connect). A full pool under a burst is a queue, not an outage: a short limit turned a busy
   * moment into 503s. An unreachable server still fails fast (connection refused).
   */
  acquireTimeoutMs?: number;
  dataDir: string | null;
}): Promise<Database> {
  if (options.url) {
    // Each driver is imported by the start that uses it: an embedded start never loads pg, and a
    // PostgreSQL start never loads PGlite.
    const [{ default: pg }, { drizzle: drizzlePg }, { migrate: migratePg }] = await Promise.all([
      import('pg'),
      import('drizzle-orm/node-postgres'),
      import('drizzle-orm/node-postgres/migrator'),
    ]);
    const connectionTimeoutMillis = options.acquireTimeoutMs ?? POOL_ACQUIRE_TIMEOUT_MS;
    const pool = new pg.Pool({
      connectionString: options.url,
      max: options.poolMax,
      connectionTimeoutMillis,
      idleTimeoutMillis: 30_000,
    });
    // One connection, kept open: one heartbeat statement per replica per CHAT_RUN_HEARTBEAT_MS.
    const livenessPool = new pg.Pool({ connectionString: options.url, max: 1, connectionTimeoutMillis });
    // Idle clients lose their server when PostgreSQL restarts; the pool replaces them, readiness reports it.
    pool.on('error', () => {});
    livenessPool.on('error', () => {});
    const db = drizzlePg(pool);
    return {
      kind: 'postgres',
      db,
      liveness: drizzlePg(livenessPool),
      migrate: async () => {
        if (!(await migrationsUpToDate(db))) await migratePg(db, { migrationsFolder: MIGRATIONS_DIR });
      },
      ping: async () => {
        await pool.query('select 1');
      },
      close: async () => {
        await Promise.all([pool.end(), livenessPool.end()]);
      },
    };
  }
  return createPgliteDatabase(options.dataDir);
}

/**
 * PostgreSQL settings of the embedded database, after PGlite's own start parameters. PostgreSQL
 * zeroes its whole buffer pool when it starts, in wasm memory the process touches for the first
 * time: with the default 128MB that was ~30 % of opening an existing database (page faults, most
 * of a second on a loaded VM; docs/performance.md "Cold start"). Embedded storage is for one
 * process in development and tests (production refuses it), whose database is a few MB: 32MB
 * still holds it, and the operating system caches the files behind it.
 */
export const PGLITE_START_SETTINGS = ['-c', 'shared_buffers=32MB'];

/** Embedded PostgreSQL (WASM) on disk under `dataDir`, or in memory when `dataDir` is null. */
async function createPgliteDatabase(dataDir: string | null): Promise<Database> {
  // A new embedded database starts from the build's migrated template when there is one (no
  // initdb): unzipped on the thread pool while PGlite loads, then unpacked before PGlite opens.
  const fresh = dataDir !== null && !fs.existsSync(path.join(dataDir, 'PG_VERSION'));
  const [{ PGlite }, { drizzle }, { migrate }, template] = await Promise.all([
    import('@electric-sql/pglite'),
    import('drizzle-orm/pglite'),
    import('drizzle-orm/pglite/migrator'),
    fresh ? readTemplateTar() : undefined,
  ]);
  if (dataDir) {
    ensurePrivateDir(dataDir); // DATA_DIR and DATA_DIR/pglite: 0700 when created here
    // An earlier version left the tree open to others: closing its top folder keeps them out while
    // PGlite opens; the one walk of the tree below, once open, tightens the files (a walk costs a
    // few thousand stat calls, so a start does it once, not before and after).
    fs.chmodSync(dataDir, 0o700);
  }
  if (dataDir && template) unpackTemplate(template, dataDir);
  const options = { startParams: [...PGlite.defaultStartParams, ...PGLITE_START_SETTINGS] };
  const client = dataDir ? new PGlite(dataDir, options) : new PGlite(options);
  await client.waitReady;
  if (dataDir) tightenTree(dataDir); // files an earlier version, or this open, created 0666
  // Statements run as cached named prepared statements (pglite-statements.ts); `$client` is that client.
  const db = drizzle({ client: (await pgliteStatementClient(client)) as unknown as typeof client });
  return {
    kind: 'pglite',
    db: db as unknown as Db,
    liveness: db as unknown as Db,
    migrate: async () => {
      if (!(await migrationsUpToDate(db as unknown as Db))) await migrate(db, { migrationsFolder: MIGRATIONS_DIR });
    },
    ping: async () => {
      await db.execute(sql`select 1`);
    },
    close: async () => {
      await client.close();
      if (dataDir) tightenTree(dataDir);
    },
  };
}
