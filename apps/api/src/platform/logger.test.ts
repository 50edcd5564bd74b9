import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger, maskEmail } from './logger.js';

function capture() {
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk, _enc, cb) {
      lines.push(String(chunk));
      cb();
    },
  });
  return { logger: createLogger('info', sink), lines };
}

describe('logger', () => {
  it('writes JSON lines with an ISO time and level label', () => {
    const { logger, lines } = capture();
    logger.info({ event: 'test.event' }, 'hello');
    const line = JSON.parse(lines[0]);
    expect(line).toMatchObject({ level: 'info', event: 'test.event', msg: 'hello', service: 'agentry-api' });
    expect(new Date(line.time).toISOString()).toBe(line.time);
  });

  it('redacts authorization, cookies, passwords, tokens and keys', () => {
    const { logger, lines } = capture();
    logger.info(
      {
        req: { headers: { authorization: 'Bearer eyJsecret', cookie: 'at=secret' } },
        body: { password: 'hunter2hunter2', refresh_token: 'rt_secret', token: 'verify-secret' },
        key: { privateKey: 'PRIVATE', d: 'ed25519-d' },
      },
      'request',
    );
    const out = lines.join('');
    for (const secret of [
      'eyJsecret',
      'at=secret',
      'hunter2hunter2',
      'rt_secret',
      'verify-secret',
      'PRIVATE',
      'ed25519-d',
    ]) {
      expect(out).not.toContain(secret);
    }
    expect(out).toContain('[redacted]');
  });

  it('masks e-mail addresses', () => {
    expect(maskEmail('ada@example.com')).toBe('a***@example.com');
    expect(maskEmail('nonsense')).toBe('***');
  });
});
