import { Writable } from 'node:stream';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../../test/harness.js';
import { signUp, type TestUser } from '../../../test/factories.js';
import { startTestMcpServer, type TestMcpServer } from '../../../test/support/mcp-server.js';
import { describeMcpError, scrubSecrets, secretsOf } from './mcp-connection.js';

/**
 * A server's configured headers reach it on every request of both transports, and their values
 * never reach the logs, `last_error`, or the tool errors the model (and the event log) sees, even
 * when the tool server repeats them in its error responses.
 */
describe('tool server headers: sent on both transports, never shown', () => {
  const TOKEN = 'tok-3f9a7c1e-right-secret';
  const WRONG = 'tok-5b2d0a44-wrong-secret';
  const KEY = 'key-8e1f6d2b-tenant-secret';
  let t: TestApp;
  let mcp: TestMcpServer;
  let owner: TestUser;
  const lines: string[] = [];

  const call = (method: string, url: string, payload?: unknown) =>
    t.app.inject({
      method: method as 'GET',
      url,
      headers: owner.headers,
      ...(payload === undefined ? {} : { payload: payload as object }),
    });

  beforeAll(async () => {
    // Its `leak` tool's calls fail with the request's headers in the body, as careless servers do.
    mcp = await startTestMcpServer({ token: TOKEN, leakHeaders: true });
    const sink = new Writable({
      write(chunk, _enc, done) {
        lines.push(String(chunk));
        done();
      },
    });
    t = await createTestApp({}, { logger: pino({ level: 'trace' }, sink) });
    owner = await signUp(t.app);
  });
  afterAll(async () => {
    await t?.close();
    await mcp?.close();
  });

  for (const [transport, urlOf] of [
    ['streamable_http', (s: TestMcpServer) => s.mcpUrl],
    ['sse', (s: TestMcpServer) => s.sseUrl],
  ] as const) {
    it(`${transport}: every request carries the headers; wrong ones never show up anywhere`, async () => {
      const name = transport === 'sse' ? 'viasse' : 'viahttp';
      const from = mcp.requests.length;
      const created = await call('POST', '/api/v1/mcp-servers', {
        name,
        url: urlOf(mcp),
        transport,
        headers: { Authorization: `Bearer ${TOKEN}`, 'X-Tenant-Key': KEY },
        require_approval: 'never',
      });
      expect(created.statusCode, created.body).toBe(201);
      expect(created.json()).toMatchObject({ status: 'ok', header_names: ['Authorization', 'X-Tenant-Key'] });

      const chat = await call('POST', '/api/v1/chat', { message: `use ${name}__echo with {"text":"hi"}` });
      expect(chat.statusCode, chat.body).toBe(200);
      expect(chat.json().response).toBe(`The ${name}__echo tool returned: echo: hi`);
      const seen = mcp.requests.slice(from);
      // Listing (create) and calling (the run): the session's requests, not only the first one.
      expect(seen.length).toBeGreaterThanOrEqual(4);
      if (transport === 'sse') expect(new Set(seen.map((r) => r.path))).toEqual(new Set(['/sse', '/messages']));
      for (const r of seen) {
        expect(r.headers.authorization, `${r.method} ${r.path}`).toBe(`Bearer ${TOKEN}`);
        expect(r.headers['x-tenant-key'], `${r.method} ${r.path}`).toBe(KEY);
      }

      // The server answers a call with an error that repeats the headers: the model sees a tool error without them.
      const leaked = await call('POST', '/api/v1/chat', { message: `use ${name}__leak with {}` });
      expect(leaked.statusCode, leaked.body).toBe(200);
      expect(leaked.json().response).toMatch(
        new RegExp(`^The ${name}__leak tool returned: Error: calling ${name}__leak failed`),
      );
      expect(leaked.json().response).toContain('[redacted]');
      const leakEvents = await call('GET', `/api/v1/chat/runs/${leaked.json().run_id}/events`);

      // Wrong credentials: the server refuses them; the tools stay cached from before.
      const id = created.json().id as string;
      const patched = await call('PATCH', `/api/v1/mcp-servers/${id}`, {
        headers: { Authorization: `Bearer ${WRONG}`, 'X-Tenant-Key': KEY },
      });
      expect(patched.statusCode, patched.body).toBe(200);
      expect(patched.json().status).toBe('error');
      expect(patched.json().last_error).toBeTruthy();
      const refused = await call('POST', '/api/v1/chat', { message: `use ${name}__echo with {"text":"again"}` });
      expect(refused.statusCode, refused.body).toBe(200);
      const answer = refused.json() as { response: string; run_id: string };
      expect(answer.response).toMatch(
        new RegExp(`^The ${name}__echo tool returned: Error: calling ${name}__echo failed`),
      );
      const refresh = await call('POST', `/api/v1/mcp-servers/${id}/refresh`);
      const events = await call('GET', `/api/v1/chat/runs/${answer.run_id}/events`);
      // The server did get (and repeat) the wrong values: they were sent, and are kept out of everything shown.
      expect(mcp.requests.some((r) => r.headers.authorization === `Bearer ${WRONG}`)).toBe(true);
      for (const [what, text] of [
        ['last_error', patched.body],
        ['refresh', refresh.body],
        ['answer', refused.body],
        ['leak answer', leaked.body],
        ['leak events', leakEvents.body],
        ['events', events.body],
        ['logs', lines.join('')],
      ] as const) {
        for (const secret of [TOKEN, WRONG, KEY]) expect(text, `${what} shows a header value`).not.toContain(secret);
      }
    });
  }
});

describe('secretsOf / scrubSecrets', () => {
  it('scrubs every value, the credential after its scheme and JSON-escaped forms; short values are left', () => {
    const secrets = secretsOf({ Authorization: 'Bearer abc123', 'X-Key': 'a"quoted"key', 'X-Short': 'on' });
    const text = 'got Bearer abc123, then abc123 alone, {"k":"a\\"quoted\\"key"} and on';
    expect(scrubSecrets(text, secrets)).toBe('got [redacted], then [redacted] alone, {"k":"[redacted]"} and on');
    expect(describeMcpError(new Error('401 for token abc123'), secrets)).toBe('401 for token [redacted]');
  });
});
