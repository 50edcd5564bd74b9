import type { PGlite, QueryOptions, Results, Transaction } from '@electric-sql/pglite';

/**
 * PGlite's `query` parses every statement anew: the unnamed statement, sent as six protocol
 * calls into the wasm backend (Parse, Describe statement, Bind, Describe portal, Execute, Sync),
 * each call a pass of PostgreSQL's main loop. On the API's own thread that was most of an
 * embedded run's database cost. This client runs each statement text as a named prepared
 * statement instead, kept in a bounded cache (least recently used first out, deallocated):
 * a statement seen before is one call (Bind, Execute, Sync) against what PostgreSQL parsed,
 * analysed and described once. What it returns is PGlite's own `query` result (PGlite's parsers,
 * serializers and result shape), so drizzle and `prepared.ts` read the same values.
 *
 * Semantics are PostgreSQL's: the same SQL, parameters bound ($1…) with the types PostgreSQL
 * inferred at the first Parse (the same inference as the unnamed statement's), an implicit
 * transaction per statement outside `transaction`, PGlite's mutexes as its `query` takes them.
 * Prepared statements are not transactional, and PostgreSQL itself re-plans a prepared statement
 * whose tables changed (DDL); a statement that can no longer run as prepared (its result type
 * changed, or it was deallocated behind our back) is dropped from the cache, and retried once
 * outside a transaction. Planning follows PostgreSQL's plan cache (custom plans, then a generic
 * plan when it is not dearer), as node-postgres' named statements do in production.
 */

/** Statements kept prepared in the backend at once. */
export const PGLITE_STATEMENT_CACHE_SIZE = 256;

interface Field {
  name: string;
  dataTypeID: number;
}

interface Prepared {
  name: string;
  paramTypes: number[];
  /** The columns of the statement's rows (its RowDescription), none for a statement without rows. */
  fields: Field[];
}

/** The backend messages a statement's execution returns that make its result. */
interface BackendMessage {
  name: string;
  fields?: (string | null)[];
  text?: string;
}

interface PgliteInternals {
  _runExclusiveTransaction<T>(fn: () => Promise<T>): Promise<T>;
  _checkReady(): Promise<void>;
}

/** The part of PGlite's interface drizzle's pglite driver and `prepared.ts` use. */
export interface PgliteStatementClient {
  readonly pglite: PGlite;
  query<T>(text: string, params?: unknown[], options?: QueryOptions): Promise<Results<T>>;
  transaction<T>(callback: (tx: Transaction) => Promise<T>): Promise<T>;
  exec(text: string, options?: QueryOptions): Promise<Results[]>;
  close(): Promise<void>;
}

/** Statements worth preparing: queries and data-modifying statements. */
const CACHED = /^\s*(?:select|insert|update|delete|with)\b/i;

function concat(parts: Uint8Array[]): Uint8Array {
  let length = 0;
  for (const p of parts) length += p.length;
  const out = new Uint8Array(length);
  let offset = 0;
  for (const p of parts) {
    out.set(p, offset);
    offset += p.length;
  }
  return out;
}

/** SQLSTATEs after which a cached statement is dropped: result type changed, statement gone. */
function isStale(e: unknown): boolean {
  const code = (e as { code?: string }).code;
  return (
    code === '26000' ||
    (code === '0A000' && String((e as Error).message).includes('cached plan must not change result type'))
  );
}

export async function pgliteStatementClient(
  pglite: PGlite,
  cacheSize = PGLITE_STATEMENT_CACHE_SIZE,
): Promise<PgliteStatementClient> {
  const { protocol } = await import('@electric-sql/pglite');
  const { serialize } = protocol;
  const internals = pglite as unknown as PgliteInternals;
  /** Statement text → prepared statement, least recently used first (Map order). */
  const cache = new Map<string, Prepared>();
  let sequence = 0;

  const exchange = (message: Uint8Array) => pglite.execProtocolStream(message, { syncToFs: false });

  async function prepare(text: string): Promise<Prepared> {
    const name = `pglite_s${++sequence}`;
    const messages = (await exchange(
      concat([serialize.parse({ name, text }), serialize.describe({ type: 'S', name }), serialize.sync()]),
    )) as { name: string; dataTypeIDs?: number[] }[];
    const prepared: Prepared = {
      name,
      paramTypes: messages.find((m) => m.name === 'parameterDescription')?.dataTypeIDs ?? [],
      fields: (
        (messages.find((m) => m.name === 'rowDescription') as { fields?: Field[] } | undefined)?.fields ?? []
      ).map((f) => ({ name: f.name, dataTypeID: f.dataTypeID })),
    };
    cache.set(text, prepared);
    if (cache.size > cacheSize) {
      const [oldText, old] = cache.entries().next().value as [string, Prepared];
      cache.delete(oldText);
      await deallocate(old);
    }
    return prepared;
  }

  /** Closes a statement in the backend (allowed in an aborted transaction too). */
  async function deallocate(prepared: Prepared): Promise<void> {
    await exchange(concat([serialize.close({ type: 'S', name: prepared.name }), serialize.sync()]));
  }

  function serializeParams(prepared: Prepared, params: unknown[], options: QueryOptions | undefined) {
    return params.map((param, i) => {
      if (param === null || param === undefined) return null;
      const oid = prepared.paramTypes[i] as number;
      const serializer = options?.serializers?.[oid] ?? pglite.serializers[oid];
      return serializer ? serializer(param) : (param as { toString(): string }).toString();
    });
  }

  async function runOnce<T>(text: string, params: unknown[], options: QueryOptions | undefined): Promise<Results<T>> {
    let prepared = cache.get(text);
    if (prepared) {
      cache.delete(text); // most recently used goes last
      cache.set(text, prepared);
    } else {
      prepared = await prepare(text);
    }
    const values = serializeParams(prepared, params, options);
    let messages: unknown[];
    try {
      messages = await exchange(
        concat([serialize.bind({ statement: prepared.name, values }), serialize.execute({}), serialize.sync()]),
      );
    } catch (e) {
      if (isStale(e) && cache.get(text) === prepared) {
        cache.delete(text);
        await deallocate(prepared);
      }
      throw e;
    }
    return toResults<T>(prepared.fields, messages as BackendMessage[], options);
  }

  /**
   * PGlite's `parseResults` for one statement, without its per-call copy of every type parser
   * (drizzle passes its own few parsers on each query, and PGlite merges them into a copy of its
   * whole table, some 200 entries, per statement): the same parsers, looked up per column once.
   */
  function toResults<T>(fields: Field[], messages: BackendMessage[], options: QueryOptions | undefined): Results<T> {
    const parsers = fields.map((f) => options?.parsers?.[f.dataTypeID] ?? pglite.parsers[f.dataTypeID]);
    const arrays = options?.rowMode === 'array';
    const rows: unknown[] = [];
    for (const message of messages) {
      if (message.name === 'dataRow') {
        const values = (message.fields ?? []).map((value, i) => {
          if (value === null) return null;
          const parser = parsers[i];
          return parser ? parser(value, (fields[i] as Field).dataTypeID) : value;
        });
        if (arrays) rows.push(values);
        else {
          const row: Record<string, unknown> = {};
          for (let i = 0; i < values.length; i++) row[(fields[i] as Field).name] = values[i];
          rows.push(row);
        }
      } else if (message.name === 'commandComplete') {
        // As PGlite reads a command tag: "SELECT 2", "INSERT 0 5", "CREATE TABLE".
        const parts = (message.text ?? '').split(' ');
        const command = parts[0] as string;
        const rowCount = Number.parseInt(parts[parts.length - 1] as string, 10);
        const counted = ['INSERT', 'UPDATE', 'DELETE', 'COPY', 'MERGE'].includes(command);
        const result = { rows, fields: fields.slice(), command, affectedRows: counted ? rowCount : 0 } as Results<T>;
        if (!Number.isNaN(rowCount)) result.rowCount = rowCount;
        return result;
      }
    }
    return { affectedRows: 0, rows: [], fields: [] } as Results<T>;
  }

  /** One statement under PGlite's query mutex; `inTransaction`: inside `transaction`'s callback. */
  function run<T>(text: string, params: unknown[] = [], options: QueryOptions | undefined, inTransaction: boolean) {
    return pglite.runExclusive(async () => {
      try {
        let result: Results<T>;
        try {
          result = await runOnce<T>(text, params, options);
        } catch (e) {
          if (inTransaction || !isStale(e)) throw e;
          result = await runOnce<T>(text, params, options);
        }
        if (!inTransaction) await pglite.syncToFs();
        return result;
      } catch (e) {
        // PGlite's own `query` annotates database errors the same way (makePGliteError).
        if (e && typeof e === 'object' && 'severity' in e)
          Object.assign(e, { query: text, params, queryOptions: options });
        throw e;
      }
    });
  }

  /**
   * What goes to PGlite's own `query`: statements other than reads and writes (DDL of migrations,
   * savepoints, settings: nothing to gain, and they would crowd the cache) and options this path
   * does not handle (a blob for COPY, explicit parameter types).
   */
  const special = (text: string, options: QueryOptions | undefined) =>
    !CACHED.test(text) || Boolean(options?.blob || options?.paramTypes);

  return {
    pglite,
    async query<T>(text: string, params?: unknown[], options?: QueryOptions) {
      if (special(text, options)) return pglite.query<T>(text, params, options);
      await internals._checkReady();
      return internals._runExclusiveTransaction(() => run<T>(text, params, options, false));
    },
    transaction<T>(callback: (tx: Transaction) => Promise<T>) {
      return pglite.transaction((tx) =>
        callback({
          query: <R>(text: string, params?: unknown[], options?: QueryOptions) => {
            if (tx.closed) throw new Error('Transaction is closed');
            if (special(text, options)) return tx.query<R>(text, params, options);
            return run<R>(text, params, options, true);
          },
          exec: tx.exec,
          sql: tx.sql,
          rollback: tx.rollback,
          listen: tx.listen,
          get closed() {
            return tx.closed;
          },
        }),
      );
    },
    exec: (text, options) => pglite.exec(text, options),
    close: () => pglite.close(),
  };
}
