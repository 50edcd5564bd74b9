import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../../test/harness.js';
import { signUp, type TestUser } from '../../../test/factories.js';
import { startTestMcpServer, type TestMcpServer } from '../../../test/support/mcp-server.js';

/**
 * A tool server that accepts connections and never answers: saving it, refreshing it and a run
 * calling its tools are all bounded by MCP_CONNECT_TIMEOUT_MS (a status error, a tool error), never
 * a hung request or a failed run.
 */
describe('a tool server that never answers', () => {
  let t: TestApp;
  let mcp: TestMcpServer;
  let hanging: http.Server;
  let hangingUrl: string;
  const sockets = new Set<Socket>();
  let owner: TestUser;

  const call = (method: string, url: string, payload?: object) =>
    t.app.inject({ method: method as 'GET', url, headers: owner.headers, ...(payload ? { payload } : {}) });

  beforeAll(async () => {
    mcp = await startTestMcpServer();
    hanging = http.createServer(() => {}); // reads the request, never answers
    hanging.on('connection', (s) => {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
    });
    await new Promise<void>((resolve) => hanging.listen(0, '127.0.0.1', resolve));
    hangingUrl = `http://127.0.0.1:${(hanging.address() as AddressInfo).port}/mcp`;
    t = await createTestApp({ MCP_CONNECT_TIMEOUT_MS: '2000' });
    owner = await signUp(t.app);
    // The bounds below are the tool server's: the agents SDK (loaded in the background once the app
    // is ready, docs/performance.md "Cold start") is loaded before they are timed.
    expect((await call('GET', '/api/v1/tools')).statusCode).toBe(200);
  });
  afterAll(async () => {
    await t?.close();
    await mcp?.close();
    for (const s of sockets) s.destroy();
    await new Promise<void>((resolve) => hanging.close(() => resolve()));
  });

  it('create and refresh answer within the connect timeout with status error', async () => {
    for (const transport of ['streamable_http', 'sse'] as const) {
      const started = Date.now();
      const res = await call('POST', '/api/v1/mcp-servers', {
        name: `silent_${transport === 'sse' ? 'sse' : 'http'}`,
        url: hangingUrl,
        transport,
        require_approval: 'never',
      });
      expect(res.statusCode, res.body).toBe(201);
      expect(res.json()).toMatchObject({ status: 'error', last_error: expect.stringMatching(/2000 ms/), tools: [] });
      expect(Date.now() - started).toBeLessThan(6000);
      const refreshStarted = Date.now();
      const refreshed = await call('POST', `/api/v1/mcp-servers/${res.json().id}/refresh`);
      expect(refreshed.json().status).toBe('error');
      expect(Date.now() - refreshStarted).toBeLessThan(6000);
    }
  });

  it('a run calling a tool of a server that stopped answering gets a tool error in bounded time', async () => {
    // Listed while it answered; then its address points at the silent one (the cached tools stay).
    const created = await call('POST', '/api/v1/mcp-servers', {
      name: 'fading',
      url: mcp.mcpUrl,
      require_approval: 'never',
    });
    expect(created.json().status, created.json().last_error).toBe('ok');
    const moved = await call('PATCH', `/api/v1/mcp-servers/${created.json().id}`, { url: hangingUrl });
    expect(moved.json()).toMatchObject({
      status: 'error',
      tools: expect.arrayContaining([expect.objectContaining({ name: 'echo' })]),
    });
    const started = Date.now();
    const res = await call('POST', '/api/v1/chat', { message: 'use fading__echo with {"text":"anyone?"}' });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json().response).toMatch(
      /^The fading__echo tool returned: Error: calling fading__echo failed: .*2000 ms/,
    );
    expect(Date.now() - started).toBeLessThan(8000);
  });
});
