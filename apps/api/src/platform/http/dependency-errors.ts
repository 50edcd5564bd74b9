/**
 * Whether an error says PostgreSQL or Redis (or another service the API calls) could not be reached:
 * not a bug of the request, so the client gets 503 `unavailable` and may retry, instead of a 500.
 * Seen in the cluster test's outages: ioredis' MaxRetriesPerRequestError while Redis is down,
 * drizzle's DrizzleQueryError around pg's connection errors while PostgreSQL is down or restarting.
 */
const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENETUNREACH']);
const MESSAGES = [
  'Connection is closed', // ioredis, a command on a closed connection
  "Stream isn't writeable", // ioredis without the offline queue
  'Connection terminated', // pg, the server went away mid-query or while connecting
  'timeout exceeded when trying to connect', // pg-pool
  'Client has encountered a connection error',
  'the database system is', // … shutting down / starting up / in recovery mode
];
const NAMES = new Set(['MaxRetriesPerRequestError']);

export function isDependencyUnavailable(err: unknown): boolean {
  let e: unknown = err;
  for (let depth = 0; depth < 6 && e && typeof e === 'object'; depth++) {
    const { code, name, message } = e as { code?: unknown; name?: unknown; message?: unknown };
    if (typeof code === 'string' && (NETWORK_CODES.has(code) || /^(08|57P0[1-3])/.test(code))) return true;
    if (typeof name === 'string' && NAMES.has(name)) return true;
    if (typeof message === 'string' && MESSAGES.some((m) => message.includes(m))) return true;
    // AggregateError (a connect to several addresses), then the chain of causes.
    const errors = (e as { errors?: unknown }).errors;
    if (Array.isArray(errors) && errors.some((inner) => isDependencyUnavailable(inner))) return true;
    e = (e as { cause?: unknown }).cause;
  }
  return false;
}
