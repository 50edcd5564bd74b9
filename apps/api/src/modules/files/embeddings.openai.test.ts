import type { KnowledgeHit } from '@agentry/contracts';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { NO_LOGIN_THROTTLE, signUp, type TestUser } from '../../../test/factories.js';
import { createTestApp, type TestApp } from '../../../test/harness.js';
import { type FakeOpenAI, startFakeOpenAI } from '../../../test/support/fake-openai.js';
import {
  type EmbeddingsReply,
  type EmbeddingsRequest,
  fakeVector,
} from '../../../test/support/fake-openai-embeddings.js';
import { uploadAndProcess } from '../../../test/support/knowledge-files.js';
import { EmbeddingError, OpenAIEmbedder } from './embeddings.js';

/**
 * The OpenAI embeddings path (API.md "Files and knowledge": `EMBEDDINGS_PROVIDER=openai`) with the
 * real `openai` client against the fake server's `/v1/embeddings`: batching, both wire formats,
 * retries, and answers checked — a short or malformed answer used to be stored as empty vectors
 * (the file `ready` but never found); now it is asked again and then fails the file with a reason.
 */
let fake: FakeOpenAI;
let script: (r: EmbeddingsRequest) => EmbeddingsReply = () => undefined;
beforeAll(async () => {
  fake = await startFakeOpenAI({ embeddings: (r) => script(r) });
});
afterAll(async () => fake?.close());
beforeEach(() => {
  script = () => undefined;
  fake.embeddingRequests.length = 0;
});

const embedder = (options: { batch?: number; maxRetries?: number } = {}) =>
  new OpenAIEmbedder('text-embedding-3-small', { baseURL: fake.baseURL, apiKey: 'sk-test', ...options });
const float = (r: EmbeddingsRequest) =>
  r.input.map((text, index) => ({ object: 'embedding', index, embedding: fakeVector(text) }));

describe('OpenAIEmbedder against /v1/embeddings', () => {
  it('batches the inputs, asks for base64 and decodes it; the model id is openai:<model>', async () => {
    const texts = Array.from({ length: 150 }, (_, i) => `chunk number ${i} about walrus permits`);
    const e = embedder({ batch: 64 });
    const vectors = await e.embed(texts);
    expect(e.model).toBe('openai:text-embedding-3-small');
    expect(fake.embeddingRequests.map((r) => r.input.length)).toEqual([64, 64, 22]);
    expect(fake.embeddingRequests.every((r) => r.model === 'text-embedding-3-small')).toBe(true);
    expect(fake.embeddingRequests[0]?.encoding_format).toBe('base64');
    expect(vectors).toHaveLength(150);
    const expected = fakeVector(texts[149] as string);
    vectors[149]?.forEach((x, i) => {
      expect(x).toBeCloseTo(expected[i] as number, 6);
    });
  });

  it('takes float arrays from a server that ignores encoding_format, in index order', async () => {
    script = (r) => ({ data: float(r).reverse() });
    const vectors = await embedder().embed(['alpha', 'beta']);
    expect(vectors).toEqual([fakeVector('alpha'), fakeVector('beta')]);
  });

  it('retries a 500 and a 429 (the SDK) and then succeeds', async () => {
    script = (r) =>
      r.index === 0
        ? { error: { status: 500, message: 'boom' } }
        : r.index === 1
          ? { error: { status: 429, message: 'slow down' } }
          : undefined;
    const vectors = await embedder().embed(['gamma']);
    expect(fake.embeddingRequests).toHaveLength(3);
    expect(vectors[0]).toHaveLength(64);
  });

  it('asks again after a short answer and uses the good one', async () => {
    script = (r) => (r.index === 0 ? { data: float(r).slice(1) } : undefined);
    const vectors = await embedder().embed(['a one', 'a two', 'a three']);
    expect(fake.embeddingRequests).toHaveLength(2);
    expect(vectors.map((v) => v.length)).toEqual([64, 64, 64]);
  });

  it.each([
    ['one vector short', (r: EmbeddingsRequest) => ({ data: float(r).slice(1) }), /2 vectors for 3 inputs/],
    [
      'an empty vector',
      (r: EmbeddingsRequest) => ({ data: float(r).map((d, i) => (i === 1 ? { ...d, embedding: [] } : d)) }),
      /vector 1 is empty/,
    ],
    [
      'a vector of strings',
      (r: EmbeddingsRequest) => ({ data: float(r).map((d) => ({ ...d, embedding: ['x', 'y'] })) }),
      /not numbers/,
    ],
    [
      'a repeated index',
      (r: EmbeddingsRequest) => ({ data: float(r).map((d) => ({ ...d, index: 0 })) }),
      /repeated index/,
    ],
    [
      'mixed dimensions',
      (r: EmbeddingsRequest) => ({ data: float(r).map((d, i) => ({ ...d, embedding: d.embedding.slice(i) })) }),
      /different dimensions/,
    ],
    [
      'undecodable base64',
      (r: EmbeddingsRequest) => ({
        data: r.input.map((_, index) => ({ object: 'embedding', index, embedding: 'abc' })),
      }),
      /undecodable/,
    ],
  ])('refuses %s after 3 attempts with a reason', async (_name, reply, reason) => {
    script = reply;
    const err = await embedder()
      .embed(['a one', 'a two', 'a three'])
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(EmbeddingError);
    expect((err as Error).message).toMatch(reason);
    expect(fake.embeddingRequests).toHaveLength(3);
  });

  it('does not retry a 401: the key will not change', async () => {
    script = () => ({ error: { status: 401, message: 'bad key' } });
    await expect(embedder().embed(['x'])).rejects.toThrow(/HTTP 401/);
    expect(fake.embeddingRequests).toHaveLength(1);
  });
});

describe('knowledge files with EMBEDDINGS_PROVIDER=openai', () => {
  let t: TestApp;
  let owner: TestUser;
  beforeAll(async () => {
    t = await createTestApp({
      ...NO_LOGIN_THROTTLE,
      EMBEDDINGS_PROVIDER: 'openai',
      OPENAI_BASE_URL: fake.baseURL,
      OPENAI_API_KEY: 'sk-test',
    });
    owner = await signUp(t.app);
  }, 60_000);
  afterAll(async () => t?.close());

  it("indexes a file with the service's vectors (chunks of openai:<model>) and search finds it", async () => {
    const file = await uploadAndProcess(t.app, owner.headers, {
      name: 'file',
      filename: 'permits.md',
      type: 'text/markdown',
      data: '# Permits\n\nThe walrus parking permit is renewed every March at the front desk.\n',
    });
    expect(file.status).toBe('ready');
    expect(fake.embeddingRequests.length).toBeGreaterThan(0);
    const rows = await t.database.db.execute(
      sql`select embedding_model, array_length(embedding, 1) as dims from file_chunks where file_id = ${file.id}`,
    );
    expect(rows.rows).toEqual([{ embedding_model: 'openai:text-embedding-3-small', dims: 64 }]);
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/v1/knowledge/search',
      headers: owner.headers,
      payload: { query: 'walrus permit' },
    });
    expect((res.json() as { items: KnowledgeHit[] }).items[0]?.file_id).toBe(file.id);
  });

  it("fails the file with the reason when every answer is short (after the job's retries), never stores empty vectors", async () => {
    script = (r) => ({ data: float(r).slice(1) });
    const file = await uploadAndProcess(t.app, owner.headers, {
      name: 'file',
      filename: 'short.md',
      type: 'text/markdown',
      data: '# Short\n\nThe embeddings service answers one vector short.\n',
    });
    expect(file.status).toBe('failed');
    expect(file.error).toMatch(/^Indexing failed: .*0 vectors for 1 inputs/);
    // 3 job attempts × 3 requests each.
    expect(fake.embeddingRequests).toHaveLength(9);
    const chunks = await t.database.db.execute(
      sql`select count(*)::int as n from file_chunks where file_id = ${file.id}`,
    );
    expect(chunks.rows[0]).toEqual({ n: 0 });
  }, 30_000);

  it('search still answers (full-text only) while the embeddings service is down', async () => {
    script = () => ({ error: { status: 400, message: 'down' } });
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/v1/knowledge/search',
      headers: owner.headers,
      payload: { query: 'walrus permit' },
    });
    expect(res.statusCode).toBe(200);
    expect((res.json() as { items: KnowledgeHit[] }).items[0]?.filename).toBe('permits.md');
  });
});
