import type { FastifyInstance } from 'fastify';
import { AppError } from '../errors.js';

/** Deeper input is not worth walking: no route of the contract nests this far. */
const MAX_DEPTH = 32;
/** U+0000, or a high surrogate not followed by a low one, or a low one not preceded by a high one. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching U+0000 is the point: PostgreSQL text cannot store it
const UNSTORABLE = /\u0000|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/**
 * The path of the first string that PostgreSQL cannot store, if any. `text` columns reject U+0000
 * and `jsonb` rejects unpaired UTF-16 surrogates (`"\ud800"`), so such input, valid JSON and valid
 * for every schema, would otherwise fail deep in a query as a 500.
 */
export function findUnstorableText(value: unknown, path: string, depth = 0): string | undefined {
  if (typeof value === 'string') {
    return UNSTORABLE.test(value) ? path : undefined;
  }
  if (depth >= MAX_DEPTH || value === null || typeof value !== 'object' || Buffer.isBuffer(value)) return undefined;
  for (const [key, child] of Object.entries(value)) {
    // A bad key is reported at the object holding it (the key itself would not print).
    const found =
      findUnstorableText(key, path, depth + 1) ?? findUnstorableText(child, path ? `${path}.${key}` : key, depth + 1);
    if (found !== undefined) return found;
  }
  return undefined;
}

/** Refuses, with the contract's 422, body text that no route could store. */
export function installTextInputGuard(app: FastifyInstance) {
  // Callback-style: it never waits, and runs on every request (GETs, without a body, included).
  app.addHook('preValidation', (request, _reply, done) => {
    // Only parsed JSON bodies: a raw body (a Buffer or a string, e.g. the Stripe webhook's) is the
    // route's to judge, and path and query values are checked by their own schemas (a cursor with
    // a NUL is an invalid_cursor, not a validation failure).
    const body = request.body;
    if (body === null || typeof body !== 'object' || Buffer.isBuffer(body)) return done();
    const path = findUnstorableText(body, '');
    if (path === undefined) return done();
    done(
      new AppError('validation_failed', 'The request contains text that cannot be stored.', {
        errors: [{ path: path || 'body', message: 'must not contain NUL characters or unpaired surrogates' }],
      }),
    );
  });
}
