import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { hasZodFastifySchemaValidationErrors, isResponseSerializationError } from 'fastify-type-provider-zod';
import { AppError, statusTitle } from '../errors.js';
import { isDependencyUnavailable } from './dependency-errors.js';

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';

/** Fastify's own errors for bad input, mapped to the contract's codes. Anything else is a 5xx. */
const FASTIFY_CODES: Record<string, AppError['code']> = {
  FST_ERR_CTP_BODY_TOO_LARGE: 'payload_too_large',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'unsupported_media_type',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'bad_request',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'bad_request',
  FST_ERR_CTP_INVALID_JSON_BODY: 'bad_request',
  FST_ERR_CTP_EMPTY_TYPE: 'unsupported_media_type',
  FST_ERR_CTP_INVALID_TYPE: 'unsupported_media_type',
  FST_ERR_BAD_URL: 'bad_request',
  // A path segment longer than the router takes (100): no id or name of the API is that long.
  FST_ERR_MAX_PARAM_LENGTH: 'not_found',
  FST_ERR_ASYNC_CONSTRAINT: 'bad_request',
  FST_ERR_INVALID_URL: 'bad_request',
};

const DETAILS: Partial<Record<AppError['code'], string>> = {
  payload_too_large: 'The request body is larger than the server accepts.',
  unsupported_media_type: 'This endpoint accepts application/json.',
  bad_request: 'The request could not be parsed.',
  validation_failed: 'The request does not match the schema.',
  internal_error: 'An unexpected error occurred.',
  unavailable: 'A service the API depends on is unavailable; try again shortly.',
  not_found: 'No such resource.',
};

const MASKED_CODES = new Set<AppError['code']>(['internal_error', 'bad_gateway']);

/** Turns any thrown value into the AppError the client will see. */
export function toAppError(err: unknown): AppError {
  if (err instanceof AppError) return err;
  const e = err as FastifyError & { validation?: unknown[]; validationContext?: string };
  if (hasZodFastifySchemaValidationErrors(e)) {
    const context = e.validationContext ?? 'body';
    return new AppError('validation_failed', DETAILS.validation_failed, {
      // The contract names the field itself (`"path": "email"`, nested as `a.b`); only an error about
      // the whole body, query or params object is named by its location.
      errors: e.validation.map((v) => ({
        path:
          String(v.instancePath ?? '')
            .split('/')
            .filter(Boolean)
            .join('.') || context,
        message: v.message ?? 'invalid',
      })),
    });
  }
  if (e && typeof e === 'object' && e.code && FASTIFY_CODES[e.code]) {
    const code = FASTIFY_CODES[e.code];
    return new AppError(code, DETAILS[code]);
  }
  // Body-parser failures that do not carry a Fastify code (e.g. JSON.parse's SyntaxError).
  if (e instanceof SyntaxError && (e as { statusCode?: number }).statusCode === 400) {
    return new AppError('bad_request', DETAILS.bad_request);
  }
  if (e && typeof e === 'object' && e.statusCode === 413)
    return new AppError('payload_too_large', DETAILS.payload_too_large);
  if (e && typeof e === 'object' && e.statusCode === 415)
    return new AppError('unsupported_media_type', DETAILS.unsupported_media_type);
  if (e && typeof e === 'object' && e.statusCode === 400) return new AppError('bad_request', DETAILS.bad_request);
  if (isDependencyUnavailable(err))
    return new AppError('unavailable', DETAILS.unavailable, { cause: err, headers: { 'retry-after': '5' } });
  return new AppError('internal_error', DETAILS.internal_error, { cause: err });
}

export function problemBody(err: AppError, requestId: string) {
  return {
    type: 'about:blank',
    title: err.title ?? statusTitle(err.status),
    status: err.status,
    code: err.code,
    // Unexpected failures never carry internal messages, only the fixed text for the code. Other
    // 5xx codes (not_ready, billing_disabled, unavailable) carry the detail we wrote for them.
    detail: MASKED_CODES.has(err.code) ? (DETAILS[err.code] ?? statusTitle(err.status)) : err.message,
    request_id: requestId,
    ...(err.errors ? { errors: err.errors } : {}),
    ...(err.details ? { details: err.details } : {}),
  };
}

export function sendProblem(reply: FastifyReply, err: AppError) {
  if (err.status === 401)
    reply.header(
      'www-authenticate',
      `Bearer error="${err.code === 'invalid_credentials' ? 'invalid_request' : 'invalid_token'}"`,
    );
  for (const [k, v] of Object.entries(err.headers ?? {})) reply.header(k, v);
  return reply
    .status(err.status)
    .type(PROBLEM_CONTENT_TYPE)
    .send(problemBody(err, String(reply.request.id)));
}

/**
 * Errors the router raises before any hook runs (a malformed percent-encoding, an over-long path
 * parameter): the same problem body, with the request id the onRequest hook would have set.
 */
export function frameworkErrorHandler(err: FastifyError, request: FastifyRequest, reply: FastifyReply) {
  reply.header('x-request-id', request.id);
  return sendProblem(reply, toAppError(err));
}

/** The one error handler: every error response of the API is made here. */
export function installErrorHandling(app: FastifyInstance) {
  app.setErrorHandler((err: unknown, request: FastifyRequest, reply: FastifyReply) => {
    const appError = toAppError(err);
    if (MASKED_CODES.has(appError.code)) {
      // Unexpected: the log line carries what the body must not, with the request id.
      const cause = isResponseSerializationError(err as Error) ? err : (appError.cause ?? err);
      request.log.error({ err: cause, event: 'http.error' }, 'request failed');
    } else if (appError.status >= 500) {
      // A deliberate 503 (not ready, billing off, a dependency away): worth a line, not a stack.
      request.log.warn(
        {
          event: 'http.unavailable',
          code: appError.code,
          detail: appError.message,
          ...(appError.cause ? { cause: String(appError.cause) } : {}),
        },
        'request refused',
      );
    } else if (appError.code === 'internal_error') {
      request.log.warn({ err, event: 'http.error' }, 'request rejected');
    }
    return sendProblem(reply, appError);
  });
  app.setNotFoundHandler((_request, reply) => sendProblem(reply, new AppError('not_found', 'No such route.')));
}
