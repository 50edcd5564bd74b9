import { and, desc, eq, gt, inArray, lt, ne, or, sql } from 'drizzle-orm';
import type { DbOrTx } from '../../platform/db/client.js';
import { fileChunks, files } from './files.tables.js';

export type FileRow = typeof files.$inferSelect;
export type NewFileRow = typeof files.$inferInsert;

export interface ChunkInput {
  ordinal: number;
  page: number | null;
  text: string;
  embedding: number[];
}

export interface Candidate {
  id: string;
  fileId: string;
  filename: string;
  page: number | null;
  text: string;
  embedding: number[];
}

/** SQL of files and their chunks; `db` first, like every repo. Every read names the tenant. */
export class FilesRepo {
  async insert(db: DbOrTx, row: NewFileRow): Promise<FileRow> {
    const [created] = await db.insert(files).values(row).returning();
    if (!created) throw new Error('file insert returned nothing');
    return created;
  }

  async find(db: DbOrTx, tenantId: string, id: string): Promise<FileRow | null> {
    const [row] = await db
      .select()
      .from(files)
      .where(and(eq(files.tenantId, tenantId), eq(files.id, id)));
    return row ?? null;
  }

  async findMany(db: DbOrTx, tenantId: string, ids: string[]): Promise<FileRow[]> {
    if (ids.length === 0) return [];
    return db
      .select()
      .from(files)
      .where(and(eq(files.tenantId, tenantId), inArray(files.id, ids)));
  }

  async findById(db: DbOrTx, id: string): Promise<FileRow | null> {
    const [row] = await db.select().from(files).where(eq(files.id, id));
    return row ?? null;
  }

  async page(
    db: DbOrTx,
    tenantId: string,
    options: { purpose?: string; before?: { createdAt: Date; id: string }; limit: number },
  ): Promise<FileRow[]> {
    const { before } = options;
    return db
      .select()
      .from(files)
      .where(
        and(
          eq(files.tenantId, tenantId),
          options.purpose ? eq(files.purpose, options.purpose as FileRow['purpose']) : undefined,
          before
            ? or(
                lt(files.createdAt, before.createdAt),
                and(eq(files.createdAt, before.createdAt), lt(files.id, before.id)),
              )
            : undefined,
        ),
      )
      .orderBy(desc(files.createdAt), desc(files.id))
      .limit(options.limit);
  }

  /** Bytes the tenant stores (every file, whatever its status). */
  async usedBytes(db: DbOrTx, tenantId: string): Promise<number> {
    const [row] = await db
      .select({ total: sql<string>`coalesce(sum(${files.sizeBytes}), 0)` })
      .from(files)
      .where(eq(files.tenantId, tenantId));
    return Number(row?.total ?? 0);
  }

  /** Serialises the quota check of one tenant's uploads (held until the transaction ends). */
  async lockTenant(db: DbOrTx, tenantId: string): Promise<void> {
    await db.execute(sql`select pg_advisory_xact_lock(hashtext(${`files:${tenantId}`}))`);
  }

  async delete(db: DbOrTx, tenantId: string, id: string): Promise<FileRow | null> {
    const [row] = await db
      .delete(files)
      .where(and(eq(files.tenantId, tenantId), eq(files.id, id)))
      .returning();
    return row ?? null;
  }

  async setFailed(db: DbOrTx, id: string, error: string): Promise<void> {
    await db.update(files).set({ status: 'failed', error, chunkCount: 0 }).where(eq(files.id, id));
  }

  /** Replaces the file's chunks and marks it ready, in the caller's transaction. */
  async replaceChunks(db: DbOrTx, file: FileRow, chunks: ChunkInput[], model: string): Promise<void> {
    await db.delete(fileChunks).where(eq(fileChunks.fileId, file.id));
    for (let i = 0; i < chunks.length; i += 200) {
      await db.insert(fileChunks).values(
        chunks.slice(i, i + 200).map((c) => ({
          tenantId: file.tenantId,
          fileId: file.id,
          ordinal: c.ordinal,
          page: c.page,
          text: c.text,
          embedding: c.embedding,
          embeddingModel: model,
        })),
      );
    }
    await db
      .update(files)
      .set({ status: 'ready', error: null, chunkCount: chunks.length, embeddingModel: model })
      .where(eq(files.id, file.id));
  }

  async markAttachmentReady(db: DbOrTx, id: string, text: string): Promise<void> {
    await db.update(files).set({ status: 'ready', error: null, extractedText: text }).where(eq(files.id, id));
  }

  async storageKeysIn(db: DbOrTx, keys: string[]): Promise<Set<string>> {
    if (!keys.length) return new Set();
    const rows = await db.select({ key: files.storageKey }).from(files).where(inArray(files.storageKey, keys));
    return new Set(rows.map((r) => r.key));
  }

  async chunkCount(db: DbOrTx, fileId: string): Promise<number> {
    const [row] = await db
      .select({ n: sql<number>`count(*)::int` })
      .from(fileChunks)
      .where(eq(fileChunks.fileId, fileId));
    return row?.n ?? 0;
  }

  /** Full-text candidates: chunks of the tenant's ready files matching any of the words, best first. */
  async textCandidates(
    db: DbOrTx,
    tenantId: string,
    model: string,
    tsquery: string,
    limit: number,
    fileIds?: string[],
  ): Promise<Candidate[]> {
    if (!tsquery) return [];
    const result = await db.execute(sql`
      select c.id, c.file_id, f.filename, c.page, c.text, c.embedding
      from ${fileChunks} c join ${files} f on f.id = c.file_id
      where c.tenant_id = ${tenantId} and f.tenant_id = ${tenantId} and f.status = 'ready'
        and c.embedding_model = ${model}
        ${inFiles(fileIds)}
        and c.tsv @@ to_tsquery('english', ${tsquery})
      order by ts_rank_cd(c.tsv, to_tsquery('english', ${tsquery})) desc, c.id
      limit ${limit}`);
    return result.rows.map(toCandidate);
  }

  /** The tenant's most recent chunks (the vector path re-ranks them by exact cosine). */
  async recentCandidates(
    db: DbOrTx,
    tenantId: string,
    model: string,
    limit: number,
    fileIds?: string[],
  ): Promise<Candidate[]> {
    const result = await db.execute(sql`
      select c.id, c.file_id, f.filename, c.page, c.text, c.embedding
      from ${fileChunks} c join ${files} f on f.id = c.file_id
      where c.tenant_id = ${tenantId} and f.tenant_id = ${tenantId} and f.status = 'ready'
        and c.embedding_model = ${model}
        ${inFiles(fileIds)}
      order by c.created_at desc, c.id
      limit ${limit}`);
    return result.rows.map(toCandidate);
  }

  /** Chunks not embedded with `model`, in id order after `afterId` (the reindex walks them in batches). */
  async staleChunks(
    db: DbOrTx,
    model: string,
    options: { tenantId?: string | undefined; afterId?: string | undefined; limit: number },
  ): Promise<{ id: string; fileId: string; text: string }[]> {
    return db
      .select({ id: fileChunks.id, fileId: fileChunks.fileId, text: fileChunks.text })
      .from(fileChunks)
      .where(
        and(
          ne(fileChunks.embeddingModel, model),
          options.tenantId ? eq(fileChunks.tenantId, options.tenantId) : undefined,
          options.afterId ? gt(fileChunks.id, options.afterId) : undefined,
        ),
      )
      .orderBy(fileChunks.id)
      .limit(options.limit);
  }

  /** Stores new embeddings of existing chunks (a chunk deleted meanwhile is skipped). */
  async setEmbeddings(db: DbOrTx, rows: { id: string; embedding: number[] }[], model: string): Promise<void> {
    for (const r of rows)
      await db.update(fileChunks).set({ embedding: r.embedding, embeddingModel: model }).where(eq(fileChunks.id, r.id));
  }

  /** Marks the files whose chunks are now all of `model` as indexed with it. */
  async settleFileModels(db: DbOrTx, fileIds: string[], model: string): Promise<void> {
    if (!fileIds.length) return;
    await db.execute(sql`
      update ${files} f set embedding_model = ${model}
      where f.id in (${sql.join(
        fileIds.map((id) => sql`${id}::uuid`),
        sql`, `,
      )})
        and not exists (select 1 from ${fileChunks} c where c.file_id = f.id and c.embedding_model <> ${model})`);
  }

  /** Chunks per embedding model, over every tenant (readiness reports it). */
  async chunksByModel(db: DbOrTx): Promise<Record<string, number>> {
    const rows = await db
      .select({ model: fileChunks.embeddingModel, n: sql<number>`count(*)::int` })
      .from(fileChunks)
      .groupBy(fileChunks.embeddingModel);
    return Object.fromEntries(rows.map((r) => [r.model, Number(r.n)]));
  }
}

function inFiles(fileIds: string[] | undefined) {
  return fileIds?.length
    ? sql`and c.file_id in (${sql.join(
        fileIds.map((id) => sql`${id}::uuid`),
        sql`, `,
      )})`
    : sql``;
}

export function toCandidate(r: Record<string, unknown>): Candidate {
  const emb = r.embedding;
  return {
    id: String(r.id),
    fileId: String(r.file_id),
    filename: String(r.filename),
    page: r.page === null || r.page === undefined ? null : Number(r.page),
    text: String(r.text),
    embedding: Array.isArray(emb) ? emb.map(Number) : parseArray(String(emb ?? '{}')),
  };
}

function parseArray(text: string): number[] {
  const inner = text.replace(/^\{|\}$/g, '');
  return inner ? inner.split(',').map(Number) : [];
}
