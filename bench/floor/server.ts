/**
 * The floor: the least a server can do to run the same `@openai/agents` run Agentry runs — a bare
 * Fastify route, no auth, no database, no event log. What Agentry costs above it is what the
 * benchmarks report. Its own process, like the API. Prints `{"url": …}` once listening.
 *
 *   node --import tsx bench/floor/server.ts <port>
 *
 * Routes:
 * - POST /chat/stream `{message}`: a streamed run, SSE `message.delta` per text delta then `run.completed`.
 * - POST /chat `{message}`: the same run awaited, JSON `{response}`.
 * - GET /conversations?tenant=&user=&limit=: the conversations list's SQL (the API's first-page
 *   statement, imported) on a bare `pg` pool (only with DATABASE_URL), for the list comparison.
 * Env: FLOOR_MODEL=openai|offline, OPENAI_BASE_URL, OPENAI_MODEL.
 */
import Fastify from 'fastify';
import OpenAI from 'openai';
import pg from 'pg';
import { Agent, OpenAIResponsesModel, Runner, setTracingDisabled, type Model } from '@openai/agents';
import { OfflineModel } from '../../apps/api/src/modules/agents/models/offline-model.js';
import { FIRST_PAGE_SQL } from '../../apps/api/src/modules/conversations/conversation-list.js';

setTracingDisabled(true);
const port = Number(process.argv[2] ?? 0);
const model: Model =
  process.env.FLOOR_MODEL === 'offline'
    ? new OfflineModel({ agentName: 'assistant', delayMs: 0 })
    : new OpenAIResponsesModel(
        new OpenAI({ apiKey: 'bench', baseURL: process.env.OPENAI_BASE_URL, maxRetries: 2 }),
        process.env.OPENAI_MODEL ?? 'fake-bench',
      );
const agent = new Agent({ name: 'assistant', instructions: 'You are a helpful assistant.', model });
const runner = new Runner();
const pool = process.env.DATABASE_URL ? new pg.Pool({ connectionString: process.env.DATABASE_URL, max: 10 }) : null;

const app = Fastify({ logger: false });

app.post<{ Body: { message: string } }>('/chat/stream', async (request, reply) => {
  const result = await runner.run(agent, request.body.message, { stream: true });
  reply.hijack();
  const res = reply.raw;
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
  let id = 0;
  res.write(`id: ${++id}\nevent: run.started\ndata: {}\n\n`);
  let text = '';
  for await (const e of result) {
    if (e.type === 'raw_model_stream_event' && e.data.type === 'output_text_delta' && e.data.delta) {
      text += e.data.delta;
      res.write(`id: ${++id}\nevent: message.delta\ndata: ${JSON.stringify({ delta: e.data.delta })}\n\n`);
    }
  }
  await result.completed;
  res.end(`id: ${++id}\nevent: run.completed\ndata: ${JSON.stringify({ response: text })}\n\n`);
});

app.post<{ Body: { message: string } }>('/chat', async (request) => {
  const result = await runner.run(agent, request.body.message);
  return { response: result.finalOutput };
});

app.get<{ Querystring: { tenant: string; user: string; limit?: string } }>('/conversations', async (request) => {
  if (!pool) throw new Error('no DATABASE_URL');
  const { tenant, user, limit } = request.query;
  // The API's own first-page SQL (seven columns, timestamps written by PostgreSQL), prepared by
  // name as the API prepares it: what is left between the two is the API's own work.
  const { rows } = await pool.query({
    name: 'bare_conversations_list',
    text: FIRST_PAGE_SQL,
    values: [tenant, user, Number(limit ?? 20)],
  });
  return { items: rows, next_cursor: null };
});

await app.listen({ port, host: '127.0.0.1' });
const address = app.server.address();
process.stdout.write(
  `${JSON.stringify({ url: `http://127.0.0.1:${typeof address === 'object' ? address?.port : port}` })}\n`,
);
process.on('SIGTERM', () => {
  void app
    .close()
    .then(() => pool?.end())
    .then(() => process.exit(0));
});
