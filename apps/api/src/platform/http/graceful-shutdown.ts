import net from 'node:net';
import type { Server } from 'node:http';

/**
 * The drain before `app.close()` on SIGTERM, so a rolling restart refuses no request.
 *
 * A reverse proxy (nginx) keeps idle connections to each replica and sends the next request on one
 * of them. If the replica closes an idle connection at the moment the proxy writes a POST on it, the
 * proxy answers 502 and never replays it (a POST that may have reached a server is not retried).
 * Node's `http.Server.close()` closes idle connections (Node ≥ 19; Fastify's close calls it too), so
 * the drain stops listening with `net.Server.prototype.close` instead, which leaves them open:
 *
 * - a new connection is refused, which a proxy retries safely on another replica (nothing was sent);
 * - a request on a connection already open is served as usual, with `Connection: close`, so the
 *   connection ends after it and the proxy knows not to reuse it;
 * - an idle connection is closed by the proxy itself: its upstream `keepalive_timeout` (4 s in
 *   deploy/nginx) is shorter than the server's `keepAliveTimeout` (Fastify's 72 s), so the server
 *   never closes one the proxy may be writing on;
 * - open streams end (their clients resume on another replica with `Last-Event-ID`), as `close()` does.
 *
 * The drain ends when the last connection has closed, or at its deadline; `app.close()` then closes
 * what is left (a stream opened meanwhile, a client that keeps a connection open past the deadline).
 */
export class GracefulShutdown {
  private state: 'serving' | 'draining' = 'serving';

  constructor(
    private readonly server: Server,
    private readonly options: {
      /** Ends this process's open event streams. */
      closeStreams: () => void;
      /** The longest the drain waits for connections to close. */
      deadlineMs: number;
    },
  ) {
    // First of the server's request listeners: the header is set before any handler writes.
    server.prependListener('request', (_req, res) => {
      if (this.state === 'draining') res.setHeader('connection', 'close');
    });
  }

  get draining(): boolean {
    return this.state === 'draining';
  }

  /** Stops accepting connections, lets the open ones finish, resolves when they are gone or at the deadline. */
  async drain(): Promise<{ closedAll: boolean }> {
    if (this.state === 'draining') return { closedAll: false };
    this.state = 'draining';
    if (!this.server.listening) return { closedAll: true };
    const closed = new Promise<boolean>((resolve) => {
      // Not `server.close()`: that one also closes the idle keep-alive connections (see above).
      net.Server.prototype.close.call(this.server, () => resolve(true));
    });
    this.options.closeStreams();
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<boolean>((resolve) => {
      timer = setTimeout(() => resolve(false), this.options.deadlineMs);
    });
    try {
      return { closedAll: await Promise.race([closed, late]) };
    } finally {
      clearTimeout(timer);
    }
  }
}

declare module 'fastify' {
  interface FastifyInstance {
    /** The drain before `close()` on SIGTERM (buildApp; see GracefulShutdown). */
    drain(): Promise<{ closedAll: boolean }>;
  }
}
