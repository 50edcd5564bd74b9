import type { FastifyInstance, FastifyRequest } from 'fastify';

/** True when the route takes no body, or its body schema (zod) accepts an absent one. */
function bodyIsOptional(request: FastifyRequest): boolean {
  const schema = request.routeOptions.schema?.body as { safeParse?: (v: unknown) => { success: boolean } } | undefined;
  if (!schema) return true;
  return typeof schema.safeParse === 'function' && schema.safeParse(undefined).success;
}

/**
 * Many clients send `Content-Type: application/json` on every request, with no body on a DELETE or
 * a bodiless POST (logout, cancel, verify/send). Fastify would parse that empty body as malformed
 * JSON (400); where the route takes no body, or an optional one, an empty body is simply no body.
 * Routes that need a body still answer 400 `bad_request` for an empty one.
 */
export function installEmptyBodyTolerance(app: FastifyInstance) {
  // Callback-style: it never waits, and runs on every request (GETs included).
  app.addHook('preParsing', (request, _reply, _payload, done) => {
    const { headers } = request;
    if (
      headers['content-type'] !== undefined &&
      headers['transfer-encoding'] === undefined &&
      headers['content-length'] === '0' &&
      bodyIsOptional(request)
    )
      delete headers['content-type'];
    done();
  });
}
