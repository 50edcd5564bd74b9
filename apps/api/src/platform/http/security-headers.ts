import { createRequire } from 'node:module';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { FastifyInstance } from 'fastify';

/**
 * helmet's options for the API. It serves JSON; only /docs serves HTML, with its own CSP from
 * swagger-ui (set by that route, so none here).
 */
export const HELMET_OPTIONS = {
  contentSecurityPolicy: false,
  crossOriginResourcePolicy: { policy: 'same-site' },
} as const;

type HelmetMiddleware = (req: IncomingMessage, res: ServerResponse, next: (err?: unknown) => void) => void;

/**
 * The headers helmet sets with `options`, as [name, value] pairs in helmet's order. helmet is the
 * one @fastify/helmet uses (resolved from it, so the two never drift apart).
 */
export function helmetHeaders(options: object = HELMET_OPTIONS): readonly (readonly [string, string])[] {
  const fromFastifyHelmet = createRequire(createRequire(import.meta.url).resolve('@fastify/helmet'));
  const helmet = fromFastifyHelmet('helmet') as (options: object) => HelmetMiddleware;
  const headers: [string, string][] = [];
  const recorder = {
    setHeader(name: string, value: string | number | readonly string[]) {
      if (typeof value !== 'string') throw new Error(`helmet set ${name} to a non-string`);
      headers.push([name, value]);
    },
    // helmet removes X-Powered-By, which neither Node nor Fastify ever sets.
    removeHeader() {},
  };
  helmet(options)({} as IncomingMessage, recorder as unknown as ServerResponse, (err) => {
    if (err) throw err;
  });
  return headers;
}

/**
 * helmet's security headers on every response (401s and 404s included), as @fastify/helmet set
 * them — on the raw response, in an `onRequest` hook at the position of the plugin's — but worked
 * out once: the plugin ran helmet's whole middleware chain (options parsed, eleven middlewares
 * built) on every request, in two hooks, one of them async, for the same static set of headers.
 * No route uses helmet per route (`helmet: …` route options or `reply.helmet()`).
 */
export function installSecurityHeaders(app: FastifyInstance, options: object = HELMET_OPTIONS) {
  const headers = helmetHeaders(options);
  app.addHook('onRequest', (_request, reply, done) => {
    const raw = reply.raw;
    for (let i = 0; i < headers.length; i++) raw.setHeader(headers[i]![0], headers[i]![1]);
    done();
  });
}
