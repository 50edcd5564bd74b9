import { describe, expect, it } from 'vitest';
import crypto from 'node:crypto';
import { ConfigError, parseConfig } from './config.js';
import { generateKeyset } from './modules/auth/sessions/keys/keyset.js';

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

  it('parses the JSON settings once, into typed values', () => {
    const defaults = parseConfig({});
    expect(defaults.stripe.priceMap).toEqual({});
    expect(defaults.auth.passwordPeppersPrevious).toEqual({});
    expect(defaults.auth.operatorKeys).toEqual({});
    expect(defaults.models.agentModels).toEqual({});
    expect(defaults.auth.keyset).toBeUndefined();

    const operator = crypto.generateKeyPairSync('ed25519').publicKey.export({ format: 'jwk' });
    const keyset = generateKeyset();
    const c = parseConfig({
      STRIPE_PRODUCT_PRICE_MAP: '{"pro":"price_123"}',
      AUTH_PASSWORD_PEPPERS_PREVIOUS: '{"1":"an-older-pepper-0123"}',
      AUTH_OPERATOR_KEYS: JSON.stringify({ raw: operator.x, jwk: operator }),
      OPENAI_AGENT_MODELS: '{"code_assistant":"gpt-4.1"}',
      AUTH_KEYSET_JSON: JSON.stringify(keyset),
    });
    expect(c.stripe.priceMap).toEqual({ pro: 'price_123' });
    expect(c.auth.passwordPeppersPrevious).toEqual({ 1: 'an-older-pepper-0123' });
    // Both spellings of an operator key become the raw key.
    expect(c.auth.operatorKeys).toEqual({ raw: operator.x, jwk: operator.x });
    expect(c.models.agentModels).toEqual({ code_assistant: 'gpt-4.1' });
    expect(c.auth.keyset).toEqual(keyset);
    expect(Object.isFrozen(c.stripe.priceMap) && Object.isFrozen(c.auth.keyset!.active.jwk)).toBe(true);
  });

  it('reports every malformed JSON setting by name, without echoing its value', () => {
    let error: unknown;
    try {
      parseConfig({
        STRIPE_PRODUCT_PRICE_MAP: '{"pro": 12}',
        AUTH_PASSWORD_PEPPERS_PREVIOUS: 'not json sekrit-pepper',
        AUTH_OPERATOR_KEYS: '{"ops":"dG9vLXNob3J0"}',
        OPENAI_AGENT_MODELS: '["gpt-4.1"]',
        AUTH_KEYSET_JSON: '{"keys":[]}',
      });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const problems = (error as ConfigError).problems.join('\n');
    for (const name of [
      'STRIPE_PRODUCT_PRICE_MAP.pro',
      'AUTH_PASSWORD_PEPPERS_PREVIOUS: must be valid JSON',
      'AUTH_OPERATOR_KEYS.ops: must be an Ed25519 public key',
      'OPENAI_AGENT_MODELS: must be a JSON object of agent name → model name',
      'AUTH_KEYSET_JSON',
    ])
      expect(problems).toContain(name);
    expect(problems).not.toContain('sekrit');
    expect(() => parseConfig({ AUTH_PASSWORD_PEPPERS_PREVIOUS: '{"current":"an-older-pepper-0123"}' })).toThrow(
      /AUTH_PASSWORD_PEPPERS_PREVIOUS.*pepper versions/,
    );
  });
});
