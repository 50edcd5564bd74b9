import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { KnowledgeHit } from '@agentry/contracts';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NO_LOGIN_THROTTLE, signUp, type TestUser } from '../../../test/factories.js';
import { createTestApp, createTestDatabase, services, type TestApp } from '../../../test/harness.js';
import { type FakeOpenAI, startFakeOpenAI } from '../../../test/support/fake-openai.js';
import type { EmbeddingsReply, EmbeddingsRequest } from '../../../test/support/fake-openai-embeddings.js';
import { uploadAndProcess } from '../../../test/support/knowledge-files.js';
import { runEntry } from '../../../test/support/production-env.js';
import { createDatabase, type Database } from '../../platform/db/client.js';
import { createPorts, type Ports } from '../../platform/ports/index.js';

/**
 * `agentry knowledge reindex [--tenant] [--batch N]`, run as the real CLI in a child process after a
 * change of embedding model (offline → openai at the fake server): search reads only the chunks of
 * the configured model, `/health/ready` counts the stale ones, the CLI re-embeds them. On PGlite the
 * API is stopped while the CLI runs (single process), as an operator would.
 */
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'agentry-knowledge-cli-'));
const pglite = path.join(dataDir, 'pglite');
const OFFLINE = 'offline:hashed-trigrams:256';
const OPENAI = 'openai:text-embedding-3-small';
let pgDatabase: (Database & { url?: string }) | undefined;
let t: TestApp | undefined;
let ports: Ports | undefined;
let fake: FakeOpenAI;
let script: (r: EmbeddingsRequest) => EmbeddingsReply = () => undefined;
let apiEnv: Record<string, string> = {};
let redisPrefix: string;

const openaiEnv = () => ({ EMBEDDINGS_PROVIDER: 'openai', OPENAI_BASE_URL: fake.baseURL, OPENAI_API_KEY: 'sk-test' });

async function startApi(env: Record<string, string>) {
  apiEnv = env;
  const database = pgDatabase ?? (await createDatabase({ poolMax: 1, dataDir: pglite }));
  ports ??= createPorts({ url: services.redisUrl, keyPrefix: redisPrefix });
  t = await createTestApp({ ...NO_LOGIN_THROTTLE, DATA_DIR: dataDir, ...env }, { database, ports });
  return t;
}
async function stopApi() {
  if (!t) return;
  await t.close();
  if (!pgDatabase) await t.database.close();
  await ports?.close();
  ports = undefined;
  t = undefined;
}

/** Runs the CLI (the API stopped around it on PGlite) and restarts the API with `nextEnv`. */
async function cli(env: Record<string, string>, nextEnv: Record<string, string>, ...args: string[]) {
  if (!pgDatabase) await stopApi();
  const result = await runEntry('src/cli/index.ts', ['knowledge', 'reindex', ...args], {
    DATA_DIR: dataDir,
    ...(pgDatabase ? { DATABASE_URL: pgDatabase.url } : {}),
    ...(services.redisUrl ? { REDIS_URL: services.redisUrl, REDIS_KEY_PREFIX: redisPrefix } : {}),
    ...env,
  });
  if (pgDatabase) await stopApi();
  await startApi(nextEnv);
  return result;
}

const search = async (user: TestUser, query: string) => {
  const res = await t!.app.inject({
    method: 'POST',
    url: '/api/v1/knowledge/search',
    headers: user.headers,
    payload: { query },
  });
  expect(res.statusCode, res.body).toBe(200);
  return (res.json() as { items: KnowledgeHit[] }).items;
};
const indexDetail = async () => {
  const res = await t!.app.inject({ method: 'GET', url: '/health/ready' });
  expect(res.statusCode, res.body).toBe(200);
  return res.json().details.knowledge.index;
};
const chunkModels = async (tenantId: string) => {
  const r = await t!.database.db.execute(
    sql`select embedding_model as model, array_length(embedding, 1) as dims, count(*)::int as n from file_chunks
        where tenant_id = ${tenantId} group by 1, 2 order by 1`,
  );
  return r.rows;
};

let a: TestUser;
let b: TestUser;
let aChunks = 0;
let bChunks = 0;

beforeAll(async () => {
  redisPrefix = `agentry:t:kcli:${process.pid}:${Date.now()}:`;
  fake = await startFakeOpenAI({ embeddings: (r) => script(r) });
  if (services.databaseUrl) pgDatabase = await createTestDatabase();
  else {
    const db = await createDatabase({ poolMax: 1, dataDir: pglite });
    await db.migrate();
    await db.close();
  }
  await startApi({});
  a = await signUp(t!.app);
  b = await signUp(t!.app);
  const paragraphs = (topic: string) =>
    Array.from({ length: 6 }, (_, i) => `Paragraph ${i} of the ${topic} notes. ${'More words here. '.repeat(60)}`);
  for (const [user, name, topic] of [
    [a, 'walrus.md', 'walrus parking permit'],
    [a, 'budget.md', 'quarterly budget forecast'],
    [b, 'zebra.md', 'zebra crossing'],
  ] as const) {
    const file = await uploadAndProcess(t!.app, user.headers, {
      name: 'file',
      filename: name,
      type: 'text/markdown',
      data: `# ${topic}\n\n${paragraphs(topic).join('\n\n')}\n`,
    });
    expect(file.status).toBe('ready');
    if (user === a) aChunks += file.chunk_count;
    else bChunks += file.chunk_count;
  }
  expect(aChunks).toBeGreaterThan(4);
}, 120_000);
afterAll(async () => {
  await stopApi();
  await pgDatabase?.close();
  await fake?.close();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

describe('agentry knowledge reindex', { timeout: 240_000 }, () => {
  it('after a change of model, search reads only current chunks and readiness counts the stale ones', async () => {
    expect(await indexDetail()).toEqual({
      model: OFFLINE,
      chunks: aChunks + bChunks,
      current: aChunks + bChunks,
      stale: 0,
      by_model: { [OFFLINE]: aChunks + bChunks },
    });
    // The operator switches to OpenAI embeddings: every chunk is now stale and not searched.
    await stopApi();
    await startApi(openaiEnv());
    expect(await indexDetail()).toMatchObject({ model: OPENAI, current: 0, stale: aChunks + bChunks });
    expect(await search(a, 'walrus parking permit')).toEqual([]);
  });

  it('--tenant --batch re-embeds that tenant only, in batches; its search works again', async () => {
    fake.embeddingRequests.length = 0;
    const r = await cli(openaiEnv(), openaiEnv(), '--tenant', a.session.tenant_id, '--batch', '2');
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ model: OPENAI, chunks: aChunks, files: 2 });
    expect(r.stderr).toContain(`${aChunks} chunks re-embedded`);
    expect(fake.embeddingRequests).toHaveLength(Math.ceil(aChunks / 2));
    expect(fake.embeddingRequests.every((q) => q.input.length <= 2)).toBe(true);
    expect(await chunkModels(a.session.tenant_id)).toEqual([{ model: OPENAI, dims: 64, n: aChunks }]);
    expect(await chunkModels(b.session.tenant_id)).toEqual([{ model: OFFLINE, dims: 256, n: bChunks }]);
    expect(await indexDetail()).toEqual({
      model: OPENAI,
      chunks: aChunks + bChunks,
      current: aChunks,
      stale: bChunks,
      by_model: { [OPENAI]: aChunks, [OFFLINE]: bChunks },
    });
    expect((await search(a, 'walrus parking permit'))[0]?.filename).toBe('walrus.md');
    expect(await search(b, 'zebra crossing')).toEqual([]);
    const files = await t!.database.db.execute(
      sql`select distinct embedding_model from files where tenant_id = ${a.session.tenant_id}`,
    );
    expect(files.rows).toEqual([{ embedding_model: OPENAI }]);
  });

  it('an unusable embeddings answer stops the run non-zero with the reason; nothing is half-written', async () => {
    script = (q) => ({ data: q.input.slice(1).map((_, index) => ({ object: 'embedding', index, embedding: [0.1] })) });
    const r = await cli(openaiEnv(), openaiEnv(), '--batch', '4');
    script = () => undefined;
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/unusable answer 3 times: \d+ vectors for \d+ inputs/);
    expect(await chunkModels(b.session.tenant_id)).toEqual([{ model: OFFLINE, dims: 256, n: bChunks }]);
    for (const bad of [
      ['--batch', '0'],
      ['--tenant', 'no-such-tenant'],
    ]) {
      const res = await cli(openaiEnv(), openaiEnv(), ...bad);
      expect(res.code, bad.join(' ')).not.toBe(0);
    }
  });

  it('without --tenant re-embeds every stale chunk; readiness reports none stale', async () => {
    const r = await cli(openaiEnv(), openaiEnv());
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ model: OPENAI, chunks: bChunks, files: 1 });
    expect(await indexDetail()).toEqual({
      model: OPENAI,
      chunks: aChunks + bChunks,
      current: aChunks + bChunks,
      stale: 0,
      by_model: { [OPENAI]: aChunks + bChunks },
    });
    expect((await search(b, 'zebra crossing'))[0]?.filename).toBe('zebra.md');
    // A second run finds nothing to do.
    const again = await cli(openaiEnv(), apiEnv);
    expect(JSON.parse(again.stdout)).toMatchObject({ chunks: 0 });
  });
});
