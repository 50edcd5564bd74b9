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

/** Masks an e-mail for logs: `ada@example.com` → `a***@example.com`. */
export function maskEmail(email: string): string {
  const at = email.indexOf('@');
  return at <= 0 ? '***' : `${email[0]}***${email.slice(at)}`;
}

export type { Logger };
