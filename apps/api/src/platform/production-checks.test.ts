import { describe, expect, it } from 'vitest';
import { DEV_SECRETS, parseConfig } from '../config.js';
import { auditConfig } from './production-checks.js';
import { goodProductionEnv, keysetJson, runEntry } from '../../test/support/production-env.js';

const GOOD_PRODUCTION_ENV = goodProductionEnv();
const audit = (overrides: Record<string, string | undefined>) =>
  auditConfig(parseConfig({ ...GOOD_PRODUCTION_ENV, ...overrides })).map(
    (f) => `${f.setting}${f.refusesStart ? '!' : '?'}`,
  );

describe('production checks (the rules behind secrets check and the production start-up refusal)', () => {
  it('find nothing in a careful production configuration', () => {
    expect(audit({})).toEqual([]);
  });

  it('flag tool servers allowed on private networks (off by default in production)', () => {
    expect(audit({ MCP_ALLOW_PRIVATE_NETWORKS: 'true' })).toEqual(['MCP_ALLOW_PRIVATE_NETWORKS?']);
    expect(audit({ MCP_ALLOW_PRIVATE_NETWORKS: 'false' })).toEqual([]);
  });

  it('flag OpenID issuers allowed on private networks (off by default)', () => {
    expect(audit({ SSO_ALLOW_PRIVATE_NETWORKS: 'true' })).toEqual(['SSO_ALLOW_PRIVATE_NETWORKS?']);
    expect(audit({ SSO_ALLOW_PRIVATE_NETWORKS: undefined })).toEqual([]);
  });

  it('refuse embedded storage', () => {
    expect(audit({ DATABASE_URL: undefined })).toEqual(['DATABASE_URL!']);
    expect(audit({ REDIS_URL: undefined })).toEqual(['REDIS_URL!']);
  });

  it('refuse each default pepper, flag weak and shared ones', () => {
    for (const [name, value] of Object.entries(DEV_SECRETS)) expect(audit({ [name]: value })).toEqual([`${name}!`]);
    expect(audit({ AUTH_PASSWORD_PEPPER: 'sixteen-chars-ok' })).toEqual(['AUTH_PASSWORD_PEPPER?']);
    expect(audit({ AUTH_LOGIN_IP_PEPPER: GOOD_PRODUCTION_ENV.AUTH_PASSWORD_PEPPER })).toEqual(['AUTH_*_PEPPER?']);
    expect(audit({ AUTH_PASSWORD_PEPPERS_PREVIOUS: JSON.stringify({ 1: DEV_SECRETS.AUTH_PASSWORD_PEPPER }) })).toEqual([
      'AUTH_PASSWORD_PEPPERS_PREVIOUS!',
    ]);
  });

  it('refuse dev key files; flag a key file others can read', () => {
    expect(audit({ AUTH_KEYSET_PATH: undefined })).toEqual(['AUTH_KEYSET_PATH!']);
    // Naming the generated dev file explicitly does not make it a production key set.
    expect(audit({ AUTH_KEYSET_PATH: `${GOOD_PRODUCTION_ENV.DATA_DIR}/keys/keyset.json` })).toEqual([
      'AUTH_KEYSET_PATH!',
    ]);
    const loose = auditConfig(parseConfig(GOOD_PRODUCTION_ENV), () => 0o644);
    expect(loose.map((f) => f.setting)).toEqual(['AUTH_KEYSET_PATH']);
    expect(loose[0].problem).toContain('644');
    expect(audit({ AUTH_KEYSET_PATH: undefined, AUTH_KEYSET_JSON: keysetJson() })).toEqual([]);
  });

  it('refuse wildcard CORS; flag a public or weakly guarded /metrics and a low bcrypt cost', () => {
    expect(audit({ ALLOWED_ORIGINS: '*' })).toEqual(['ALLOWED_ORIGINS!']);
    expect(audit({ ALLOWED_ORIGINS: 'https://app.example.com,*' })).toEqual(['ALLOWED_ORIGINS!']);
    expect(audit({ METRICS_TOKEN: undefined })).toEqual(['METRICS_TOKEN?']);
    expect(audit({ METRICS_TOKEN: 'short' })).toEqual(['METRICS_TOKEN?']);
    expect(audit({ AUTH_BCRYPT_COST: '10' })).toEqual(['AUTH_BCRYPT_COST?']);
    const billing = { ENABLE_BILLING: 'true', STRIPE_WEBHOOK_SECRET: 'whsec_0123456789abcdef' };
    expect(audit({ ...billing, STRIPE_SECRET_KEY: 'sk_test_0123456789' })).toEqual(['STRIPE_SECRET_KEY?']);
    expect(audit({ ...billing, STRIPE_SECRET_KEY: ['sk', 'live', '0123456789'].join('_') })).toEqual([]);
  });
});

/** Runs src/main.ts as the real process would, with a clean environment. */
const startServer = (env: Record<string, string | undefined>) => runEntry('src/main.ts', [], { PORT: '0', ...env });

describe('NODE_ENV=production start-up', () => {
  // Child processes (tsx compiling the server) are slow on a loaded machine: generous timeouts.
  it('refuses each unsafe setting with exit code 78, naming it', { timeout: 120_000 }, async () => {
    const cases: [string, Record<string, string | undefined>][] = [
      ['DATABASE_URL', { DATABASE_URL: undefined }],
      ['AUTH_PASSWORD_PEPPER', { AUTH_PASSWORD_PEPPER: undefined }], // falls back to the dev default
      ['AUTH_KEYSET_PATH', { AUTH_KEYSET_PATH: undefined }],
      ['ALLOWED_ORIGINS', { ALLOWED_ORIGINS: '*' }],
    ];
    const results = await Promise.all(
      cases.map(([, overrides]) => startServer({ ...GOOD_PRODUCTION_ENV, ...overrides })),
    );
    results.forEach((r, i) => {
      expect(r.code, r.stderr).toBe(78);
      expect(r.stderr).toContain('Refusing to start with NODE_ENV=production');
      expect(r.stderr).toContain(`${cases[i][0]}:`);
    });
  });

  it('names every problem at once', { timeout: 120_000 }, async () => {
    const r = await startServer({
      NODE_ENV: 'production',
      DATA_DIR: GOOD_PRODUCTION_ENV.DATA_DIR,
      ALLOWED_ORIGINS: '*',
    });
    expect(r.code).toBe(78);
    for (const setting of [
      'DATABASE_URL',
      'REDIS_URL',
      'AUTH_PASSWORD_PEPPER',
      'AUTH_REFRESH_TOKEN_PEPPER',
      'AUTH_LOGIN_IP_PEPPER',
      'AUTH_KEYSET_PATH',
      'ALLOWED_ORIGINS',
    ]) {
      expect(r.stderr).toContain(`${setting}:`);
    }
  });
});
