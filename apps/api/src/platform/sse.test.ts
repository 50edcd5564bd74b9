import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fastify, { type FastifyInstance } from 'fastify';
import { formatSseEvent, openSse, SseRegistry, type SseStream } from './sse.js';

describe('formatSseEvent', () => {
  it('frames id, event and JSON data', () => {
    expect(formatSseEvent({ id: 3, event: 'message.delta', data: { delta: 'hi\nthere' } })).toBe(
      'id: 3\nevent: message.delta\ndata: {"delta":"hi\\nthere"}\n\n',
    );
  });
  it('cannot be broken out of by newlines in id, event or string data', () => {
    const out = formatSseEvent({ id: '1\nevent: evil', event: 'x\r\ny', data: 'a\nb' });
    expect(out).toBe('id: 1event: evil\nevent: xy\ndata: a\ndata: b\n\n');
  });
});

describe('openSse over a real socket', () => {
  let app: FastifyInstance;
  let base: string;
  const registry = new SseRegistry();
  let last: SseStream | undefined;
  const closedStreams: SseStream[] = [];

  beforeAll(async () => {
    app = fastify();
    app.get('/events', async (request, reply) => {
      const stream = openSse(request, reply, { heartbeatMs: 50, registry });
      last = stream;
      stream.signal.addEventListener('abort', () => closedStreams.push(stream));
      await stream.send({ id: 1, event: 'hello', data: { n: 1 } });
      if ((request.query as { end?: string }).end) {
        await stream.send({ id: 2, event: 'bye', data: {} });
        stream.close();
      }
    });
    base = await app.listen({ port: 0, host: '127.0.0.1' });
  });
  afterAll(() => app.close());

  const read = (path: string, untilMs: number) =>
    new Promise<{ headers: http.IncomingHttpHeaders; body: string }>((resolve) => {
      const req = http.get(base + path, (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c) => (body += c));
        res.on('end', () => resolve({ headers: res.headers, body }));
        setTimeout(() => {
          req.destroy();
          resolve({ headers: res.headers, body });
        }, untilMs);
      });
    });

  it('sends headers, events in order, and ends when closed', async () => {
    const { headers, body } = await read('/events?end=1', 2000);
    expect(headers['content-type']).toBe('text/event-stream; charset=utf-8');
    expect(headers['cache-control']).toContain('no-cache');
    expect(body).toBe(': open\n\nid: 1\nevent: hello\ndata: {"n":1}\n\nid: 2\nevent: bye\ndata: {}\n\n');
  });

  it('sends `: ping` heartbeats while quiet', async () => {
    const { body } = await read('/events', 260);
    expect(body.match(/: ping\n\n/g)?.length ?? 0).toBeGreaterThanOrEqual(2);
  });

  it('aborts its signal and leaves the registry when the client disconnects', async () => {
    await new Promise((r) => setTimeout(r, 100)); // let the previous test's stream finish closing
    const before = closedStreams.length;
    await read('/events', 100);
    await new Promise((r) => setTimeout(r, 100));
    expect(closedStreams.length).toBe(before + 1);
    expect(last?.closed).toBe(true);
    expect(registry.size).toBe(0);
  });

  it('closeAll ends every open stream (graceful shutdown)', async () => {
    const pending = read('/events', 5000);
    await new Promise((r) => setTimeout(r, 100));
    expect(registry.size).toBe(1);
    registry.closeAll();
    const { body } = await pending;
    expect(body.startsWith(': open\n\nid: 1\nevent: hello')).toBe(true);
    expect(registry.size).toBe(0);
  });

  it('waits for drain when the client reads slowly (backpressure)', async () => {
    const slow = fastify();
    let sent = 0;
    slow.get('/flood', async (request, reply) => {
      const stream = openSse(request, reply, { heartbeatMs: 10_000 });
      const chunk = 'x'.repeat(64 * 1024);
      while (!stream.closed && sent < 400) {
        await stream.send({ data: chunk });
        sent++;
      }
    });
    const url = await slow.listen({ port: 0, host: '127.0.0.1' });
    const req = http.get(`${url}/flood`, (res) => res.pause()); // never read
    await new Promise((r) => setTimeout(r, 300));
    // 400 × 64 KiB = 25 MiB would be buffered without backpressure; the writer must be stuck far below.
    expect(sent).toBeLessThan(100);
    req.destroy();
    await slow.close();
  });
});
