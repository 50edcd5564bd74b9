import type { Database } from '../../platform/db/client.js';
import { type Embedder, EmbeddingError } from './embeddings.js';
import type { FilesRepo } from './files.repo.js';
import type { PgvectorSearch } from './pgvector.js';

export interface ReindexOptions {
  /** Only this tenant's chunks (default: every tenant). */
  tenantId?: string | undefined;
  /** Chunks per embeddings request and per transaction (default 64). */
  batch?: number;
  onBatch?: (done: number) => void;
}

export interface ReindexResult {
  model: string;
  chunks: number;
  files: number;
  ms: number;
}

/**
 * Re-embeds the chunks whose model is not the configured one, `batch` at a time in chunk-id
 * order, each batch in its own transaction: an interrupted run keeps what it did and the next run
 * resumes (the done chunks are no longer stale). An embeddings failure stops the run with its
 * reason. A file's `embedding_model` follows once all its chunks are of the new model.
 */
export async function reindexChunks(
  deps: { database: Database; repo: FilesRepo; embedder: Embedder; pgvector?: PgvectorSearch | null },
  options: ReindexOptions = {},
): Promise<ReindexResult> {
  const { repo, database, embedder } = deps;
  const started = Date.now();
  const batch = Math.max(1, options.batch ?? 64);
  const touched = new Set<string>();
  let done = 0;
  let dims: number | undefined;
  let afterId: string | undefined;
  for (;;) {
    const rows = await repo.staleChunks(database.db, embedder.model, {
      tenantId: options.tenantId,
      afterId,
      limit: batch,
    });
    if (!rows.length) break;
    const vectors = await embedder.embed(rows.map((r) => r.text));
    if (vectors.length !== rows.length) throw new EmbeddingError(`${vectors.length} vectors for ${rows.length} chunks`);
    await database.db.transaction(async (tx) => {
      await repo.setEmbeddings(
        tx,
        rows.map((r, i) => ({ id: r.id, embedding: vectors[i] ?? [] })),
        embedder.model,
      );
      await repo.settleFileModels(tx, [...new Set(rows.map((r) => r.fileId))], embedder.model);
    });
    for (const r of rows) touched.add(r.fileId);
    done += rows.length;
    dims = vectors[0]?.length;
    afterId = rows[rows.length - 1]?.id;
    options.onBatch?.(done);
  }
  // A file whose chunks were spread over several batches is settled once all of them are done.
  await repo.settleFileModels(database.db, [...touched], embedder.model);
  if (dims) await deps.pgvector?.ensureIndex(embedder.model, dims);
  return { model: embedder.model, chunks: done, files: touched.size, ms: Date.now() - started };
}
