import type { Database } from './client.js';

/**
 * A statement whose SQL text is fixed (written once, at module load), run by name: for the hottest
 * reads, where drizzle's per-request work — building the query (its `is()` entity checks) and
 * mapping each row field by field — cost more than PostgreSQL took to answer. On PostgreSQL the
 * statement is parsed and planned once per pooled connection (a named prepared statement); on
 * PGlite, the statement client (pglite-statements.ts) prepares it once by its text. Rows come back
 * as arrays of the driver's values, in the order of the select list: the caller maps them, once,
 * straight into what it returns. Parameters are always bound ($1…), never spliced into the text.
 */
export interface PreparedText {
  /** Unique across the process: PostgreSQL keys a connection's prepared statements by name. */
  readonly name: string;
  readonly text: string;
}

const names = new Set<string>();

/** Declares a statement; a second statement with the same name is a programming error. */
export function preparedText(name: string, text: string): PreparedText {
  if (names.has(name)) throw new Error(`prepared statement ${name} declared twice`);
  names.add(name);
  return { name, text };
}

interface PgPoolLike {
  query(config: { name: string; text: string; values: unknown[]; rowMode: 'array' }): Promise<{ rows: unknown[][] }>;
}
interface PgliteLike {
  query(text: string, params: unknown[], options: { rowMode: 'array' }): Promise<{ rows: unknown[][] }>;
}

/** Runs `statement` on the database's pool (outside any transaction) and returns its rows as arrays. */
export async function queryArrays(
  database: Database,
  statement: PreparedText,
  params: unknown[],
): Promise<unknown[][]> {
  // drizzle's `$client` is the pg Pool (PostgreSQL) or PGlite's statement client; `Db` is typed as node-postgres.
  const client = (database.db as unknown as { $client: unknown }).$client;
  if (database.kind === 'postgres') {
    const result = await (client as PgPoolLike).query({
      name: statement.name,
      text: statement.text,
      values: params,
      rowMode: 'array',
    });
    return result.rows;
  }
  const result = await (client as PgliteLike).query(statement.text, params, { rowMode: 'array' });
  return result.rows;
}
