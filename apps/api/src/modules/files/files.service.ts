import { createHash, randomUUID } from 'node:crypto';
import { type Readable, Transform } from 'node:stream';
import type { Logger } from 'pino';
import type { FileObject, FileList, FileListQuery, FilePurpose, KnowledgeHit } from '@agentry/contracts';
import type { Caller } from '../../platform/caller.js';
import { actorOf, type AuditLog } from '../../platform/audit.js';
import type { Database, DbOrTx } from '../../platform/db/client.js';
import { AppError } from '../../platform/errors.js';
import type { JobQueue } from '../../platform/ports/types.js';
import { decodeFileCursor as decodeCursor, encodeFileCursor as encodeCursor } from './file-cursor.js';
import { chunkPages, extractText, ExtractionError, tokensOf } from './extract.js';
import { cosine, EmbeddingError, type Embedder } from './embeddings.js';
import type { PgvectorSearch } from './pgvector.js';
import { reindexChunks, type ReindexOptions, type ReindexResult } from './reindex.js';
import type { Candidate, FileRow, FilesRepo } from './files.repo.js';
import { resolveType, sniff } from './sniff.js';
import type { ObjectStorage } from './storage.js';

export const EXTRACT_JOB = 'files.extract';
const HEAD_BYTES = 64 * 1024;
/** Extracted text kept with an attachment document (chat gives the model at most this). */
export const ATTACHMENT_TEXT_CHARS = 48_000;

/** The tenant's storage limit in bytes (the plan's `storage_bytes`): billing provides it. */
export interface StorageQuota {
  storageLimitBytes(db: DbOrTx, tenantId: string): Promise<number | null>;
}

export interface FilesServiceDeps {
  database: Database;
  repo: FilesRepo;
  storage: ObjectStorage;
  embedder: Embedder;
  jobs: JobQueue;
  quota: StorageQuota;
  audit: AuditLog;
  logger: Logger;
  maxBytes: number;
  /** Set where the database has the `vector` extension: search ranks vectors in SQL (pgvector.ts). */
  pgvector?: PgvectorSearch | null;
}

/** Attempts of the extraction job; an embeddings failure on the last one fails the file. */
export const EXTRACT_ATTEMPTS = 3;

/** What `/health/ready` reports as `details.knowledge.index`. */
export interface IndexStats {
  model: string;
  chunks: number;
  current: number;
  stale: number;
  by_model: Record<string, number>;
}

/** An incoming upload as the route hands it over: the part's stream, its name and declared type. */
export interface IncomingFile {
  stream: Readable;
  filename: string;
  declaredType: string | undefined;
  /** True when the stream was cut at FILES_MAX_BYTES (checked once it has ended). */
  truncated: () => boolean;
}

export function toFileObject(row: FileRow): FileObject {
  return {
    id: row.id,
    filename: row.filename,
    content_type: row.contentType,
    size_bytes: row.sizeBytes,
    sha256: row.sha256,
    purpose: row.purpose,
    status: row.status,
    error: row.error,
    chunk_count: row.chunkCount,
    uploaded_by: row.uploadedBy,
    created_at: row.createdAt.toISOString(),
  };
}

/** Files and knowledge (API.md "Files and knowledge"): upload, list, read, delete, index and search. */
export class FilesService {
  constructor(private readonly deps: FilesServiceDeps) {}

  get storageDriver() {
    return this.deps.storage.driver;
  }

  /**
   * Streams the upload to storage while hashing it, counting it, checking it is UTF-8 text (or
   * not) and keeping its first bytes; then decides its type from those bytes, checks the quota and
   * writes the row. The object exists before the row: a crash in between leaves an orphan object
   * (the cleanup job removes it), never a row without its bytes. Refusals delete the object.
   */
  async upload(caller: Caller, incoming: IncomingFile, purposeOf: () => FilePurpose): Promise<FileObject> {
    const { storage, repo, database } = this.deps;
    const id = randomUUID();
    const key = `${caller.tenantId}/${id}`;
    const limit = await this.deps.quota.storageLimitBytes(database.db, caller.tenantId);
    if (limit !== null && (await repo.usedBytes(database.db, caller.tenantId)) >= limit) throw quotaError(limit);

    const hash = createHash('sha256');
    const decoder = new TextDecoder('utf-8', { fatal: true });
    let size = 0;
    let head = Buffer.alloc(0);
    let validText = true;
    const inspect = new Transform({
      transform(chunk: Buffer, _enc, done) {
        hash.update(chunk);
        size += chunk.length;
        if (head.length < HEAD_BYTES) head = Buffer.concat([head, chunk.subarray(0, HEAD_BYTES - head.length)]);
        if (validText) {
          try {
            decoder.decode(chunk, { stream: true });
            if (chunk.includes(0)) validText = false;
          } catch {
            validText = false;
          }
        }
        done(null, chunk);
      },
    });
    try {
      await storage.put(key, incoming.stream.pipe(inspect));
    } catch (err) {
      await storage.delete(key).catch(() => {});
      if (isTooLarge(err) || incoming.truncated()) throw tooLarge(this.deps.maxBytes);
      throw err;
    }
    const refuse = async (error: AppError): Promise<never> => {
      await storage.delete(key).catch(() => {});
      throw error;
    };
    if (incoming.truncated() || size > this.deps.maxBytes) return refuse(tooLarge(this.deps.maxBytes));
    if (validText) {
      try {
        decoder.decode();
      } catch {
        validText = false;
      }
    }
    if (size === 0)
      return refuse(
        new AppError('validation_failed', 'The file is empty.', { errors: [{ path: 'file', message: 'empty' }] }),
      );
    const purpose = purposeOf();
    const resolved = resolveType({
      sniffed: sniff(head),
      validText,
      declared: incoming.declaredType,
      filename: incoming.filename,
      purpose,
    });
    if ('refused' in resolved) return refuse(new AppError('unsupported_media_type', resolved.refused));

    const isImage = resolved.type.startsWith('image/');
    let row: FileRow;
    try {
      row = await database.db.transaction(async (tx) => {
        await repo.lockTenant(tx, caller.tenantId);
        if (limit !== null && (await repo.usedBytes(tx, caller.tenantId)) + size > limit) throw quotaError(limit);
        const created = await repo.insert(tx, {
          id,
          tenantId: caller.tenantId,
          uploadedBy: caller.userId ?? caller.serviceAccountId,
          filename: sanitizeFilename(incoming.filename),
          contentType: resolved.type,
          sizeBytes: size,
          sha256: hash.digest('hex'),
          purpose,
          status: isImage ? 'ready' : 'processing',
          storageKey: key,
        });
        await this.deps.audit.record(tx, {
          tenantId: caller.tenantId,
          action: 'file.uploaded',
          actor: actorOf(caller),
          target: { type: 'file', id },
          metadata: { filename: created.filename, size_bytes: size, content_type: resolved.type, purpose },
        });
        return created;
      });
    } catch (err) {
      return refuse(
        err instanceof AppError ? err : new AppError('internal_error', 'The file could not be saved.', { cause: err }),
      );
    }
    if (!isImage)
      await this.deps.jobs.enqueue(
        EXTRACT_JOB,
        { fileId: id },
        { jobId: `file-${id}`, attempts: EXTRACT_ATTEMPTS, backoffMs: 1000 },
      );
    return toFileObject(row);
  }

  async list(caller: Caller, query: FileListQuery): Promise<FileList> {
    const before = query.cursor ? decodeCursor(query.cursor) : undefined;
    const rows = await this.deps.repo.page(this.deps.database.db, caller.tenantId, {
      ...(query.purpose ? { purpose: query.purpose } : {}),
      ...(before ? { before } : {}),
      limit: query.limit + 1,
    });
    const page = rows.slice(0, query.limit);
    const last = page[page.length - 1];
    return {
      items: page.map(toFileObject),
      next_cursor: rows.length > query.limit && last ? encodeCursor({ createdAt: last.createdAt, id: last.id }) : null,
    };
  }

  async get(caller: Caller, id: string): Promise<FileObject> {
    return toFileObject(await this.owned(caller.tenantId, id));
  }

  /** The row of a file of `tenantId`, or 404 (another tenant's file is not found, not forbidden). */
  async owned(tenantId: string, id: string): Promise<FileRow> {
    const row = await this.deps.repo.find(this.deps.database.db, tenantId, id);
    if (!row) throw new AppError('not_found', 'File not found.');
    return row;
  }

  async content(caller: Caller, id: string): Promise<{ row: FileRow; body: Readable }> {
    const row = await this.owned(caller.tenantId, id);
    try {
      return { row, body: await this.deps.storage.get(row.storageKey) };
    } catch (err) {
      this.deps.logger.error({ err, file_id: id, event: 'files.object_missing' }, 'a file has no stored object');
      throw new AppError('not_found', 'File content not found.');
    }
  }

  /** Deletes the row (its chunks go with it), then the object: a crash in between leaves an orphan object only. */
  async delete(caller: Caller, id: string): Promise<void> {
    const row = await this.deps.database.db.transaction(async (tx) => {
      const deleted = await this.deps.repo.delete(tx, caller.tenantId, id);
      if (!deleted) throw new AppError('not_found', 'File not found.');
      await this.deps.audit.record(tx, {
        tenantId: caller.tenantId,
        action: 'file.deleted',
        actor: actorOf(caller),
        target: { type: 'file', id },
        metadata: { filename: deleted.filename },
      });
      return deleted;
    });
    await this.deps.storage.delete(row.storageKey).catch((err) => {
      this.deps.logger.warn({ err, file_id: id }, 'file object not deleted; the cleanup job will remove it');
    });
  }

  /**
   * The extraction job: text → chunks → embeddings → the index; `failed` with a clear error
   * otherwise. An embeddings failure is retried by the job (the service may come back) and fails
   * the file with its reason on the `final` attempt, so no file stays `processing` for ever.
   */
  async processFile(fileId: string, options: { final?: boolean } = {}): Promise<void> {
    const { repo, database, storage, embedder } = this.deps;
    const row = await repo.findById(database.db, fileId);
    if (!row || row.status !== 'processing') return;
    let pages: Awaited<ReturnType<typeof extractText>>;
    try {
      const bytes = await readAll(await storage.get(row.storageKey), this.deps.maxBytes);
      pages = await extractText(bytes, row.contentType);
    } catch (err) {
      const message = err instanceof ExtractionError ? err.message : 'The file could not be read.';
      if (!(err instanceof ExtractionError)) this.deps.logger.warn({ err, file_id: fileId }, 'file extraction failed');
      await repo.setFailed(database.db, fileId, message);
      return;
    }
    if (row.purpose === 'attachment') {
      const text = pages
        .map((p) => p.text)
        .join('\n\n')
        .slice(0, ATTACHMENT_TEXT_CHARS);
      await repo.markAttachmentReady(database.db, fileId, text);
      return;
    }
    const chunks = chunkPages(pages);
    let vectors: number[][];
    try {
      vectors = await embedder.embed(chunks.map((c) => c.text));
      if (vectors.length !== chunks.length)
        throw new EmbeddingError(`${vectors.length} vectors for ${chunks.length} chunks`);
    } catch (err) {
      this.deps.logger.warn({ err, file_id: fileId, final: options.final ?? true }, 'file embedding failed');
      if (options.final === false) throw err;
      const reason = err instanceof EmbeddingError ? err.message : 'The embeddings service failed.';
      await repo.setFailed(database.db, fileId, `Indexing failed: ${reason}`);
      return;
    }
    await database.db.transaction(async (tx) => {
      const still = await repo.findById(tx, fileId);
      if (!still) return; // deleted meanwhile
      await repo.replaceChunks(
        tx,
        row,
        chunks.map((c, i) => ({ ordinal: i, page: c.page, text: c.text, embedding: vectors[i] ?? [] })),
        embedder.model,
      );
    });
    const dims = vectors[0]?.length;
    if (dims) await this.deps.pgvector?.ensureIndex(embedder.model, dims);
  }

  /** Re-embeds chunks of other models (reindex.ts; `agentry knowledge reindex`). */
  reindex(options: ReindexOptions = {}): Promise<ReindexResult> {
    return reindexChunks(this.deps, options);
  }

  /** Chunks by embedding model: those of another model are not searched until they are re-indexed. */
  async indexStats(): Promise<IndexStats> {
    const model = this.deps.embedder.model;
    const byModel = await this.deps.repo.chunksByModel(this.deps.database.db);
    const chunks = Object.values(byModel).reduce((a, b) => a + b, 0);
    const current = byModel[model] ?? 0;
    return { model, chunks, current, stale: chunks - current, by_model: byModel };
  }

  /**
   * Hybrid search over the tenant's ready files: full-text candidates and recent candidates, each
   * ranked (by `ts_rank_cd`, and by exact cosine of the embeddings), fused by reciprocal rank.
   */
  async search(
    tenantId: string,
    input: { query: string; limit: number; file_ids?: string[] | undefined },
  ): Promise<KnowledgeHit[]> {
    const { repo, database, embedder, pgvector } = this.deps;
    const model = embedder.model;
    const words = (input.query.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? []).slice(0, 32);
    const tsquery = [...new Set(words)].map((w) => `'${w}'`).join(' | ');
    const ids = input.file_ids;
    // Without a query vector (the embeddings service is down) search is full-text only, not a 5xx.
    const queryVector = embedder.embed([input.query]).then(
      ([v]) => v ?? null,
      (err: unknown) => {
        this.deps.logger.warn({ err, event: 'knowledge.query_embedding_failed' }, 'search falls back to full-text');
        return null;
      },
    );
    const textRanked = repo.textCandidates(database.db, tenantId, model, tsquery, 50, ids);
    const [text, vectorRanked] = await Promise.all([
      textRanked,
      queryVector.then(async (qv): Promise<Candidate[]> => {
        if (!qv) return [];
        if (pgvector) return pgvector.nearest(tenantId, model, qv, 50, ids);
        // The exact path: full-text and recent candidates, ranked by cosine here.
        const [again, recent] = await Promise.all([
          textRanked,
          repo.recentCandidates(database.db, tenantId, model, 2000, ids),
        ]);
        const pool = new Map([...again, ...recent].map((c) => [c.id, c]));
        return [...pool.values()]
          .map((c) => ({ c, s: cosine(qv, c.embedding) }))
          .sort((a, b) => b.s - a.s)
          .slice(0, 50)
          .map(({ c }) => c);
      }),
    ]);
    const byId = new Map([...text, ...vectorRanked].map((c) => [c.id, c]));
    const K = 60;
    const fused = new Map<string, number>();
    const add = (list: Candidate[]) => {
      list.forEach((c, i) => {
        fused.set(c.id, (fused.get(c.id) ?? 0) + 1 / (K + i + 1));
      });
    };
    add(text);
    add(vectorRanked);
    return [...fused.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, input.limit)
      .map(([id, score]) => {
        const c = byId.get(id) as Candidate;
        return { file_id: c.fileId, filename: c.filename, chunk_id: c.id, text: c.text, score, page: c.page };
      });
  }

  /** Removes stored objects without a row that are older than `olderThanMs` (crash leftovers). */
  async removeOrphans(olderThanMs: number, now = Date.now()): Promise<number> {
    let removed = 0;
    let batch: string[] = [];
    const flush = async () => {
      const known = await this.deps.repo.storageKeysIn(this.deps.database.db, batch);
      for (const key of batch)
        if (!known.has(key)) {
          await this.deps.storage.delete(key);
          removed++;
        }
      batch = [];
    };
    for await (const o of this.deps.storage.list()) {
      if (now - o.lastModified.getTime() < olderThanMs) continue;
      batch.push(o.key);
      if (batch.length >= 500) await flush();
    }
    await flush();
    if (removed)
      this.deps.logger.info({ event: 'files.orphans_removed', count: removed }, 'orphaned file objects removed');
    return removed;
  }

  tokensOf = tokensOf;
}

function quotaError(limit: number) {
  return new AppError('usage_limit_exceeded', `The tenant's file storage limit (${limit} bytes) is reached.`, {
    details: { feature: 'storage_bytes', limit },
  });
}

function tooLarge(max: number) {
  return new AppError('payload_too_large', `Files are limited to ${max} bytes.`);
}

function isTooLarge(err: unknown): boolean {
  const code = (err as { code?: string } | null)?.code;
  return code === 'FST_REQ_FILE_TOO_LARGE';
}

function sanitizeFilename(name: string): string {
  const clean = [...name]
    .map((ch) => (ch.charCodeAt(0) < 0x20 || ch.charCodeAt(0) === 0x7f || ch === '/' || ch === '\\' ? '_' : ch))
    .join('')
    .trim()
    .slice(0, 255);
  return clean || 'file';
}

export async function readAll(stream: Readable, max: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const c of stream) {
    size += (c as Buffer).length;
    if (size > max) throw new ExtractionError('The file is larger than FILES_MAX_BYTES.');
    chunks.push(c as Buffer);
  }
  return Buffer.concat(chunks);
}
