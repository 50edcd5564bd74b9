import pino, { type Logger, type LoggerOptions } from 'pino';

/**
 * Paths pino replaces with "[redacted]" wherever they appear in a log line. Secrets never reach a
 * log: tokens, passwords, keys, cookies and the authorization header.
 */
export const REDACT_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["stripe-signature"]',
  'req.headers["x-operator-signature"]',
  'res.headers["set-cookie"]',
  '*.password',
  '*.new_password',
  '*.current_password',
  '*.token',
  '*.access_token',
  '*.refresh_token',
  '*.invite_token',
  '*.secret',
  '*.api_key',
  '*.apiKey',
  '*.private_key',
  '*.privateKey',
  '*.d',
  '*.pepper',
  'password',
  'token',
  'access_token',
  'refresh_token',
  'authorization',
  'cookie',
];

export function loggerOptions(level: string): LoggerOptions {
  return {
    level,
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    base: { service: 'agentry-api' },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label) => ({ level: label }) },
  };
}

export function createLogger(level: string, destination?: pino.DestinationStream): Logger {
  return destination ? pino(loggerOptions(level), destination) : pino(loggerOptions(level));
}

const REAL = Symbol('realChild');
const BINDINGS = Symbol('bindings');
const OPTIONS = Symbol('options');
const LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace'] as const;
interface LazyChild {
  [REAL]?: Logger;
  [BINDINGS]: pino.Bindings;
  [OPTIONS]: pino.ChildLoggerOptions;
}
const lazyPrototypes = new WeakMap<Logger, object>();

/**
 * `parent.child(bindings, options)`, made only when something is logged through it. Fastify makes
 * a child logger per request (`request.log`, with the request id); pino's `child()` runs the
 * redaction over the bindings and sets up the level methods, on every request, for a logger most
 * requests never write through (request logs are off at `warn`). Until the first enabled call,
 * this is one small object whose prototype (one per parent) answers like the child: a call at a
 * level the parent discards returns at once; any other call (an enabled level, `child`,
 * `bindings`, `setBindings`, setting `level`) makes the real child once and goes to it, so a line
 * written carries the bindings (request_id) and the redaction exactly as before. Only `this`-bound
 * calls, as with pino itself.
 */
export function lazyChildLogger(parent: Logger, bindings: pino.Bindings, options: pino.ChildLoggerOptions): Logger {
  // A child with its own level, serializers… (a route's `logLevel`): no shortcut, made now.
  for (const _ in options) return parent.child(bindings, options);
  let proto = lazyPrototypes.get(parent);
  if (!proto) {
    proto = lazyPrototype(parent);
    lazyPrototypes.set(parent, proto);
  }
  const lazy = Object.create(proto) as LazyChild;
  lazy[BINDINGS] = bindings;
  lazy[OPTIONS] = options;
  return lazy as unknown as Logger;
}

function lazyPrototype(parent: Logger): object {
  const real = (lazy: LazyChild): Logger => {
    let child = lazy[REAL];
    if (!child) {
      child = parent.child(lazy[BINDINGS], lazy[OPTIONS]);
      lazy[REAL] = child;
    }
    return child;
  };
  const proto = Object.create(parent) as Record<string | symbol, unknown>;
  for (const level of LEVELS) {
    proto[level] = function (this: LazyChild, ...args: unknown[]) {
      const child = this[REAL];
      if (!child && !parent.isLevelEnabled(level)) return;
      return (real(this)[level] as (...a: unknown[]) => void)(...args);
    };
  }
  Object.assign(proto, {
    child(this: LazyChild, bindings: pino.Bindings, options?: pino.ChildLoggerOptions) {
      return real(this).child(bindings, options);
    },
    bindings(this: LazyChild) {
      return real(this).bindings();
    },
    setBindings(this: LazyChild, bindings: pino.Bindings) {
      real(this).setBindings(bindings);
    },
    isLevelEnabled(this: LazyChild, level: string) {
      return (this[REAL] ?? parent).isLevelEnabled(level);
    },
  });
  Object.defineProperty(proto, 'level', {
    get(this: LazyChild) {
      return (this[REAL] ?? parent).level;
    },
    set(this: LazyChild, level: string) {
      real(this).level = level;
    },
  });
  Object.defineProperty(proto, 'levelVal', {
    get(this: LazyChild) {
      return (this[REAL] ?? parent).levelVal;
    },
  });
  return proto;
}

/** Masks an e-mail for logs: `ada@example.com` → `a***@example.com`. */
export function maskEmail(email: string): string {
  const at = email.indexOf('@');
  return at <= 0 ? '***' : `${email[0]}***${email.slice(at)}`;
}

export type { Logger };
