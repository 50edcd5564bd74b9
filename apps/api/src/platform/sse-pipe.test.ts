import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fastify, { type FastifyInstance } from 'fastify';
import { pipeToSse } from './sse-pipe.js';
import { SseRegistry } from './sse.js';

/** The follow loop over a real socket: ends with its source, on a source failure, and when the client leaves. */
describe('pipeToSse', () => {
  let app: FastifyInstance;
  let base: string;
  const registry = new SseRegistry();
  const errors: unknown[] = [];
  let aborted = 0;

  beforeAll(async () => {
    app = fastify();
    app.get('/events', async (request, reply) => {
      const mode = (request.query as { mode: string }).mode;
      await pipeToSse(
        request,
        reply,
        async function* (signal) {
          yield { id: 1, event: 'first', data: { n: 1 } };
          if (mode === 'fail') throw new Error('source broke');
          if (mode === 'end') {
            yield { id: 2, event: 'last', data: 'plain' };
            return;
          }
          // mode=follow: wait for more until the client goes away.
          await new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
          aborted++;
        },
        { heartbeatMs: 10_000, registry, headers: { 'x-source': mode }, onError: (err) => errors.push(err) },
      );
    });
    base = await app.listen({ port: 0, host: '127.0.0.1' });
  });
  afterAll(() => app.close());

  const read = (mode: string, hangUpAfterMs?: number) =>
    new Promise<{ headers: http.IncomingHttpHeaders; body: string; ended: boolean }>((resolve) => {
      const req = http.get(`${base}/events?mode=${mode}`, (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c) => (body += c));
        res.on('end', () => resolve({ headers: res.headers, body, ended: true }));
        if (hangUpAfterMs !== undefined) {
          setTimeout(() => {
            req.destroy();
            resolve({ headers: res.headers, body, ended: false });
          }, hangUpAfterMs);
        }
      });
    });

  it('sends every event with the extra headers and ends the response when the source ends', async () => {
    const { headers, body, ended } = await read('end');
    expect(ended).toBe(true);
    expect(headers['x-source']).toBe('end');
    expect(body).toBe(': open\n\nid: 1\nevent: first\ndata: {"n":1}\n\nid: 2\nevent: last\ndata: plain\n\n');
  });

  it('reports a failing source and still ends the response', async () => {
    const { body, ended } = await read('fail');
    expect(ended).toBe(true);
    expect(body).toBe(': open\n\nid: 1\nevent: first\ndata: {"n":1}\n\n');
    expect(errors).toHaveLength(1);
    expect(String(errors[0])).toContain('source broke');
  });

  it('aborts the signal the source follows when the client hangs up', async () => {
    const { body } = await read('follow', 150);
    expect(body).toContain('event: first');
    for (let i = 0; i < 40 && (aborted === 0 || registry.size > 0); i++) await new Promise((r) => setTimeout(r, 25));
    expect(aborted).toBe(1);
    expect(registry.size).toBe(0);
  });
});
