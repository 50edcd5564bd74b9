import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { generateKeyset } from '../../src/modules/auth/sessions/keys/keyset.js';

/** A production configuration that `auditConfig` finds nothing in; tests spoil one setting at a time. */
export function goodProductionEnv(): Record<string, string> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'agentry-prod-'));
  const keysetFile = path.join(dir, 'keyset.json');
  fs.writeFileSync(keysetFile, '{}', { mode: 0o600 });
  return {
    NODE_ENV: 'production',
    DATA_DIR: dir,
    DATABASE_URL: 'postgres://agentry@db.internal:5432/agentry',
    REDIS_URL: 'redis://redis.internal:6379',
    AUTH_PASSWORD_PEPPER: 'p'.repeat(20) + 'Q9vX2mL7kR4tY8wZ1nB5',
    AUTH_REFRESH_TOKEN_PEPPER: 'r'.repeat(20) + 'H3jK6sD9fG2aP5qW8eR1',
    AUTH_LOGIN_IP_PEPPER: 'i'.repeat(20) + 'M4nB7vC1xZ5lK8jH2gF6',
    SECRETS_ENCRYPTION_KEY: 's'.repeat(20) + 'T7yU1iO4pA8sD2fG6hJ0kL3z',
    AUTH_KEYSET_PATH: keysetFile,
    ALLOWED_ORIGINS: 'https://app.example.com',
    METRICS_TOKEN: 'metrics-token-0123456789abcdef',
    AUTH_BCRYPT_COST: '12',
  };
}

/** A freshly generated key set as `AUTH_KEYSET_JSON` holds it. */
export const keysetJson = () => JSON.stringify(generateKeyset());

export interface ProcessResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs a TypeScript entry point of apps/api (`src/main.ts`, `src/cli/index.ts`) with tsx, in a
 * clean environment (nothing of the developer's or the test runner's leaks in) plus `env`.
 */
export function runEntry(
  entry: string,
  args: string[],
  env: Record<string, string | undefined>,
): Promise<ProcessResult> {
  const apiDir = path.resolve(import.meta.dirname, '../..');
  const tsx = path.resolve(apiDir, '../../node_modules/.bin/tsx');
  const merged: Record<string, string | undefined> = {
    PATH: process.env.PATH,
    HOME: os.tmpdir(),
    LOG_LEVEL: 'silent',
    ...env,
  };
  const clean = Object.fromEntries(Object.entries(merged).filter((e): e is [string, string] => e[1] !== undefined));
  return new Promise((resolve) => {
    execFile(
      tsx,
      [path.resolve(apiDir, entry), ...args],
      { env: clean, cwd: apiDir, timeout: 90_000 },
      (err, stdout, stderr) => {
        resolve({ code: err ? (typeof err.code === 'number' ? err.code : null) : 0, stdout, stderr });
      },
    );
  });
}
