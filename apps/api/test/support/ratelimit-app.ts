import crypto from 'node:crypto';
import http from 'node:http';
import { Writable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../src/app.js';
import { createLogger, type Logger } from '../../src/platform/logger.js';
import { Metrics } from '../../src/platform/metrics.js';
import { openSse, SseRegistry } from '../../src/platform/sse.js';
import type { Ports } from '../../src/platform/ports/index.js';
import type { Database } from '../../src/platform/db/client.js';
import { createTestDatabase, createTestPorts, listenOnFreePort, services, testConfig } from '../harness.js';
import { forgeAccessToken } from '../token-forge.js';
import { RateLimiter } from '../../src/modules/ratelimit/ratelimit.service.js';
import type { Config } from '../../src/config.js';

/**
 * A real app (buildApp on fresh storage) plus test routes that declare quotas in `config.rateLimit`
 * like any route: `/t/login` (public, `login_per_ip`), `/t/chat` and `/t/stream` (caller-keyed
 * quotas, so they take an access token: `as(tenant, user)` signs one with the app's own key for any
 * tenant and user, without going through sign-up).
 */
export interface LimitedApp {
  app: FastifyInstance;
  config: Config;
  ports: Ports;
  /** A limiter of its own on the same ports, to check a quota's keying directly. */
  limiter: RateLimiter;
  /** Headers that make a request come from `user` of `tenant`. */
  as(tenant?: string, user?: string): Promise<Record<string, string>>;
  logs: Record<string, unknown>[];
  baseUrl?: string;
  close(): Promise<void>;
}

export async function createLimitedApp(
  env: Record<string, string>,
  options: { ports?: Ports; listen?: boolean } = {},
): Promise<LimitedApp> {
  const config = testConfig({
    ...(services.redisUrl && !options.ports ? { REDIS_URL: services.redisUrl } : {}),
    LOG_LEVEL: 'info',
    // The production deadline (250 ms) fails a store call open: a loaded host's first call (script
    // load, JIT) can take longer and the quota would silently not count. Fail-open tests set their own.
    RATE_LIMIT_STORE_TIMEOUT_MS: '5000',
    ...env,
  });
  const logs: Record<string, unknown>[] = [];
  const logger: Logger = createLogger(
    'info',
    new Writable({
      write(chunk, _enc, done) {
        for (const line of String(chunk).split('\n').filter(Boolean)) logs.push(JSON.parse(line));
        done();
      },
    }),
  );
  const database: Database = await createTestDatabase();
  const ports = options.ports ?? createTestPorts();
  const app = await buildApp(config, { database, ports, logger });
  const limiter = new RateLimiter({ ports, limits: config.limits, metrics: new Metrics(), logger });
  const streams = new SseRegistry();
  const as = async (tenant = 't1', user = 'u1') => {
    const token = await forgeAccessToken(config, {
      sub: `user:${userIdFor(user)}`,
      tenant_id: tenant,
      sid: `s-${tenant}-${user}`,
      scope: 'conversations:write',
    });
    return { authorization: `Bearer ${token}` };
  };

  app.post('/t/login', { config: { auth: 'public', rateLimit: ['login_per_ip'] } }, async () => ({ ok: true }));
  app.post('/t/chat', { config: { auth: 'access', rateLimit: ['chat_per_minute'] } }, async () => ({ ok: true }));
  app.get(
    '/t/stream',
    { config: { auth: 'access', rateLimit: ['chat_stream_per_minute', 'chat_stream_concurrency'] } },
    async (request, reply) => {
      if ((request.query as Record<string, string>).fail === '1')
        throw new Error('handler failed before the stream opened');
      const stream = openSse(request, reply, { heartbeatMs: 60_000, registry: streams });
      await stream.send({ event: 'open', data: {} });
      const closeAfter = Number((request.query as Record<string, string>).close_after_ms ?? 0);
      if (closeAfter) setTimeout(() => stream.close(), closeAfter).unref();
    },
  );
  await app.ready();
  let baseUrl: string | undefined;
  if (options.listen) {
    baseUrl = await listenOnFreePort(app);
  }
  return {
    app,
    config,
    ports,
    limiter,
    as,
    logs,
    baseUrl,
    close: async () => {
      streams.closeAll(); // the test route's streams are not in the app's registry
      await app.close();
      await limiter.close();
      if (!options.ports) await ports.close();
      await database.close();
    },
  };
}

/** The user id `as(tenant, user)` signs in as: a UUID (as subjects are) derived from the name. */
export function userIdFor(name: string): string {
  const hex = crypto.createHash('sha256').update(name).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}

/** An open SSE response over a real socket; resolves once the status line and first event arrived. */
export interface OpenStream {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
  /** The client goes away (disconnect). */
  abort(): void;
  /** Resolves when the server ends the response. */
  ended: Promise<void>;
}

export function openStream(baseUrl: string, path: string, headers: Record<string, string> = {}): Promise<OpenStream> {
  return new Promise((resolve, reject) => {
    const req = http.get(`${baseUrl}${path}`, { headers, agent: false }, (res) => {
      let body = '';
      let endedResolve: () => void = () => undefined;
      const ended = new Promise<void>((r) => (endedResolve = r));
      res.on('close', () => endedResolve());
      res.on('error', () => endedResolve());
      const result: OpenStream = {
        status: res.statusCode ?? 0,
        headers: res.headers,
        get body() {
          return body;
        },
        abort: () => req.destroy(),
        ended,
      };
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        body += chunk;
        if (res.statusCode === 200 && body.includes('event: open')) resolve(result);
      });
      if (res.statusCode !== 200) res.on('end', () => resolve(result));
    });
    req.on('error', reject);
  });
}

export async function waitFor(predicate: () => Promise<boolean> | boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await predicate())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 25));
  }
}

export { metricValue } from './metrics.js';
