import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomUUID } from 'node:crypto';
import { type EmbeddingsRequest, type FakeEmbeddingsOptions, respondEmbeddings } from './fake-openai-embeddings.js';

/**
 * An OpenAI-compatible fake server for tests and benchmarks. It speaks the real wire formats —
 * the Responses API (`POST /v1/responses`, JSON or SSE with `response.*` events) and Chat
 * Completions (`POST /v1/chat/completions`, JSON or `data:` chunks ending in `[DONE]`) — and
 * answers from a script, so the real SDK client and the real SDK models run against it.
 */
export type FakeReply =
  /** `delayMs`: the reply waits this long before its first byte (a slow model). */
  | { text: string; delayMs?: number }
  /**
   * The model fails mid-stream: a streamed reply sends `breakAfter` text deltas of `text`, then the
   * connection is cut (`close`), a chunk that is not JSON goes out before the end (`garbage`), or
   * the body ends without the stream's end (`end`: no `response.completed`, no `[DONE]`).
   * A reply that is not streamed breaks the same way before its body.
   */
  | { text: string; breakAfter: number; failure: 'close' | 'garbage' | 'end' }
  | { toolCalls: { name: string; arguments: string }[] }
  | { error: { status: number; message: string; type?: string } }
  /** Never answers: the request is held until the client gives up (or the server closes). */
  | { hang: true };

export interface FakeRequest {
  api: 'responses' | 'chat_completions';
  body: any;
  /** 0-based count of requests this server has answered. */
  index: number;
  /** The token usage this server reported for its reply (set once the reply is written). */
  usage?: { input_tokens: number; output_tokens: number };
}

/** `embeddings`, `embeddingDimensions`: `POST /v1/embeddings` (fake-openai-embeddings.ts). */
export interface FakeOpenAIOptions extends FakeEmbeddingsOptions {
  script?: (request: FakeRequest) => FakeReply;
  /** Pause between streamed chunks (0: as fast as the socket takes them). */
  chunkDelayMs?: number;
  port?: number;
  /** `POST /v1/moderations`: the categories an input is flagged for (default: none). */
  moderate?: (input: string) => string[];
}

export interface FakeOpenAI {
  url: string;
  /** `baseURL` for the OpenAI client (`<url>/v1`). */
  baseURL: string;
  requests: FakeRequest[];
  /** `POST /v1/embeddings` requests, apart from `requests` (chat tests count those). */
  embeddingRequests: EmbeddingsRequest[];
  close(): Promise<void>;
}

/** Text of the last user message in a Responses `input` or Chat Completions `messages`. */
export function lastUserText(body: any): string {
  const items: unknown[] =
    typeof body.input === 'string' ? [{ role: 'user', content: body.input }] : (body.input ?? body.messages ?? []);
  for (let i = items.length - 1; i >= 0; i--) {
    const item = items[i] as { role?: string; content?: unknown };
    if (item.role !== 'user') continue;
    if (typeof item.content === 'string') return item.content;
    if (Array.isArray(item.content)) return item.content.map((c: { text?: string }) => c.text ?? '').join(' ');
  }
  return '';
}

/** The output of the last tool call in the request, if the request ends with one. */
export function lastToolOutput(body: any): string | undefined {
  const items: { type?: string; role?: string; output?: unknown; content?: unknown }[] = Array.isArray(body.input)
    ? body.input
    : (body.messages ?? []);
  const last = items[items.length - 1];
  if (last?.type === 'function_call_output')
    return typeof last.output === 'string' ? last.output : JSON.stringify(last.output);
  if (last?.role === 'tool') return typeof last.content === 'string' ? last.content : JSON.stringify(last.content);
  return undefined;
}

/** A script that replies `words` words (after a tool output, repeats it). */
export function wordsScript(words = 20): (r: FakeRequest) => FakeReply {
  return ({ body }) => {
    const out = lastToolOutput(body);
    if (out !== undefined) return { text: `The tool said ${out}` };
    return { text: Array.from({ length: words }, (_, i) => `word${i + 1}`).join(' ') };
  };
}

const countTokens = (s: string) => Math.max(1, s.split(/\s+/).filter(Boolean).length);

/** Splits text into word-sized chunks that concatenate back to it exactly. */
function chunks(text: string): string[] {
  return text.match(/\s*\S+/g) ?? [text];
}

type BreakingReply = Extract<FakeReply, { breakAfter: number }>;

/** The reply breaks before its `index`-th delta (0-based). */
function breaksAt(reply: FakeReply, index: number): reply is BreakingReply {
  return 'breakAfter' in reply && index >= reply.breakAfter;
}

/** Ends a reply mid-stream: the socket cut without ending the chunked body, a chunk that is not JSON, or an early end. */
function breakStream(res: http.ServerResponse, reply: BreakingReply) {
  if (reply.failure === 'close') {
    // Once what was written reached the socket: the client gets the deltas, then the connection ends.
    res.write('', () => res.socket?.destroy());
    return;
  }
  if (reply.failure === 'garbage') res.write('data: {"type": "response.output_text.delta", "delta": not json\n\n');
  res.end();
}

export async function startFakeOpenAI(options: FakeOpenAIOptions = {}): Promise<FakeOpenAI> {
  const script = options.script ?? wordsScript();
  const delay = options.chunkDelayMs ?? 0;
  const requests: FakeRequest[] = [];
  const embeddingRequests: EmbeddingsRequest[] = [];
  const sockets = new Set<import('node:net').Socket>();

  const server = http.createServer((req, res) => {
    let raw = '';
    req.setEncoding('utf8');
    req.on('data', (c) => (raw += c));
    req.on('end', () => {
      void handle(req, res, raw).catch((err: unknown) => {
        if (!res.headersSent) res.writeHead(500, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ error: { message: String(err), type: 'server_error' } }));
      });
    });
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });

  async function handle(req: http.IncomingMessage, res: http.ServerResponse, raw: string) {
    const path = (req.url ?? '').split('?')[0];
    if (req.method === 'POST' && path.endsWith('/moderations')) return respondModeration(res, JSON.parse(raw || '{}'));
    if (req.method === 'POST' && path.endsWith('/embeddings'))
      return respondEmbeddings(res, JSON.parse(raw || '{}'), embeddingRequests, options);
    const api = path.endsWith('/responses')
      ? 'responses'
      : path.endsWith('/chat/completions')
        ? 'chat_completions'
        : undefined;
    if (req.method !== 'POST' || !api) {
      res.writeHead(404, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: { message: 'not found', type: 'invalid_request_error' } }));
      return;
    }
    const body = JSON.parse(raw || '{}');
    const request: FakeRequest = { api, body, index: requests.length };
    requests.push(request);
    const reply = script(request);
    if ('hang' in reply) return;
    if ('error' in reply) {
      res.writeHead(reply.error.status, { 'content-type': 'application/json', 'x-request-id': `req_${randomUUID()}` });
      res.end(
        JSON.stringify({
          error: { message: reply.error.message, type: reply.error.type ?? 'server_error', code: null, param: null },
        }),
      );
      return;
    }
    if ('delayMs' in reply && reply.delayMs) await new Promise((r) => setTimeout(r, reply.delayMs));
    const model = String(body.model ?? 'fake-model');
    const inputTokens = countTokens(JSON.stringify(body.input ?? body.messages ?? ''));
    if (api === 'responses') await respondResponses(res, body.stream === true, reply, model, inputTokens, request);
    else
      await respondChat(
        res,
        body.stream === true,
        Boolean(body.stream_options?.include_usage),
        reply,
        model,
        inputTokens,
        request,
      );
  }

  /** The moderation wire format: one result per input, `flagged` and per-category booleans and scores. */
  function respondModeration(res: http.ServerResponse, body: { input?: string | string[]; model?: string }) {
    const inputs = Array.isArray(body.input) ? body.input : [String(body.input ?? '')];
    const results = inputs.map((input) => {
      const flagged = options.moderate?.(input) ?? [];
      const names = ['harassment', 'hate', 'self-harm', 'sexual', 'violence', ...flagged];
      return {
        flagged: flagged.length > 0,
        categories: Object.fromEntries(names.map((n) => [n, flagged.includes(n)])),
        category_scores: Object.fromEntries(names.map((n) => [n, flagged.includes(n) ? 0.97 : 0.001])),
      };
    });
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ id: `modr-${randomUUID()}`, model: body.model ?? 'omni-moderation-latest', results }));
  }

  const pause = () => (delay > 0 ? new Promise((r) => setTimeout(r, delay)) : Promise.resolve());

  async function respondResponses(
    res: http.ServerResponse,
    stream: boolean,
    reply: Exclude<FakeReply, { error: unknown } | { hang: true }>,
    model: string,
    inputTokens: number,
    request: FakeRequest,
  ) {
    const id = `resp_${randomUUID().replace(/-/g, '')}`;
    const created = Math.floor(Date.now() / 1000);
    const outputItems =
      'text' in reply
        ? [
            {
              id: `msg_${randomUUID().replace(/-/g, '')}`,
              type: 'message',
              status: 'completed',
              role: 'assistant',
              content: [{ type: 'output_text', text: reply.text, annotations: [] }],
            },
          ]
        : reply.toolCalls.map((c) => ({
            id: `fc_${randomUUID().replace(/-/g, '')}`,
            type: 'function_call',
            status: 'completed',
            call_id: `call_${randomUUID().replace(/-/g, '')}`,
            name: c.name,
            arguments: c.arguments,
          }));
    const outputTokens = 'text' in reply ? countTokens(reply.text) : countTokens(JSON.stringify(reply.toolCalls));
    request.usage = { input_tokens: inputTokens, output_tokens: outputTokens };
    const usage = {
      input_tokens: inputTokens,
      input_tokens_details: { cached_tokens: 0 },
      output_tokens: outputTokens,
      output_tokens_details: { reasoning_tokens: 0 },
      total_tokens: inputTokens + outputTokens,
    };
    const base = {
      id,
      object: 'response',
      created_at: created,
      model,
      parallel_tool_calls: true,
      tool_choice: 'auto',
      tools: [],
      error: null,
      incomplete_details: null,
      instructions: null,
      metadata: {},
      temperature: 1,
      top_p: 1,
    };
    const final = {
      ...base,
      status: 'completed',
      output: outputItems,
      output_text: 'text' in reply ? reply.text : '',
      usage,
    };
    if (!stream) {
      res.writeHead(200, { 'content-type': 'application/json', 'x-request-id': `req_${randomUUID()}` });
      if (breaksAt(reply, 0)) return breakStream(res, reply);
      res.end(JSON.stringify(final));
      return;
    }
    res.writeHead(200, {
      'content-type': 'text/event-stream',
      'cache-control': 'no-cache',
      'x-request-id': `req_${randomUUID()}`,
    });
    let seq = 0;
    const send = (type: string, data: Record<string, unknown>) =>
      res.write(`event: ${type}\ndata: ${JSON.stringify({ type, sequence_number: seq++, ...data })}\n\n`);
    send('response.created', { response: { ...base, status: 'in_progress', output: [], usage: null } });
    send('response.in_progress', { response: { ...base, status: 'in_progress', output: [], usage: null } });
    for (const [outputIndex, item] of outputItems.entries()) {
      if (item.type === 'message') {
        const text = (item as { content: { text: string }[] }).content[0].text;
        send('response.output_item.added', {
          output_index: outputIndex,
          item: { ...item, status: 'in_progress', content: [] },
        });
        send('response.content_part.added', {
          item_id: item.id,
          output_index: outputIndex,
          content_index: 0,
          part: { type: 'output_text', text: '', annotations: [] },
        });
        for (const [i, delta] of chunks(text).entries()) {
          if (breaksAt(reply, i)) return breakStream(res, reply);
          await pause();
          send('response.output_text.delta', {
            item_id: item.id,
            output_index: outputIndex,
            content_index: 0,
            delta,
            logprobs: [],
          });
        }
        send('response.output_text.done', {
          item_id: item.id,
          output_index: outputIndex,
          content_index: 0,
          text,
          logprobs: [],
        });
        send('response.content_part.done', {
          item_id: item.id,
          output_index: outputIndex,
          content_index: 0,
          part: { type: 'output_text', text, annotations: [] },
        });
      } else {
        const fc = item as { id: string; arguments: string };
        send('response.output_item.added', {
          output_index: outputIndex,
          item: { ...item, status: 'in_progress', arguments: '' },
        });
        await pause();
        send('response.function_call_arguments.delta', {
          item_id: fc.id,
          output_index: outputIndex,
          delta: fc.arguments,
        });
        send('response.function_call_arguments.done', {
          item_id: fc.id,
          output_index: outputIndex,
          arguments: fc.arguments,
        });
      }
      send('response.output_item.done', { output_index: outputIndex, item });
    }
    send('response.completed', { response: final });
    res.end();
  }

  async function respondChat(
    res: http.ServerResponse,
    stream: boolean,
    includeUsage: boolean,
    reply: Exclude<FakeReply, { error: unknown } | { hang: true }>,
    model: string,
    inputTokens: number,
    request: FakeRequest,
  ) {
    const id = `chatcmpl-${randomUUID().replace(/-/g, '')}`;
    const created = Math.floor(Date.now() / 1000);
    const toolCalls =
      'toolCalls' in reply
        ? reply.toolCalls.map((c) => ({
            id: `call_${randomUUID().replace(/-/g, '')}`,
            type: 'function',
            function: { name: c.name, arguments: c.arguments },
          }))
        : undefined;
    const text = 'text' in reply ? reply.text : null;
    const outputTokens = text !== null ? countTokens(text) : countTokens(JSON.stringify(toolCalls));
    request.usage = { input_tokens: inputTokens, output_tokens: outputTokens };
    const usage = {
      prompt_tokens: inputTokens,
      completion_tokens: outputTokens,
      total_tokens: inputTokens + outputTokens,
    };
    const finishReason = toolCalls ? 'tool_calls' : 'stop';
    if (!stream) {
      res.writeHead(200, { 'content-type': 'application/json', 'x-request-id': `req_${randomUUID()}` });
      if (breaksAt(reply, 0)) return breakStream(res, reply);
      res.end(
        JSON.stringify({
          id,
          object: 'chat.completion',
          created,
          model,
          choices: [
            {
              index: 0,
              message: {
                role: 'assistant',
                content: text,
                refusal: null,
                ...(toolCalls ? { tool_calls: toolCalls } : {}),
              },
              logprobs: null,
              finish_reason: finishReason,
            },
          ],
          usage,
        }),
      );
      return;
    }
    res.writeHead(200, {
      'content-type': 'text/event-stream',
      'cache-control': 'no-cache',
      'x-request-id': `req_${randomUUID()}`,
    });
    const chunk = (delta: Record<string, unknown>, finish: string | null = null) =>
      res.write(
        `data: ${JSON.stringify({ id, object: 'chat.completion.chunk', created, model, choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }] })}\n\n`,
      );
    chunk({ role: 'assistant', content: '', refusal: null });
    if (text !== null) {
      for (const [i, piece] of chunks(text).entries()) {
        if (breaksAt(reply, i)) return breakStream(res, reply);
        await pause();
        chunk({ content: piece });
      }
    } else {
      for (const [index, call] of toolCalls!.entries()) {
        chunk({
          tool_calls: [{ index, id: call.id, type: 'function', function: { name: call.function.name, arguments: '' } }],
        });
        await pause();
        chunk({ tool_calls: [{ index, function: { arguments: call.function.arguments } }] });
      }
    }
    chunk({}, finishReason);
    if (includeUsage)
      res.write(
        `data: ${JSON.stringify({ id, object: 'chat.completion.chunk', created, model, choices: [], usage })}\n\n`,
      );
    res.write('data: [DONE]\n\n');
    res.end();
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    baseURL: `${url}/v1`,
    requests,
    embeddingRequests,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
