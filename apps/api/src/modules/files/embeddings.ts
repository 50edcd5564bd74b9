import { createHash } from 'node:crypto';
import type OpenAI from 'openai';
import { loadOpenAI } from '../../platform/ai-sdks.js';

export interface Embedder {
  /** The model id stored with each chunk (`openai:<model>`, `offline:hashed-trigrams:256`); a change means re-indexing. */
  readonly model: string;
  embed(texts: string[]): Promise<number[][]>;
}

export const OFFLINE_DIMENSIONS = 256;

/**
 * The offline embedding: hashed character trigrams of the lower-cased words, L2-normalised. It is
 * deterministic and needs no model, and it is lexical, not semantic: it finds shared spellings, not
 * shared meanings.
 */
export class HashedNgramEmbedder implements Embedder {
  readonly model = `offline:hashed-trigrams:${OFFLINE_DIMENSIONS}`;
  async embed(texts: string[]): Promise<number[][]> {
    return texts.map((t) => hashedNgrams(t));
  }
}

export function hashedNgrams(text: string, dims = OFFLINE_DIMENSIONS): number[] {
  const v = new Array<number>(dims).fill(0);
  const words = text.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? [];
  for (const w of words) {
    const padded = ` ${w} `;
    for (let i = 0; i + 3 <= padded.length; i++) {
      const h = createHash('md5')
        .update(padded.slice(i, i + 3))
        .digest();
      const idx = h.readUInt32LE(0) % dims;
      v[idx] = (v[idx] ?? 0) + ((h[4] ?? 0) & 1 ? 1 : -1);
    }
  }
  const norm = Math.sqrt(v.reduce((s, x) => s + x * x, 0));
  return norm ? v.map((x) => x / norm) : v;
}

/** The embeddings service failed or answered something unusable, after the retries: the file fails with `message`. */
export class EmbeddingError extends Error {
  override readonly name = 'EmbeddingError';
}

export interface OpenAIEmbedderOptions {
  apiKey?: string | undefined;
  baseURL?: string | undefined;
  /** Texts per request (OpenAI takes up to 2048; 64 keeps a request small). */
  batch?: number;
  /** Requests per batch when an answer is unusable (short, malformed); HTTP errors are the SDK's retries. */
  attempts?: number;
  /** The SDK's retries of 408/409/429/5xx and connection errors, with its exponential backoff. */
  maxRetries?: number;
}

/**
 * OpenAI (or any OpenAI-compatible server at the configured base URL), batched, with retries. Every
 * answer is checked — one finite vector per input, all of one dimension — because an answer that
 * is short or malformed would otherwise be stored as empty vectors that no search can ever find.
 */
export class OpenAIEmbedder implements Embedder {
  readonly model: string;
  /** Made with the first batch: `openai` is not loaded at start (platform/ai-sdks.ts). */
  private readonly client: () => Promise<OpenAI>;
  private readonly batch: number;
  private readonly attempts: number;
  constructor(
    private readonly apiModel: string,
    options: OpenAIEmbedderOptions = {},
  ) {
    this.model = `openai:${apiModel}`;
    this.batch = options.batch ?? 64;
    this.attempts = options.attempts ?? 3;
    let made: Promise<OpenAI> | undefined;
    this.client = () =>
      (made ??= loadOpenAI().then(
        (m) =>
          new m.OpenAI({
            apiKey: options.apiKey ?? 'unused',
            baseURL: options.baseURL,
            maxRetries: options.maxRetries ?? 3,
          }),
      ));
  }

  async embed(texts: string[]): Promise<number[][]> {
    const out: number[][] = [];
    for (let i = 0; i < texts.length; i += this.batch)
      out.push(...(await this.embedBatch(texts.slice(i, i + this.batch))));
    const dims = out[0]?.length;
    if (out.some((v) => v.length !== dims))
      throw new EmbeddingError(`The embeddings service answered vectors of different dimensions for ${this.model}.`);
    return out;
  }

  private async embedBatch(input: string[]): Promise<number[][]> {
    let problem = '';
    const client = await this.client();
    for (let attempt = 1; attempt <= this.attempts; attempt++) {
      let data: unknown;
      try {
        data = (await client.embeddings.create({ model: this.apiModel, input })).data;
      } catch (err) {
        // A base64 answer that does not decode is unusable like a short one: asked again.
        if (err instanceof RangeError || err instanceof TypeError) {
          problem = `an undecodable answer (${err.message})`;
          continue;
        }
        // The SDK has retried what is worth retrying; a 4xx (bad key, unknown model) will not change.
        const status = (err as { status?: number }).status;
        throw new EmbeddingError(
          `The embeddings service failed${status ? ` (HTTP ${status})` : ''}: ${err instanceof Error ? err.message : String(err)}`,
        );
      }
      const checked = checkAnswer(data, input.length);
      if (Array.isArray(checked)) return checked;
      problem = checked.problem;
    }
    throw new EmbeddingError(`The embeddings service gave an unusable answer ${this.attempts} times: ${problem}.`);
  }
}

/** One finite, non-empty vector per input index, all of one length; otherwise what is wrong. */
export function checkAnswer(data: unknown, expected: number): number[][] | { problem: string } {
  if (!Array.isArray(data)) return { problem: 'no data list' };
  if (data.length !== expected) return { problem: `${data.length} vectors for ${expected} inputs` };
  const vectors = new Array<number[] | undefined>(expected);
  for (const item of data as { index?: unknown; embedding?: unknown }[]) {
    const index = item?.index;
    if (typeof index !== 'number' || !Number.isInteger(index) || index < 0 || index >= expected || vectors[index])
      return { problem: `a bad or repeated index ${String(index)}` };
    const e = item.embedding;
    if (!Array.isArray(e) || e.length === 0 || !e.every((x) => typeof x === 'number' && Number.isFinite(x)))
      return { problem: `vector ${index} is empty or not numbers` };
    vectors[index] = e as number[];
  }
  const dims = vectors[0]?.length;
  if (vectors.some((v) => v?.length !== dims)) return { problem: 'vectors of different dimensions' };
  return vectors as number[][];
}

/** The configured embedder: `openai` at OPENAI_BASE_URL, or the offline hashed trigrams. */
export function createEmbedder(config: {
  embeddings: { provider: 'openai' | 'offline'; model: string };
  models: { openaiApiKey?: string | undefined; openaiBaseUrl?: string | undefined };
}): Embedder {
  return config.embeddings.provider === 'openai'
    ? new OpenAIEmbedder(config.embeddings.model, {
        apiKey: config.models.openaiApiKey,
        baseURL: config.models.openaiBaseUrl,
      })
    : new HashedNgramEmbedder();
}

export function cosine(a: number[], b: number[]): number {
  let dot = 0;
  let na = 0;
  let nb = 0;
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a[i] ?? 0;
    const y = b[i] ?? 0;
    dot += x * y;
    na += x * x;
    nb += y * y;
  }
  return na && nb ? dot / Math.sqrt(na * nb) : 0;
}
