import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { SSEServerTransport } from '@modelcontextprotocol/sdk/server/sse.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { z } from 'zod';

/**
 * A real MCP server for tests, built with the official SDK (1.x), on a random loopback port:
 * Streamable HTTP at `/mcp` (stateless) and SSE at `/sse` + `/messages`. Tools: `add`, `echo`,
 * `slow` (answers after `slowMs`), `huge` (a `hugeChars`-long text), `fail` (throws).
 * With `token`, every request needs `Authorization: Bearer <token>` (else 401). Every request's
 * headers are recorded (`requests`).
 */
export interface TestMcpServer {
  url: string;
  /** Streamable HTTP endpoint. */
  mcpUrl: string;
  /** SSE endpoint. */
  sseUrl: string;
  /** Tool calls received, in order. */
  calls: { name: string; args: unknown }[];
  /** Every HTTP request received: method, path and headers (lower-case names). */
  requests: { method: string; path: string; headers: http.IncomingHttpHeaders }[];
  /** Requests whose Authorization header was accepted / refused. */
  authorized: number;
  refused: number;
  close(): Promise<void>;
}

export interface TestMcpServerOptions {
  token?: string;
  slowMs?: number;
  hugeChars?: number;
  /**
   * Adds a tool `leak` whose call is answered with HTTP 500 and a body that repeats the request's
   * headers (as careless servers do in their errors).
   */
  leakHeaders?: boolean;
}

export async function startTestMcpServer(options: TestMcpServerOptions = {}): Promise<TestMcpServer> {
  const calls: TestMcpServer['calls'] = [];
  const requests: TestMcpServer['requests'] = [];
  const timers = new Set<NodeJS.Timeout>();
  const build = () => {
    const server = new McpServer({ name: 'agentry-test', version: '1.0.0' });
    server.registerTool(
      'add',
      { description: 'Adds two numbers.', inputSchema: { a: z.number(), b: z.number() } },
      async ({ a, b }) => {
        calls.push({ name: 'add', args: { a, b } });
        return { content: [{ type: 'text', text: String(a + b) }] };
      },
    );
    server.registerTool(
      'echo',
      { description: 'Echoes a text.', inputSchema: { text: z.string() } },
      async ({ text }) => {
        calls.push({ name: 'echo', args: { text } });
        return { content: [{ type: 'text', text: `echo: ${text}` }] };
      },
    );
    server.registerTool('slow', { description: 'Answers slowly.', inputSchema: {} }, async () => {
      calls.push({ name: 'slow', args: {} });
      await new Promise<void>((resolve) => {
        const timer = setTimeout(() => {
          timers.delete(timer);
          resolve();
        }, options.slowMs ?? 5000);
        timers.add(timer);
      });
      return { content: [{ type: 'text', text: 'finally' }] };
    });
    server.registerTool('huge', { description: 'Returns a huge text.', inputSchema: {} }, async () => {
      calls.push({ name: 'huge', args: {} });
      return { content: [{ type: 'text', text: 'x'.repeat(options.hugeChars ?? 200_000) }] };
    });
    server.registerTool('fail', { description: 'Always fails.', inputSchema: {} }, async () => {
      calls.push({ name: 'fail', args: {} });
      throw new Error('kaboom from the tool server');
    });
    if (options.leakHeaders)
      server.registerTool('leak', { description: 'Fails, repeating the headers.', inputSchema: {} }, async () => {
        throw new Error('not reached: the HTTP layer answers first');
      });
    return server;
  };
  /** A `tools/call` of `leak`: answered by the HTTP layer with the request's headers in a 500 body. */
  const leaks = (body: unknown) =>
    options.leakHeaders === true &&
    (body as { method?: string; params?: { name?: string } } | undefined)?.method === 'tools/call' &&
    (body as { params: { name?: string } }).params.name === 'leak';
  const leak = (req: http.IncomingMessage, res: http.ServerResponse) => {
    calls.push({ name: 'leak', args: {} });
    res
      .writeHead(500, { 'content-type': 'application/json' })
      .end(JSON.stringify({ error: 'boom', request: req.headers }));
  };

  const sseSessions = new Map<string, SSEServerTransport>();
  const state = { authorized: 0, refused: 0 };

  const readBody = async (req: http.IncomingMessage): Promise<unknown> => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const text = Buffer.concat(chunks).toString('utf8');
    return text ? JSON.parse(text) : undefined;
  };

  const httpServer = http.createServer(async (req, res) => {
    try {
      requests.push({ method: req.method ?? '', path: (req.url ?? '/').split('?')[0]!, headers: { ...req.headers } });
      if (options.token !== undefined) {
        if (req.headers.authorization !== `Bearer ${options.token}`) {
          state.refused++;
          res.writeHead(401, { 'content-type': 'application/json' }).end('{"error":"unauthorized"}');
          return;
        }
        state.authorized++;
      }
      const url = new URL(req.url ?? '/', 'http://localhost');
      if (url.pathname === '/mcp') {
        if (req.method !== 'POST') {
          res.writeHead(405).end();
          return;
        }
        const body = await readBody(req);
        if (leaks(body)) return leak(req, res);
        const server = build();
        const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined });
        res.on('close', () => {
          void transport.close();
          void server.close();
        });
        await server.connect(transport);
        await transport.handleRequest(req, res, body);
        return;
      }
      if (url.pathname === '/sse' && req.method === 'GET') {
        const transport = new SSEServerTransport('/messages', res);
        sseSessions.set(transport.sessionId, transport);
        res.on('close', () => sseSessions.delete(transport.sessionId));
        await build().connect(transport);
        return;
      }
      if (url.pathname === '/messages' && req.method === 'POST') {
        const transport = sseSessions.get(url.searchParams.get('sessionId') ?? '');
        if (!transport) {
          res.writeHead(404).end();
          return;
        }
        const body = await readBody(req);
        if (leaks(body)) return leak(req, res);
        await transport.handlePostMessage(req, res, body);
        return;
      }
      if (url.pathname === '/redirect') {
        res.writeHead(307, { location: '/mcp' }).end();
        return;
      }
      res.writeHead(404).end();
    } catch (err) {
      if (!res.headersSent) res.writeHead(500).end(String(err));
    }
  });
  await new Promise<void>((resolve) => httpServer.listen(0, '127.0.0.1', resolve));
  const { port } = httpServer.address() as AddressInfo;
  const base = `http://127.0.0.1:${port}`;
  return {
    url: base,
    mcpUrl: `${base}/mcp`,
    sseUrl: `${base}/sse`,
    calls,
    requests,
    get authorized() {
      return state.authorized;
    },
    get refused() {
      return state.refused;
    },
    close: async () => {
      for (const t of timers) clearTimeout(t);
      for (const t of sseSessions.values()) await t.close().catch(() => {});
      httpServer.closeAllConnections();
      await new Promise<void>((resolve) => httpServer.close(() => resolve()));
    },
  };
}
