import { Writable } from 'node:stream';
import { describe, expect, it, vi } from 'vitest';
import { createLogger, lazyChildLogger, maskEmail } from './logger.js';

function capture(level = 'info') {
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk, _enc, cb) {
      lines.push(String(chunk));
      cb();
    },
  });
  return { logger: createLogger(level, sink), lines };
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

  it('a lazy child writes what the real child writes: bindings and redaction', () => {
    const eager = capture();
    const lazy = capture();
    eager.logger.child({ request_id: 'req-1' }).warn({ event: 'x', token: 'secret-token' }, 'hi');
    lazyChildLogger(lazy.logger, { request_id: 'req-1' }, {}).warn({ event: 'x', token: 'secret-token' }, 'hi');
    const strip = (line: string) => ({ ...JSON.parse(line), time: undefined });
    expect(lazy.lines.map(strip)).toEqual(eager.lines.map(strip));
    expect(JSON.parse(lazy.lines[0])).toMatchObject({ request_id: 'req-1', token: '[redacted]', msg: 'hi' });
  });

  it('a lazy child makes the real child only when a line is written or the child is used', () => {
    const { logger, lines } = capture('warn');
    const child = vi.spyOn(logger, 'child');
    const lazy = lazyChildLogger(logger, { request_id: 'req-2' }, {});
    lazy.info('discarded');
    lazy.debug({ a: 1 }, 'discarded');
    expect(lazy.isLevelEnabled('info')).toBe(false);
    expect(lazy.level).toBe('warn');
    expect(child).not.toHaveBeenCalled();
    expect(lines).toEqual([]);
    lazy.error('written');
    lazy.warn('written too');
    expect(child).toHaveBeenCalledTimes(1);
    expect(lines.map((l) => JSON.parse(l).request_id)).toEqual(['req-2', 'req-2']);
    lazy.child({ run_id: 'r' }).warn('grandchild');
    expect(JSON.parse(lines[2])).toMatchObject({ request_id: 'req-2', run_id: 'r' });
    expect(lazy.bindings()).toMatchObject({ request_id: 'req-2' });
  });

  it('a lazy child whose level is raised logs at that level, with its bindings', () => {
    const { logger, lines } = capture('warn');
    const lazy = lazyChildLogger(logger, { request_id: 'req-3' }, {});
    lazy.level = 'debug';
    lazy.debug('now written');
    expect(JSON.parse(lines[0])).toMatchObject({ request_id: 'req-3', msg: 'now written' });
    expect(logger.level).toBe('warn');
  });

  it('a child with options of its own (a route log level) is made at once', () => {
    const { logger, lines } = capture('warn');
    const child = lazyChildLogger(logger, { request_id: 'req-4' }, { level: 'debug' });
    child.debug('route level');
    expect(JSON.parse(lines[0])).toMatchObject({ request_id: 'req-4', msg: 'route level' });
  });
});
