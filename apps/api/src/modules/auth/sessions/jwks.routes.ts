import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { Metrics } from '../../../platform/metrics.js';
import type { KeyStore } from './keys/key-store.js';

/** True when an `If-None-Match` value matches `etag` (a list, `*`, weak comparison per RFC 9110). */
export function ifNoneMatchMatches(header: string | undefined, etag: string): boolean {
  if (!header) return false;
  if (header.trim() === '*') return true;
  const opaque = (tag: string) => tag.trim().replace(/^W\//, '');
  return header.split(',').some((tag) => opaque(tag) === opaque(etag));
}

/** `GET /.well-known/jwks.json`: the public keys that verify access tokens, cacheable, with 304s. */
export function jwksRoutes(keys: KeyStore, maxAgeSeconds: number, metrics: Metrics): FastifyPluginAsyncZod {
  const requests = metrics.counter('jwks_requests_total', 'JWKS requests');
  const notModified = metrics.counter('jwks_not_modified_total', 'JWKS requests answered 304 Not Modified');
  return async (app) => {
    app.get(
      '/.well-known/jwks.json',
      {
        config: { auth: 'public' },
        schema: { tags: ['auth'], summary: 'Public keys (OKP/Ed25519) that verify access tokens' },
      },
      async (request, reply) => {
        requests.inc();
        const jwks = await keys.jwks();
        reply
          .header('cache-control', `public, max-age=${maxAgeSeconds}`)
          .header('etag', jwks.etag)
          .header('last-modified', jwks.lastModified.toUTCString());
        if (ifNoneMatchMatches(request.headers['if-none-match'], jwks.etag)) {
          notModified.inc();
          return reply.status(304).send();
        }
        return reply.type('application/json').send(jwks.body);
      },
    );
  };
}
