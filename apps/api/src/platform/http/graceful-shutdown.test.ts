import net from 'node:net';
import fastify, { type FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { GracefulShutdown } from './graceful-shutdown.js';

/** A raw keep-alive client on one socket: what nginx's upstream pool does, request after request. */
function rawClient(port: number) {
  const socket = net.connect(port, '127.0.0.1');
  let buffer = '';
  let waiter: (() => void) | undefined;
  socket.on('data', (d) => {
    buffer += d;
    waiter?.();
  });
  const closed = new Promise<void>((r) => socket.on('close', () => r()));
  socket.on('error', () => {});
  return {
    socket,
    closed,
    connected: new Promise<void>((r) => socket.once('connect', () => r())),
    /** One GET; resolves with the head and body of its (content-length) response. */
    async get(path: string): Promise<{ head: string; body: string }> {
      buffer = '';
      socket.write(`GET ${path} HTTP/1.1\r\nHost: t\r\n\r\n`);
      for (;;) {
        const end = buffer.indexOf('\r\n\r\n');
        const length = /content-length: (\d+)/i.exec(buffer)?.[1];
        if (end >= 0 && length && buffer.length >= end + 4 + Number(length)) {
          return { head: buffer.slice(0, end).toLowerCase(), body: buffer.slice(end + 4, end + 4 + Number(length)) };
        }
        await new Promise<void>((r) => {
          waiter = r;
        });
      }
    },
  };
}

function connectOutcome(port: number): Promise<string> {
  return new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1');
    s.on('connect', () => {
      s.destroy();
      resolve('accepted');
    });
    s.on('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? 'error'));
  });
}

describe('GracefulShutdown (the SIGTERM drain)', () => {
  let app: FastifyInstance;
  afterEach(async () => {
    await app.close();
  });

  async function start(deadlineMs: number, closeStreams = () => {}) {
    app = fastify();
    const drain = new GracefulShutdown(app.server, { closeStreams, deadlineMs });
    app.get('/ping', async () => 'pong');
    await app.listen({ port: 0, host: '127.0.0.1' });
    const port = (app.server.address() as net.AddressInfo).port;
    return { drain, port };
  }

  it('refuses new connections but serves a kept-alive one with Connection: close, then ends when it closes', async () => {
    let streamsClosed = 0;
    const { drain, port } = await start(60_000, () => streamsClosed++);
    const kept = rawClient(port);
    await kept.connected;
    const before = await kept.get('/ping');
    expect(before.head).toContain('connection: keep-alive');

    const drained = drain.drain();
    expect(drain.draining).toBe(true);
    expect(streamsClosed).toBe(1);
    // The idle connection a proxy may be writing on is still open: Node's http close() would have closed it.
    expect(await connectOutcome(port)).toBe('ECONNREFUSED');
    const during = await kept.get('/ping');
    expect(during.body).toBe('pong');
    expect(during.head).toContain('connection: close');
    await kept.closed; // the server ends it after that response
    expect(await drained).toEqual({ closedAll: true });
  });

  it('ends when the client (the proxy) closes its idle connection', async () => {
    const { drain, port } = await start(60_000);
    const kept = rawClient(port);
    await kept.connected;
    await kept.get('/ping');
    const drained = drain.drain();
    kept.socket.end();
    expect(await drained).toEqual({ closedAll: true });
  });

  it('stops waiting at its deadline when a connection stays open', async () => {
    const { drain, port } = await start(200);
    const kept = rawClient(port);
    await kept.connected;
    await kept.get('/ping');
    expect(await drain.drain()).toEqual({ closedAll: false });
    kept.socket.destroy();
  });

  it('does nothing more when asked twice, and nothing at all for a server that never listened', async () => {
    app = fastify();
    const drain = new GracefulShutdown(app.server, { closeStreams: () => {}, deadlineMs: 1000 });
    expect(await drain.drain()).toEqual({ closedAll: true });
    expect(await drain.drain()).toEqual({ closedAll: false });
  });
});
