import { createHash } from 'node:crypto';
import OpenAI from 'openai';

export interface Embedder {
  /** The model name stored with the chunks (a change of model means re-indexing). */
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
  readonly model = `offline-hashed-trigrams-${OFFLINE_DIMENSIONS}`;
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

/** OpenAI (or any OpenAI-compatible server at the configured base URL), batched, with retries. */
export class OpenAIEmbedder implements Embedder {
  private readonly client: OpenAI;
  constructor(
    readonly model: string,
    options: { apiKey?: string | undefined; baseURL?: string | undefined },
    private readonly batch = 64,
  ) {
    this.client = new OpenAI({ apiKey: options.apiKey ?? 'unused', baseURL: options.baseURL, maxRetries: 3 });
  }
  async embed(texts: string[]): Promise<number[][]> {
    const out: number[][] = [];
    for (let i = 0; i < texts.length; i += this.batch) {
      const res = await this.client.embeddings.create({ model: this.model, input: texts.slice(i, i + this.batch) });
      const sorted = [...res.data].sort((a, b) => a.index - b.index);
      out.push(...sorted.map((d) => d.embedding));
    }
    return out;
  }
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
