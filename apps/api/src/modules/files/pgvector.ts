import { createHash } from 'node:crypto';
import { sql } from 'drizzle-orm';
import type { Logger } from 'pino';
import type { Database, DbOrTx } from '../../platform/db/client.js';
import { type Candidate, toCandidate } from './files.repo.js';

/**
 * The pgvector path. `file_chunks.embedding` stays `real[]` (the migrations run on any PostgreSQL);
 * where the database has the `vector` extension (`CREATE EXTENSION vector`, see
 * docs/operations.md), the app adds one partial HNSW expression index per embedding model —
 * `(embedding::vector(D))` where `embedding_model = '<model>'` — and searches with `<=>` in SQL over
 * every chunk of the tenant instead of re-ranking candidates in JS. The index is made by the app,
 * not a migration, because its dimension D is the model's and is known only once vectors exist.
 */
export interface PgvectorStatus {
  /** The extension is installed in this database (`pg_extension`): the pgvector path runs. */
  installed: boolean;
  /** The server could install it (`pg_available_extensions`). */
  available: boolean;
  version: string | null;
}

export async function detectPgvector(db: DbOrTx): Promise<PgvectorStatus> {
  const result = await db.execute(sql`
    select (select extversion from pg_extension where extname = 'vector') as version,
           exists (select 1 from pg_available_extensions where name = 'vector') as available`);
  const row = result.rows[0] as { version: string | null; available: boolean } | undefined;
  return { installed: Boolean(row?.version), available: Boolean(row?.available), version: row?.version ?? null };
}

/** HNSW takes `vector` up to 2000 dimensions and `halfvec` up to 4000 (text-embedding-3-large has 3072). */
function vectorType(dims: number): 'vector' | 'halfvec' | null {
  if (!Number.isInteger(dims) || dims < 1) return null;
  return dims <= 2000 ? 'vector' : dims <= 4000 ? 'halfvec' : null;
}

const literal = (s: string) => `'${s.replaceAll("'", "''")}'`;

/** The indexed expression and the partial predicate; the search repeats them verbatim so the planner matches. */
function parts(model: string, dims: number) {
  const type = vectorType(dims);
  if (!type) return null;
  return {
    type,
    expr: `(embedding::${type}(${dims}))`,
    where: `embedding_model = ${literal(model)} and array_length(embedding, 1) = ${dims}`,
    name: `file_chunks_hnsw_${createHash('sha256').update(`${model}/${dims}`).digest('hex').slice(0, 12)}`,
  };
}

export function hnswIndexName(model: string, dims: number): string | null {
  return parts(model, dims)?.name ?? null;
}

export class PgvectorSearch {
  private readonly ensured = new Map<string, Promise<void>>();
  constructor(
    private readonly database: Database,
    private readonly logger: Logger,
  ) {}

  /**
   * Creates the model's HNSW index once per process (IF NOT EXISTS; CONCURRENTLY on PostgreSQL so
   * uploads go on while it builds). A failure is logged and search still works, by a scan.
   */
  ensureIndex(model: string, dims: number): Promise<void> {
    const p = parts(model, dims);
    if (!p) return Promise.resolve();
    const key = `${model}/${dims}`;
    let pending = this.ensured.get(key);
    if (!pending) {
      const concurrently = this.database.kind === 'postgres' ? 'concurrently' : '';
      const started = Date.now();
      pending = this.database.db
        .execute(
          sql.raw(
            `create index ${concurrently} if not exists ${p.name} on file_chunks using hnsw (${p.expr} ${p.type}_cosine_ops) where ${p.where}`,
          ),
        )
        .then(() => {
          this.logger.info(
            { event: 'knowledge.hnsw_index', index: p.name, model, dims, ms: Date.now() - started },
            'knowledge: HNSW index ready',
          );
        })
        .catch((err: unknown) => {
          this.ensured.delete(key);
          this.logger.warn({ err, event: 'knowledge.hnsw_index_failed', model }, 'knowledge: HNSW index not created');
        });
      this.ensured.set(key, pending);
    }
    return pending;
  }

  /** The dimension of the model's stored vectors (null before the first file is indexed). */
  async storedDimensions(model: string): Promise<number | null> {
    const result = await this.database.db.execute(
      sql`select array_length(embedding, 1) as dims from file_chunks where embedding_model = ${model} limit 1`,
    );
    const dims = (result.rows[0] as { dims: number | null } | undefined)?.dims;
    return dims ? Number(dims) : null;
  }

  /**
   * The tenant's chunks nearest to `query` by cosine distance, nearest first. Iterative index scans
   * (pgvector ≥ 0.8; a harmless unknown setting before) keep scanning the HNSW graph until enough
   * rows of this tenant are found, instead of filtering one ef_search-sized batch.
   */
  async nearest(
    tenantId: string,
    model: string,
    query: number[],
    limit: number,
    fileIds?: string[],
  ): Promise<Candidate[]> {
    const statement = nearestQuery(tenantId, model, query, limit, fileIds);
    if (!statement) return [];
    void this.ensureIndex(model, query.length);
    return this.database.db.transaction(async (tx) => {
      await tx.execute(
        sql`select set_config('hnsw.iterative_scan', 'relaxed_order', true), set_config('hnsw.ef_search', '100', true)`,
      );
      const result = await tx.execute(statement);
      return result.rows.map(toCandidate);
    });
  }
}

/** The SQL of `nearest` (exported for the test that checks the planner uses the HNSW index). */
export function nearestQuery(tenantId: string, model: string, query: number[], limit: number, fileIds?: string[]) {
  const p = parts(model, query.length);
  if (!p) return null;
  const q = `[${query.map((x) => (Number.isFinite(x) ? x : 0)).join(',')}]`;
  const distance = sql`${sql.raw(`c.${p.expr.slice(1, -1)}`)} <=> ${q}::${sql.raw(`${p.type}(${query.length})`)}`;
  return sql`
    with nearest as materialized (
      select c.id, c.file_id, c.page, c.text, c.embedding, ${distance} as distance
      from file_chunks c
      where c.tenant_id = ${tenantId} and ${sql.raw(p.where.replaceAll('embedding', 'c.embedding'))}
        ${
          fileIds?.length
            ? sql`and c.file_id in (${sql.join(
                fileIds.map((id) => sql`${id}::uuid`),
                sql`, `,
              )})`
            : sql``
        }
      order by ${distance}
      limit ${limit}
    )
    select n.*, f.filename from nearest n join files f on f.id = n.file_id
    where f.tenant_id = ${tenantId} and f.status = 'ready'
    order by n.distance, n.id`;
}
