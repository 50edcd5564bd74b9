import type { FastifyInstance } from 'fastify';
import type { Config } from '../../config.js';
import type { PlatformContext } from '../../platform/context.js';
import type { Database } from '../../platform/db/client.js';
import { periodicJob } from '../../platform/periodic-job.js';
import { HashedNgramEmbedder, OpenAIEmbedder, type Embedder } from './embeddings.js';
import { FilesRepo } from './files.repo.js';
import { filesRoutes } from './files.routes.js';
import { EXTRACT_JOB, FilesService, type StorageQuota } from './files.service.js';
import { createObjectStorage, type ObjectStorage } from './storage.js';

export const CLEANUP_JOB = 'files.cleanup';

/** Bytes a tenant's files take (billing shows them as the `storage_bytes` usage). */
export function storageCounter(database: Database) {
  const repo = new FilesRepo();
  return { usedBytes: (tenantId: string) => repo.usedBytes(database.db, tenantId) };
}

/** How vectors are compared: `exact` (cosine over `real[]`, no extension) — the only path built so far. */
export interface VectorPath {
  path: 'exact';
  /** Whether the database offers the pgvector extension (not used yet: see README.md). */
  pgvectorAvailable: boolean;
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
  const embedder =
    deps.embedder ??
    (config.embeddings.provider === 'openai'
      ? new OpenAIEmbedder(config.embeddings.model, {
          apiKey: config.models.openaiApiKey,
          baseURL: config.models.openaiBaseUrl,
        })
      : new HashedNgramEmbedder());
  const repo = new FilesRepo();
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
  });
  const vector: VectorPath = {
    path: 'exact',
    pgvectorAvailable: await repo.hasPgvector(ctx.database.db).catch(() => false),
  };
  ctx.logger.info(
    {
      event: 'knowledge.vector_path',
      vector_path: vector.path,
      pgvector_available: vector.pgvectorAvailable,
      storage: storage.driver,
      embeddings: embedder.model,
    },
    `knowledge: vector path ${vector.path} (exact cosine over real[]); pgvector ${vector.pgvectorAvailable ? 'is available but not used' : 'is not installed'}`,
  );
  const cleanup = periodicJob({
    jobs: ctx.ports.jobs,
    logger: ctx.logger,
    name: CLEANUP_JOB,
    intervalMs: config.files.cleanupIntervalMs,
    run: () => service.removeOrphans(config.files.orphanMinutes * 60_000),
  });
  if (config.roles.includes('worker')) {
    ctx.ports.jobs.process<{ fileId: string }>(EXTRACT_JOB, (job) => service.processFile(job.data.fileId), {
      concurrency: 2,
    });
    await cleanup.start();
    ctx.onShutdown(() => cleanup.stop());
  }
  return {
    service,
    /** What chat reads of a message's attachments (chat's `AttachmentSource`), always by tenant. */
    attachments: {
      find: async (tenantId: string, ids: string[]) =>
        (await service.findMany(tenantId, ids)).map((f) => ({
          file_id: f.id,
          filename: f.filename,
          content_type: f.contentType,
          size_bytes: f.sizeBytes,
          status: f.status,
        })),
      bytes: (tenantId: string, id: string) => service.bytesOf(tenantId, id),
      text: (tenantId: string, id: string) => service.textOf(tenantId, id),
    },
    storage,
    vector,
    /** What /health/ready reports under `details.knowledge`. */
    readiness: {
      vector_path: vector.path,
      pgvector_available: vector.pgvectorAvailable,
      storage: storage.driver,
      embeddings: embedder.model,
    },
    async register(app: FastifyInstance) {
      await app.register(filesRoutes(service, { maxBytes: config.files.maxBytes }));
    },
  };
}

export type FilesModule = Awaited<ReturnType<typeof createFilesModule>>;
