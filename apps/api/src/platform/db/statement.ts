import { type SQL, sql } from 'drizzle-orm';
import type { DbOrTx } from './client.js';

/**
 * A piece of one data-modifying statement: common table expressions (`name as (…)`, comma
 * separated) on one module's tables and, optionally, one value (SQL, best a json expression) the
 * statement returns for it. Modules hand each other parts instead of running their own statements,
 * so a unit of work that spans them — a chat run's start, its end with its usage — is one
 * statement: atomic without a transaction, and one round trip. CTE names are the module's own
 * (prefixed with its table), so parts never clash.
 */
export interface StatementPart {
  ctes: SQL;
  returns?: SQL;
}

/**
 * A precondition of a statement, as a part of it: its CTEs, a boolean SQL (`allows`) the statement's
 * writes are conditioned on (a write whose condition is false does nothing), and its value, which
 * `check` turns into the error of a refused statement (it throws) — so a check and the writes it
 * guards are one round trip, and a refused statement writes nothing.
 */
export interface GuardPart extends StatementPart {
  allows: SQL;
  /** Throws when the statement's value for this part says it was refused. */
  check(value: unknown): void;
}

/**
 * Runs `parts` as one statement (`with … select …`) on `db` and returns each part's value, in
 * order (undefined for a part that returns none). Every CTE runs whether or not the final select
 * reads it (PostgreSQL always runs data-modifying CTEs), and they all see one snapshot.
 */
export async function runParts(db: DbOrTx, parts: StatementPart[]): Promise<unknown[]> {
  if (!parts.length) return [];
  const values = parts.map((p, i) => sql`${p.returns ?? sql`null`} as ${sql.raw(`r${i}`)}`);
  const result = await db.execute<Record<string, unknown>>(
    sql`with ${sql.join(
      parts.map((p) => p.ctes),
      sql`, `,
    )} select ${sql.join(values, sql`, `)}`,
  );
  const row = result.rows[0] ?? {};
  return parts.map((_, i) => row[`r${i}`] ?? undefined);
}

/** A json value read back from a statement: node-postgres parses json, PGlite may hand a string. */
export function jsonValue<T>(value: unknown, fallback: T): T {
  if (value === null || value === undefined) return fallback;
  return (typeof value === 'string' ? JSON.parse(value) : value) as T;
}
