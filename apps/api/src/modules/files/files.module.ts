import type { FastifyInstance } from 'fastify';
import type { Config } from '../../config.js';
import type { PlatformContext } from '../../platform/context.js';
import type { Database } from '../../platform/db/client.js';
import { periodicJob } from '../../platform/periodic-job.js';
import { AttachmentReader } from './attachment-reader.js';
import { createEmbedder, type Embedder } from './embeddings.js';
import { FilesRepo } from './files.repo.js';
import { filesRoutes } from './files.routes.js';
import { EXTRACT_ATTEMPTS, EXTRACT_JOB, FilesService, type StorageQuota } from './files.service.js';
import { detectPgvector, PgvectorSearch } from './pgvector.js';
import { createObjectStorage, type ObjectStorage } from './storage.js';

export const CLEANUP_JOB = 'files.cleanup';

/** Bytes a tenant's files take (billing shows them as the `storage_bytes` usage). */
export function storageCounter(database: Database) {
  const repo = new FilesRepo();
  return { usedBytes: (tenantId: string) => repo.usedBytes(database.db, tenantId) };
}

/** How vectors are compared: `pgvector` (HNSW in SQL) where the extension is installed, else `exact` (cosine in JS). */
export interface VectorPath {
  path: 'pgvector' | 'exact';
  /** The server offers the extension (`pg_available_extensions`), installed here or not. */
  pgvectorAvailable: boolean;
  pgvectorVersion: string | null;
}

/**
 * Files and knowledge (API.md "Files and knowledge"): uploads to object storage, extraction and
 * chunking on the worker role, hybrid search, the orphan cleanup job.
 */
export async function createFilesModule(
  ctx: PlatformContext,
  deps: { quota: StorageQuota; storage?: ObjectStorage; embedder?: Embedder },
  config: Config = ctx.config,
) {
  const storage =
    deps.storage ??
    createObjectStorage({ driver: config.files.driver, dir: config.files.dir, s3: { ...config.files.s3 } });
  const embedder = deps.embedder ?? createEmbedder(config);
  const repo = new FilesRepo();
  const detected = await detectPgvector(ctx.database.db).catch(() => null);
  const pgvector = detected?.installed ? new PgvectorSearch(ctx.database, ctx.logger) : null;
  const vector: VectorPath = {
    path: pgvector ? 'pgvector' : 'exact',
    pgvectorAvailable: detected?.available ?? false,
    pgvectorVersion: detected?.version ?? null,
  };
  const service = new FilesService({
    database: ctx.database,
    repo,
    storage,
    embedder,
    jobs: ctx.ports.jobs,
    quota: deps.quota,
    audit: ctx.audit,
    logger: ctx.logger,
    maxBytes: config.files.maxBytes,
    pgvector,
  });
  const stats = await service.indexStats().catch(() => null);
  ctx.logger.info(
    {
      event: 'knowledge.vector_path',
      vector_path: vector.path,
      pgvector_available: vector.pgvectorAvailable,
      pgvector_version: vector.pgvectorVersion,
      storage: storage.driver,
      embeddings: embedder.model,
      index: stats,
    },
    vector.path === 'pgvector'
      ? `knowledge: vector path pgvector ${vector.pgvectorVersion} (HNSW per embedding model)`
      : `knowledge: vector path exact (cosine over real[] in the app); pgvector ${vector.pgvectorAvailable ? 'is available: CREATE EXTENSION vector to use it' : 'is not installed'}`,
  );
  if (stats?.stale)
    ctx.logger.warn(
      { event: 'knowledge.stale_chunks', model: stats.model, stale: stats.stale, by_model: stats.by_model },
      `knowledge: ${stats.stale} chunks were embedded by another model and are not searched until \`agentry knowledge reindex\``,
    );
  // The HNSW index of existing vectors is built in the background (large tables take a while).
  if (pgvector)
    void pgvector.storedDimensions(embedder.model).then(
      (dims) => (dims ? pgvector.ensureIndex(embedder.model, dims) : undefined),
      () => undefined,
    );
  const cleanup = periodicJob({
    jobs: ctx.ports.jobs,
    logger: ctx.logger,
    name: CLEANUP_JOB,
    intervalMs: config.files.cleanupIntervalMs,
    run: () => service.removeOrphans(config.files.orphanMinutes * 60_000),
  });
  if (config.roles.includes('worker')) {
    ctx.ports.jobs.process<{ fileId: string }>(
      EXTRACT_JOB,
      (job) => service.processFile(job.data.fileId, { final: job.attempt >= EXTRACT_ATTEMPTS }),
      { concurrency: 2 },
    );
    await cleanup.start();
    ctx.onShutdown(() => cleanup.stop());
  }
  return {
    service,
    /** What chat reads of a message's attachments (chat's `AttachmentSource`). */
    attachments: new AttachmentReader({
      database: ctx.database,
      repo,
      storage,
      logger: ctx.logger,
      maxBytes: config.files.maxBytes,
    }),
    storage,
    vector,
    /** What /health/ready reports under `details.knowledge` (the index counts are read each time). */
    readiness: async () => ({
      vector_path: vector.path,
      pgvector_available: vector.pgvectorAvailable,
      pgvector_version: vector.pgvectorVersion,
      storage: storage.driver,
      embeddings: embedder.model,
      // The counts need the database; when it fails the rest of the detail still answers.
      index: await service.indexStats().catch(() => null),
    }),
    async register(app: FastifyInstance) {
      await app.register(filesRoutes(service, { maxBytes: config.files.maxBytes }));
    },
  };
}

export type FilesModule = Awaited<ReturnType<typeof createFilesModule>>;
