import { describe, expect, it } from 'vitest';
import { goodProductionEnv, runEntry } from '../../../test/support/production-env.js';
import { DEV_SECRETS } from '../../config.js';

/** `agentry secrets check`, run as the real CLI in a child process. */
const check = (env: Record<string, string | undefined>) => runEntry('src/cli/index.ts', ['secrets', 'check'], env);

describe('agentry secrets check', { timeout: 120_000 }, () => {
  it('exits 0 on a careful production configuration', async () => {
    const r = await check(goodProductionEnv());
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toContain('no problems found');
  });

  it('exits 1 and lists every default or weak secret of a development configuration', async () => {
    const r = await check({ NODE_ENV: 'development', ALLOWED_ORIGINS: '*', AUTH_BCRYPT_COST: '10' });
    expect(r.code).toBe(1);
    for (const setting of [
      'DATABASE_URL',
      'REDIS_URL',
      'AUTH_PASSWORD_PEPPER',
      'AUTH_REFRESH_TOKEN_PEPPER',
      'AUTH_LOGIN_IP_PEPPER',
      'SECRETS_ENCRYPTION_KEY',
      'AUTH_KEYSET_PATH',
      'ALLOWED_ORIGINS',
      'METRICS_TOKEN',
      'AUTH_BCRYPT_COST',
    ])
      expect(r.stdout).toContain(`${setting}:`);
    expect(r.stdout).toContain('/metrics is public');
    // It names the problem, never the secret itself.
    for (const secret of Object.values(DEV_SECRETS)) expect(r.stdout + r.stderr).not.toContain(secret);
  });

  it('exits 1 for a single weak setting in an otherwise good configuration', async () => {
    const r = await check({ ...goodProductionEnv(), METRICS_TOKEN: undefined });
    expect(r.code).toBe(1);
    expect(
      r.stdout
        .trim()
        .split('\n')
        .filter((l) => l.startsWith('  - ')),
    ).toEqual(['  - METRICS_TOKEN: not set: /metrics is public (warning)']);
  });

  it('exits non-zero on a configuration that does not parse', async () => {
    const r = await check({ RATE_LIMIT_CHAT_PER_MINUTE: 'lots' });
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('RATE_LIMIT_CHAT_PER_MINUTE');
  });
});
