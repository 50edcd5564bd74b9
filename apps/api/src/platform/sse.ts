import type { FastifyReply, FastifyRequest } from 'fastify';

export interface SseEvent {
  id?: string | number;
  event?: string;
  data: unknown;
}

/**
 * One open Server-Sent Events response. Owns framing (`id`/`event`/`data`), heartbeats
 * (`: ping` after each quiet interval), backpressure (`send` resolves once the socket has taken
 * the bytes) and clean-up when either side goes away (`signal` aborts).
 */
export interface SseStream {
  send(event: SseEvent): Promise<void>;
  comment(text: string): Promise<void>;
  /** Ends the response. Idempotent. */
  close(): void;
  readonly signal: AbortSignal;
  readonly closed: boolean;
}

/**
 * Open streams, so graceful shutdown can end them instead of waiting on them forever; a stream
 * added with its tenant can be ended with the tenant's others (a suspension).
 */
export class SseRegistry {
  private readonly open = new Set<SseStream>();
  private readonly tenantOf = new Map<SseStream, string>();
  add(stream: SseStream, tenantId?: string) {
    this.open.add(stream);
    if (tenantId) this.tenantOf.set(stream, tenantId);
    stream.signal.addEventListener(
      'abort',
      () => {
        this.open.delete(stream);
        this.tenantOf.delete(stream);
      },
      { once: true },
    );
  }
  /** Ends this replica's open streams added with `tenantId`; returns how many. */
  closeTenant(tenantId: string): number {
    let closed = 0;
    for (const [stream, tenant] of [...this.tenantOf]) {
      if (tenant !== tenantId) continue;
      stream.close();
      closed++;
    }
    return closed;
  }
  get size() {
    return this.open.size;
  }
  closeAll() {
    for (const s of [...this.open]) s.close();
  }
}

/** Serializes one event; a newline in data is impossible because data is JSON on one line. */
export function formatSseEvent({ id, event, data }: SseEvent): string {
  let out = '';
  if (id !== undefined) out += `id: ${String(id).replace(/[\r\n]/g, '')}\n`;
  if (event) out += `event: ${event.replace(/[\r\n]/g, '')}\n`;
  out += `data: ${typeof data === 'string' ? data.replace(/\r?\n/g, '\ndata: ') : JSON.stringify(data)}\n\n`;
  return out;
}

const WRITTEN: Promise<void> = Promise.resolve();
/** The abort reason of every closed stream: made once (a DOMException per stream cost a stack capture each). */
const STREAM_CLOSED = new DOMException('The event stream was closed.', 'AbortError');

export function openSse(
  request: FastifyRequest,
  reply: FastifyReply,
  options: { heartbeatMs: number; registry?: SseRegistry; tenantId?: string; headers?: Record<string, string> },
): SseStream {
  const res = reply.raw;
  const controller = new AbortController();
  let closed = false;

  reply.hijack();
  res.writeHead(200, {
    ...(reply.getHeaders() as Record<string, string>),
    ...options.headers,
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache, no-transform',
    // Said explicitly (without it, a fetch client's aborted stream held its concurrency slot:
    // ratelimit.routes.test.ts), except while the server drains: then `close`
    // (graceful-shutdown.ts), so the stream's connection is not reused.
    connection: res.getHeader('connection') === 'close' ? 'close' : 'keep-alive',
    'x-accel-buffering': 'no',
  });
  res.flushHeaders();
  // An opening comment: layers that hold the headers until the first body bytes (the web app's
  // BFF does) would otherwise leave the client "connecting" until the first event or heartbeat.
  res.write(': open\n\n');

  // Resolved at once while the socket takes the bytes (the common case: no promise per event).
  const write = (chunk: string): Promise<void> => {
    if (closed || res.write(chunk)) return WRITTEN;
    // Backpressure: the socket buffer is full, wait for drain (or the end) before resolving.
    return new Promise<void>((resolve) => {
      const done = () => {
        res.off('drain', done);
        res.off('close', done);
        resolve();
      };
      res.on('drain', done);
      res.on('close', done);
    });
  };

  // One timer per stream, pushed back by every write (`refresh`), not a new timer per event.
  const heartbeat = setTimeout(() => {
    void write(': ping\n\n').then(armHeartbeat);
  }, options.heartbeatMs);
  heartbeat.unref();
  function armHeartbeat() {
    if (!closed) heartbeat.refresh();
  }

  const finish = () => {
    if (closed) return;
    closed = true;
    clearTimeout(heartbeat);
    controller.abort(STREAM_CLOSED);
  };
  res.on('close', finish);
  request.raw.on('close', () => {
    if (request.raw.destroyed && !res.writableEnded) finish();
  });

  const stream: SseStream = {
    send(event) {
      armHeartbeat();
      return write(formatSseEvent(event));
    },
    comment(text) {
      armHeartbeat();
      return write(`: ${text.replace(/[\r\n]/g, ' ')}\n\n`);
    },
    close() {
      if (closed) return;
      finish();
      res.end();
    },
    signal: controller.signal,
    get closed() {
      return closed;
    },
  };
  options.registry?.add(stream, options.tenantId);
  return stream;
}
