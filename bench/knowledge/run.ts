/**
 * Benchmark of the knowledge index (issue 12, docs/performance.md "Knowledge"):
 *  - upload + index throughput (MB/s, chunks/s): Markdown documents go through the real path —
 *    FilesService.upload (streamed to local disk, hashed, sniffed, quota, row) then processFile
 *    (read, extract, chunk, embed offline, insert);
 *  - search latency p50/p95/p99 of the hybrid search against a baseline of the same SQL queries run
 *    directly (the full-text query plus the vector path's query: the recent candidates on the exact
 *    path, the HNSW nearest-neighbour query on the pgvector path);
 *  - the readiness index count, and re-index throughput (every chunk made stale, then
 *    `reindexChunks` as `agentry knowledge reindex` runs it).
 *
 *   npx tsx bench/knowledge/run.ts                         embedded PGlite, 10k chunks
 *   npx tsx bench/knowledge/run.ts --chunks 100000         100k chunks
 *   npx tsx bench/knowledge/run.ts --pgvector              PGlite 0.4.6 with pgvector (the pgvector path)
 *   TEST_DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres npx tsx bench/knowledge/run.ts
 *
 * `--queries N` (100) sets the searches; `--skip-reindex` skips the re-index pass.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import { sql } from 'drizzle-orm';
import pino from 'pino';
import { createTestDatabase, createTestPorts } from '../../apps/api/test/harness.js';
import { createPgvectorDatabase } from '../../apps/api/test/support/pglite-vector.js';
import { HashedNgramEmbedder } from '../../apps/api/src/modules/files/embeddings.js';
import { FilesRepo } from '../../apps/api/src/modules/files/files.repo.js';
import { FilesService } from '../../apps/api/src/modules/files/files.service.js';
import { detectPgvector, nearestQuery, PgvectorSearch } from '../../apps/api/src/modules/files/pgvector.js';
import { reindexChunks } from '../../apps/api/src/modules/files/reindex.js';
import { LocalObjectStorage } from '../../apps/api/src/modules/files/storage.js';
import type { Caller } from '../../apps/api/src/platform/caller.js';

const arg = (name: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i < 0 ? undefined : (process.argv[i + 1] ?? '');
};
const CHUNKS = Number(arg('chunks') ?? process.env.BENCH_KNOWLEDGE_CHUNKS ?? 10_000);
const QUERIES = Number(arg('queries') ?? process.env.BENCH_KNOWLEDGE_QUERIES ?? 100);
const PGVECTOR = process.argv.includes('--pgvector');
const TENANT = randomUUID();
const WORDS =
  'policy travel expense budget roadmap hiring office parking permit contract invoice customer support release security backup incident review onboarding handbook meeting quarterly revenue forecast vendor laptop'.split(
    ' ',
  );
const pick = (i: number, k: number) => WORDS[(i * 7 + k * 13) % WORDS.length];
/** One paragraph = one chunk (≈ 900 characters, under the 300-token chunk size). */
const paragraph = (i: number) =>
  `Section ${i}. ${Array.from({ length: 120 }, (_, k) => pick(i + k, k)).join(' ')} marker${i}.`;
const PER_FILE = 500;

const database = PGVECTOR ? await createPgvectorDatabase() : await createTestDatabase();
const ports = createTestPorts();
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'agentry-bench-knowledge-'));
const kind = PGVECTOR ? 'pglite 0.4.6 + pgvector' : database.kind;
try {
  const repo = new FilesRepo();
  const embedder = new HashedNgramEmbedder();
  const logger = pino({ level: 'silent' });
  const pgvector = (await detectPgvector(database.db)).installed ? new PgvectorSearch(database, logger) : null;
  const service = new FilesService({
    database,
    repo,
    storage: new LocalObjectStorage(dir),
    embedder,
    jobs: { enqueue: async () => {}, process: () => {}, close: async () => {} },
    quota: { storageLimitBytes: async () => null },
    audit: { record: async () => {} },
    logger,
    maxBytes: 64 * 1024 * 1024,
    pgvector,
  });
  const caller: Caller = {
    subject: `user:${randomUUID()}`,
    userId: randomUUID(),
    serviceAccountId: null,
    tenantId: TENANT,
    role: 'owner',
    scopes: [],
    sessionId: randomUUID(),
    emailVerified: true,
  };

  // Upload + index.
  let bytes = 0;
  let chunks = 0;
  const t0 = process.hrtime.bigint();
  const cpu0 = process.cpuUsage();
  for (let f = 0; f * PER_FILE < CHUNKS; f++) {
    const n = Math.min(PER_FILE, CHUNKS - f * PER_FILE);
    const doc = Buffer.from(Array.from({ length: n }, (_, i) => paragraph(f * PER_FILE + i)).join('\n\n'));
    bytes += doc.length;
    const file = await service.upload(
      caller,
      {
        stream: Readable.from([doc]),
        filename: `doc-${f}.md`,
        declaredType: 'text/markdown',
        truncated: () => false,
      },
      () => 'knowledge',
    );
    await service.processFile(file.id);
    chunks += await repo.chunkCount(database.db, file.id);
  }
  const indexS = Number(process.hrtime.bigint() - t0) / 1e9;
  // CPU seconds of this process (with PGlite, the database too): a figure a busy machine does not inflate.
  const cpu = process.cpuUsage(cpu0);
  const cpuS = (cpu.user + cpu.system) / 1e6;
  const mb = bytes / 1024 / 1024;
  console.log(`storage: ${kind}; vector path: ${pgvector ? 'pgvector (HNSW)' : 'exact'}; ${chunks} chunks`);
  console.log(
    `upload + index   ${mb.toFixed(1)} MB in ${indexS.toFixed(1)} s: ${(mb / indexS).toFixed(2)} MB/s, ${Math.round(chunks / indexS)} chunks/s (${cpuS.toFixed(1)} s CPU of this process)`,
  );
  if (pgvector) {
    // The HNSW index is built once the first file is indexed; it then grows with each insert.
    const s = process.hrtime.bigint();
    await pgvector.ensureIndex(embedder.model, 256);
    console.log(`hnsw index ensure ${(Number(process.hrtime.bigint() - s) / 1e6).toFixed(0)} ms`);
  }

  // Search latency.
  const queries = Array.from({ length: QUERIES }, (_, i) => `${pick(i, 1)} ${pick(i, 2)} marker${(i * 97) % CHUNKS}`);
  const time = async (fn: (q: string) => Promise<unknown>) => {
    for (const q of queries.slice(0, 5)) await fn(q); // warm-up
    const ms: number[] = [];
    for (const q of queries) {
      const t = process.hrtime.bigint();
      await fn(q);
      ms.push(Number(process.hrtime.bigint() - t) / 1e6);
    }
    ms.sort((a, b) => a - b);
    const at = (p: number) => (ms[Math.min(ms.length - 1, Math.floor(p * ms.length))] ?? 0).toFixed(1).padStart(7);
    return `p50 ${at(0.5)} ms  p95 ${at(0.95)} ms  p99 ${at(0.99)} ms`;
  };
  const tsq = (q: string) =>
    [...new Set(q.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? [])].map((w) => `'${w}'`).join(' | ');
  const model = embedder.model;
  const vectors = new Map(
    await Promise.all(queries.map(async (q) => [q, (await embedder.embed([q]))[0] ?? []] as const)),
  );
  const baseline = async (q: string) => {
    await repo.textCandidates(database.db, TENANT, model, tsq(q), 50);
    if (pgvector) {
      const statement = nearestQuery(TENANT, model, vectors.get(q) ?? [], 50);
      if (statement)
        await database.db.transaction(async (tx) => {
          await tx.execute(sql`select set_config('hnsw.iterative_scan', 'relaxed_order', true)`);
          await tx.execute(statement);
        });
    } else await repo.recentCandidates(database.db, TENANT, model, 2000);
  };
  console.log(`baseline SQL     ${await time(baseline)}  (full-text + ${pgvector ? 'HNSW nearest' : 'recent 2000'})`);
  console.log(`full-text alone  ${await time((q) => repo.textCandidates(database.db, TENANT, model, tsq(q), 50))}`);
  console.log(`hybrid search    ${await time((q) => service.search(TENANT, { query: q, limit: 8 }))}`);
  const [hit] = await service.search(TENANT, { query: `marker${CHUNKS - 1}`, limit: 1 });
  if (!hit?.text.includes(`marker${CHUNKS - 1}.`)) throw new Error('search did not find the marked chunk');
  const s = process.hrtime.bigint();
  await service.indexStats();
  console.log(`readiness index counts ${(Number(process.hrtime.bigint() - s) / 1e6).toFixed(1)} ms`);

  // Re-index: every chunk stale (as after a change of model), then re-embedded in batches of 64.
  if (!process.argv.includes('--skip-reindex')) {
    await database.db.execute(sql`update file_chunks set embedding_model = 'unknown' where tenant_id = ${TENANT}`);
    const r = await reindexChunks({ database, repo, embedder, pgvector }, { batch: 64 });
    console.log(
      `reindex          ${r.chunks} chunks in ${(r.ms / 1000).toFixed(1)} s: ${Math.round((r.chunks * 1000) / r.ms)} chunks/s`,
    );
  }
} finally {
  await ports.close();
  await database.close();
  fs.rmSync(dir, { recursive: true, force: true });
}
