/**
 * Benchmark: knowledge search latency (p50/p99) over N chunks of one tenant, against a baseline of
 * the same full-text SQL query run directly (the hybrid search adds the recent candidates, the exact
 * cosine re-rank in JS and the fusion). Also prints the index throughput (chunks/s) of seeding.
 *
 *   npx tsx bench/knowledge/run.ts                                                  (embedded PGlite)
 *   TEST_DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres npx tsx bench/knowledge/run.ts
 *
 * BENCH_KNOWLEDGE_CHUNKS changes the count (10000); BENCH_KNOWLEDGE_QUERIES the searches (50).
 */
import { randomUUID } from 'node:crypto';
import pino from 'pino';
import { createTestDatabase, createTestPorts } from '../../apps/api/test/harness.js';
import { HashedNgramEmbedder } from '../../apps/api/src/modules/files/embeddings.js';
import { FilesRepo } from '../../apps/api/src/modules/files/files.repo.js';
import { FilesService } from '../../apps/api/src/modules/files/files.service.js';
import { LocalObjectStorage } from '../../apps/api/src/modules/files/storage.js';

const CHUNKS = Number(process.env.BENCH_KNOWLEDGE_CHUNKS ?? 10_000);
const QUERIES = Number(process.env.BENCH_KNOWLEDGE_QUERIES ?? 50);
const TENANT = randomUUID();
const WORDS =
  'policy travel expense budget roadmap hiring office parking permit contract invoice customer support release security backup incident review onboarding handbook meeting quarterly revenue forecast vendor laptop'.split(
    ' ',
  );
const pick = (i: number, k: number) => WORDS[(i * 7 + k * 13) % WORDS.length];
const textOf = (i: number) =>
  `Section ${i}. ${Array.from({ length: 60 }, (_, k) => pick(i + k, k)).join(' ')} marker${i}.`;

const database = await createTestDatabase();
const ports = createTestPorts();
try {
  const repo = new FilesRepo();
  const embedder = new HashedNgramEmbedder();
  const seeding = Date.now();
  const perFile = 1000;
  for (let f = 0; f * perFile < CHUNKS; f++) {
    const id = randomUUID();
    const row = await repo.insert(database.db, {
      id,
      tenantId: TENANT,
      filename: `doc-${f}.md`,
      contentType: 'text/markdown',
      sizeBytes: 1,
      sha256: '0',
      purpose: 'knowledge',
      status: 'processing',
      storageKey: `${TENANT}/${id}`,
    });
    const n = Math.min(perFile, CHUNKS - f * perFile);
    const texts = Array.from({ length: n }, (_, i) => textOf(f * perFile + i));
    const vectors = await embedder.embed(texts);
    await database.db.transaction((tx) =>
      repo.replaceChunks(
        tx,
        row,
        texts.map((text, i) => ({ ordinal: i, page: null, text, embedding: vectors[i] ?? [] })),
        embedder.model,
      ),
    );
  }
  const seedSeconds = (Date.now() - seeding) / 1000;
  console.log(
    `${database.kind}: indexed ${CHUNKS} chunks (embed + insert) in ${seedSeconds.toFixed(1)} s, ${Math.round(CHUNKS / seedSeconds)} chunks/s`,
  );

  const service = new FilesService({
    database,
    repo,
    storage: new LocalObjectStorage('/nonexistent'),
    embedder,
    jobs: ports.jobs,
    quota: { storageLimitBytes: async () => null },
    audit: { record: async () => {} },
    logger: pino({ level: 'silent' }),
    maxBytes: 1,
  });
  const queries = Array.from({ length: QUERIES }, (_, i) => `${pick(i, 1)} ${pick(i, 2)} marker${(i * 97) % CHUNKS}`);
  const time = async (fn: (q: string) => Promise<unknown>) => {
    await fn(queries[0] ?? 'policy'); // warm-up
    const ms: number[] = [];
    for (const q of queries) {
      const t = process.hrtime.bigint();
      await fn(q);
      ms.push(Number(process.hrtime.bigint() - t) / 1e6);
    }
    ms.sort((a, b) => a - b);
    const at = (p: number) => ms[Math.min(ms.length - 1, Math.floor(p * ms.length))]?.toFixed(1);
    return `p50 ${at(0.5)} ms  p99 ${at(0.99)} ms`;
  };
  const tsq = (q: string) => (q.match(/[\p{L}\p{N}]+/gu) ?? []).map((w) => `'${w}'`).join(' | ');
  console.log(
    `baseline (full-text SQL alone)     ${await time((q) => repo.textCandidates(database.db, TENANT, tsq(q), 50))}`,
  );
  console.log(
    `hybrid search (vector path exact)   ${await time((q) => service.search(TENANT, { query: q, limit: 8 }))}`,
  );
  const [hit] = await service.search(TENANT, { query: `marker${CHUNKS - 1}`, limit: 1 });
  if (!hit?.text.includes(`marker${CHUNKS - 1}.`)) throw new Error('search did not find the marked chunk');
} finally {
  await ports.close();
  await database.close();
}
