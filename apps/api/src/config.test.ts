import { describe, expect, it } from 'vitest';
import { ConfigError, parseConfig } from './config.js';

describe('config', () => {
  it('starts with zero set-up: embedded defaults', () => {
    const c = parseConfig({});
    expect(c.http.port).toBe(8000);
    expect(c.db.url).toBeUndefined();
    expect(c.redis.url).toBeUndefined();
    expect(c.models.provider).toBe('offline');
    expect(c.auth.accessTokenTtlSeconds).toBe(900);
    expect(c.limits).toMatchObject({
      chatPerMinute: 60,
      chatStreamPerMinute: 30,
      chatStreamConcurrency: 5,
      billingStreamConcurrency: 3,
      loginPerIpPerMinute: 20,
    });
    expect(c.roles).toEqual(['api', 'worker']);
    expect(Object.isFrozen(c) && Object.isFrozen(c.auth)).toBe(true);
  });

  it('defaults the model provider to openai when a key is set', () => {
    expect(parseConfig({ OPENAI_API_KEY: 'sk-test' }).models.provider).toBe('openai');
    expect(parseConfig({ OPENAI_API_KEY: 'sk-test', MODEL_PROVIDER: 'offline' }).models.provider).toBe('offline');
  });

  it('resolves a relative DATA_DIR against the directory npm was started from', () => {
    expect(parseConfig({ DATA_DIR: '.data', INIT_CWD: '/srv/agentry' }).dataDir).toBe('/srv/agentry/.data');
  });

  it('lists every problem at once', () => {
    let error: unknown;
    try {
      parseConfig({
        PORT: 'eighty',
        DATABASE_URL: 'not a url',
        SIGNUP_POLICY: 'sometimes',
        ENABLE_BILLING: 'maybe',
        AUTH_LOCKOUT_THRESHOLD: '-1',
      });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const problems = (error as ConfigError).problems.join('\n');
    for (const name of ['PORT', 'DATABASE_URL', 'SIGNUP_POLICY', 'ENABLE_BILLING', 'AUTH_LOCKOUT_THRESHOLD'])
      expect(problems).toContain(name);
  });

  it('refuses billing without its Stripe keys', () => {
    expect(() => parseConfig({ ENABLE_BILLING: 'true' })).toThrow(/STRIPE_SECRET_KEY[\s\S]*STRIPE_WEBHOOK_SECRET/);
  });

  it('treats empty strings as unset', () => {
    const c = parseConfig({ DATABASE_URL: '', REDIS_URL: '', OPENAI_API_KEY: '' });
    expect(c.db.url).toBeUndefined();
    expect(c.redis.url).toBeUndefined();
    expect(c.models.provider).toBe('offline');
  });
});
