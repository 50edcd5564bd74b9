import { Writable } from 'node:stream';
import type { KnowledgeHit } from '@agentry/contracts';
import { sql } from 'drizzle-orm';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NO_LOGIN_THROTTLE, signUp, type TestUser } from '../../../test/factories.js';
import { createTestApp, type TestApp } from '../../../test/harness.js';
import { createPgvectorDatabase } from '../../../test/support/pglite-vector.js';
import { uploadAndProcess } from '../../../test/support/knowledge-files.js';
import type { Database } from '../../platform/db/client.js';
import { cosine, HashedNgramEmbedder } from './embeddings.js';
import { FilesRepo } from './files.repo.js';
import { detectPgvector, hnswIndexName, nearestQuery, PgvectorSearch } from './pgvector.js';

/**
 * The pgvector path against a real pgvector (0.8.1 in PGlite 0.4.6, test/support/pglite-vector.ts):
 * detection, the start-up log and readiness, the HNSW index the app creates, that the planner uses
 * it for the search's query, and that its ranking is the exact cosine ranking. This machine's
 * PostgreSQL has no pgvector, so this runs on PGlite whatever TEST_DATABASE_URL says (Redis is used
 * when set); on PostgreSQL here the path is `exact` (readiness.test.ts).
 */
const OFFLINE = 'offline:hashed-trigrams:256';
const TOPICS = [
  'walrus parking permit renewal at the front desk',
  'quarterly budget forecast and revenue review',
  'laptop security policy and disk encryption',
  'travel expense claims and receipts',
  'onboarding handbook for new hires',
  'incident review of the backup outage',
];

describe('the pgvector path', () => {
  let database: Database;
  let t: TestApp;
  let owner: TestUser;
  let other: TestUser;
  const logs: Record<string, unknown>[] = [];

  beforeAll(async () => {
    database = await createPgvectorDatabase();
    const sink = new Writable({
      write(chunk: Buffer, _enc, done) {
        for (const line of chunk.toString().split('\n').filter(Boolean)) logs.push(JSON.parse(line));
        done();
      },
    });
    t = await createTestApp(NO_LOGIN_THROTTLE, { database, logger: pino({ level: 'info' }, sink) });
    owner = await signUp(t.app);
    other = await signUp(t.app);
    for (const [i, topic] of TOPICS.entries()) {
      const file = await uploadAndProcess(t.app, owner.headers, {
        name: 'file',
        filename: `topic-${i}.md`,
        type: 'text/markdown',
        data: `# ${topic}\n\n${Array.from({ length: 4 }, (_, k) => `Note ${k} about ${topic}. ${'Filler words. '.repeat(k * 20)}`).join('\n\n')}\n`,
      });
      expect(file.status).toBe('ready');
    }
    const foreign = await uploadAndProcess(t.app, other.headers, {
      name: 'file',
      filename: 'foreign.md',
      type: 'text/markdown',
      data: '# Walrus\n\nThe walrus parking permit of another tenant.\n',
    });
    expect(foreign.status).toBe('ready');
  }, 120_000);
  afterAll(async () => {
    await t?.close();
    await database?.close();
  });

  it('detects the extension: offered but not installed, then installed (pg_extension)', async () => {
    const bare = await createPgvectorDatabase({ extension: false, migrate: false });
    try {
      expect(await detectPgvector(bare.db)).toEqual({ installed: false, available: true, version: null });
    } finally {
      await bare.close();
    }
    expect(await detectPgvector(database.db)).toEqual({ installed: true, available: true, version: '0.8.1' });
  }, 120_000);

  it('reports the path at start-up and in /health/ready', async () => {
    const started = logs.find((l) => l.event === 'knowledge.vector_path');
    expect(started).toMatchObject({ vector_path: 'pgvector', pgvector_version: '0.8.1', embeddings: OFFLINE });
    const res = await t.app.inject({ method: 'GET', url: '/health/ready' });
    expect(res.json().details.knowledge).toMatchObject({
      vector_path: 'pgvector',
      pgvector_available: true,
      pgvector_version: '0.8.1',
      index: { model: OFFLINE, stale: 0 },
    });
  });

  it('creates a partial HNSW index for the model once vectors exist, and the search query uses it', async () => {
    const name = hnswIndexName(OFFLINE, 256);
    const index = await database.db.execute(sql`select indexdef from pg_indexes where indexname = ${name}`);
    expect((index.rows[0] as { indexdef: string } | undefined)?.indexdef).toMatch(
      /USING hnsw \(\(\(embedding\)::vector\(256\)\) vector_cosine_ops\) WHERE .*embedding_model = 'offline:hashed-trigrams:256'/,
    );
    expect(logs.some((l) => l.event === 'knowledge.hnsw_index' && l.index === name)).toBe(true);
    const [query] = await new HashedNgramEmbedder().embed(['walrus permit']);
    const statement = nearestQuery(owner.session.tenant_id, OFFLINE, query ?? [], 10);
    const plan = await database.db.transaction(async (tx) => {
      // Too few rows for the planner to prefer the index on its own: forbid the scan to see it can use it.
      await tx.execute(sql`set local enable_seqscan = off`);
      return tx.execute(sql`explain ${statement}`);
    });
    expect(plan.rows.map((r) => Object.values(r)[0]).join('\n')).toContain(`Index Scan using ${name}`);
  });

  it("ranks like the exact cosine over every chunk of the tenant, and never returns another tenant's", async () => {
    const search = new PgvectorSearch(database, pino({ level: 'silent' }));
    const repo = new FilesRepo();
    const all = await repo.recentCandidates(database.db, owner.session.tenant_id, OFFLINE, 10_000);
    for (const q of ['walrus permit', 'budget revenue', 'disk encryption laptop', 'receipts for travel']) {
      const [v] = await new HashedNgramEmbedder().embed([q]);
      const got = await search.nearest(owner.session.tenant_id, OFFLINE, v ?? [], 5);
      const exact = all
        .map((c) => ({ id: c.id, s: cosine(v ?? [], c.embedding) }))
        .sort((x, y) => y.s - x.s)
        .slice(0, 5)
        .map((x) => x.id);
      expect(got.map((c) => c.id)).toEqual(exact);
    }
    const foreign = await search.nearest(
      owner.session.tenant_id,
      OFFLINE,
      (await new HashedNgramEmbedder().embed(['another tenant']))[0] ?? [],
      50,
    );
    expect(foreign.every((c) => c.filename !== 'foreign.md')).toBe(true);
  });

  it('the search route fuses it with full-text: the right file first, scoped to the tenant', async () => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/v1/knowledge/search',
      headers: owner.headers,
      payload: { query: 'walrus parking permit' },
    });
    const items = (res.json() as { items: KnowledgeHit[] }).items;
    expect(items[0]?.filename).toBe('topic-0.md');
    expect(items.some((i) => i.filename === 'foreign.md')).toBe(false);
    const theirs = await t.app.inject({
      method: 'POST',
      url: '/api/v1/knowledge/search',
      headers: other.headers,
      payload: { query: 'walrus parking permit' },
    });
    expect((theirs.json() as { items: KnowledgeHit[] }).items.map((i) => i.filename)).toEqual(['foreign.md']);
  });
});
