import type http from 'node:http';
import { hashedNgrams } from '../../src/modules/files/embeddings.js';

/**
 * `POST /v1/embeddings` of the fake OpenAI server, in the real wire format: `data[{object,
 * index, embedding}]` with the embedding as a float array, or as base64 of little-endian float32
 * when the request asks `encoding_format: "base64"` (the openai SDK asks that by default and decodes
 * it). Vectors are the hashed trigrams of the input at `dimensions` (default 64), so similar
 * spellings are near. A script can answer an error, or raw `data` (short, malformed) to test that
 * the client refuses it.
 */
export interface EmbeddingsRequest {
  input: string[];
  model: string;
  encoding_format: 'float' | 'base64';
  /** 0-based count of embeddings requests this server has answered. */
  index: number;
}

export type EmbeddingsReply =
  | { error: { status: number; message: string } }
  /** Raw `data` items sent as they are (e.g. one vector short, or `embedding: []`). */
  | { data: unknown[] }
  | undefined;

export interface FakeEmbeddingsOptions {
  embeddings?: (request: EmbeddingsRequest) => EmbeddingsReply;
  embeddingDimensions?: number;
}

export function fakeVector(text: string, dims = 64): number[] {
  return hashedNgrams(text, dims);
}

export function respondEmbeddings(
  res: http.ServerResponse,
  body: { input?: string | string[]; model?: string; encoding_format?: string },
  requests: EmbeddingsRequest[],
  options: FakeEmbeddingsOptions,
) {
  const input = Array.isArray(body.input) ? body.input.map(String) : [String(body.input ?? '')];
  const request: EmbeddingsRequest = {
    input,
    model: String(body.model ?? ''),
    encoding_format: body.encoding_format === 'base64' ? 'base64' : 'float',
    index: requests.length,
  };
  requests.push(request);
  const reply = options.embeddings?.(request);
  if (reply && 'error' in reply) {
    res.writeHead(reply.error.status, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ error: { message: reply.error.message, type: 'server_error', code: null, param: null } }));
    return;
  }
  const data =
    reply?.data ??
    input.map((text, index) => {
      const v = fakeVector(text, options.embeddingDimensions);
      const embedding =
        request.encoding_format === 'base64' ? Buffer.from(new Float32Array(v).buffer).toString('base64') : v;
      return { object: 'embedding', index, embedding };
    });
  const tokens = input.reduce((n, t) => n + Math.max(1, t.split(/\s+/).length), 0);
  res.writeHead(200, { 'content-type': 'application/json' });
  res.end(
    JSON.stringify({
      object: 'list',
      data,
      model: request.model,
      usage: { prompt_tokens: tokens, total_tokens: tokens },
    }),
  );
}
