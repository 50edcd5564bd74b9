import fs from 'node:fs';
import path from 'node:path';
import { DEV_SECRETS, type Config } from '../config.js';

/**
 * The production guardrails, in one place: `agentry secrets check` lists every finding, and
 * `main.ts` refuses to start with NODE_ENV=production while a `refusesStart` finding remains
 * (the others are logged as warnings).
 */
export interface ConfigFinding {
  /** The environment variable to change. */
  setting: string;
  /** What is wrong, in one sentence an operator can act on. */
  problem: string;
  /** NODE_ENV=production will not start with it. */
  refusesStart: boolean;
}

/** Peppers shorter than this are guessable enough to matter once a database dump leaks. */
export const MIN_PEPPER_LENGTH = 32;
export const MIN_METRICS_TOKEN_LENGTH = 24;
export const MIN_BCRYPT_COST = 12;

/** Reads a file's permission bits, or null when it does not exist (tests pass their own). */
export type FileModeProbe = (file: string) => number | null;

const statMode: FileModeProbe = (file) => {
  try {
    return fs.statSync(file).mode & 0o777;
  } catch {
    return null; // absent: nothing on disk to judge
  }
};

/** Every default, weak or unsafe setting of `config` for a production deployment. */
export function auditConfig(config: Config, probe: FileModeProbe = statMode): ConfigFinding[] {
  const findings: ConfigFinding[] = [];
  const add = (setting: string, problem: string, refusesStart: boolean) =>
    findings.push({ setting, problem, refusesStart });

  // Storage: embedded PGlite and in-process ports are single-process and lose coordination state.
  if (!config.db.url)
    add('DATABASE_URL', 'not set: the server would use embedded storage (PGlite under DATA_DIR)', true);
  if (!config.redis.url)
    add('REDIS_URL', 'not set: rate limits, revocations and streams would be in-process only (no replicas)', true);

  // Tool servers: tenants name the URLs; private networks open the internal network and cloud metadata to them.
  if (config.mcp.allowPrivateNetworks)
    add(
      'MCP_ALLOW_PRIVATE_NETWORKS',
      "is true: tenants' tool servers may reach loopback, private and cloud-metadata addresses",
      false,
    );
  // Single sign-on: tenant owners name the issuer the API fetches discovery, keys and tokens from.
  if (config.sso.allowPrivateNetworks)
    add(
      'SSO_ALLOW_PRIVATE_NETWORKS',
      "is true: tenants' OpenID issuers may make the API reach loopback, private and cloud-metadata addresses",
      false,
    );

  // Peppers: the development defaults are public (they are in the source code).
  const peppers = [
    ['AUTH_PASSWORD_PEPPER', config.auth.passwordPepper, DEV_SECRETS.AUTH_PASSWORD_PEPPER],
    ['AUTH_REFRESH_TOKEN_PEPPER', config.auth.refreshTokenPepper, DEV_SECRETS.AUTH_REFRESH_TOKEN_PEPPER],
    ['AUTH_LOGIN_IP_PEPPER', config.auth.ipPepper, DEV_SECRETS.AUTH_LOGIN_IP_PEPPER],
  ] as const;
  for (const [name, value, devDefault] of peppers) {
    if (value === devDefault) add(name, 'is the development default (public in the source code)', true);
    else if (value.length < MIN_PEPPER_LENGTH)
      add(name, `is weak: shorter than ${MIN_PEPPER_LENGTH} characters`, false);
  }
  const distinct = new Set(peppers.map(([, v]) => v));
  if (distinct.size < peppers.length)
    add('AUTH_*_PEPPER', 'the same value is used for several peppers; give each its own', false);
  if (Object.values(config.auth.passwordPeppersPrevious).includes(DEV_SECRETS.AUTH_PASSWORD_PEPPER)) {
    add('AUTH_PASSWORD_PEPPERS_PREVIOUS', 'still accepts the development default pepper', true);
  }

  // The key sealing tenants' stored secrets: the development default is public.
  if (config.secrets.key === DEV_SECRETS.SECRETS_ENCRYPTION_KEY)
    add('SECRETS_ENCRYPTION_KEY', 'is the development default (public in the source code)', true);
  if (Object.values(config.secrets.previous).includes(DEV_SECRETS.SECRETS_ENCRYPTION_KEY))
    add('SECRETS_ENCRYPTION_KEYS_PREVIOUS', 'still accepts the development default key', true);

  // Signing keys: generated files under DATA_DIR/keys are development keys.
  const devKeyFile = path.join(config.dataDir, 'keys', 'keyset.json');
  if (config.auth.keysetPathIsDefault) {
    add(
      'AUTH_KEYSET_PATH',
      `not set (nor AUTH_KEYSET_JSON): signing keys would be the dev key file generated under ${config.auth.keysetPath}`,
      true,
    );
  } else if (!config.auth.keyset && path.resolve(config.auth.keysetPath) === devKeyFile) {
    add(
      'AUTH_KEYSET_PATH',
      `points at the dev key file the server generates (${devKeyFile}); provision a key set of its own`,
      true,
    );
  } else if (!config.auth.keyset) {
    const mode = probe(config.auth.keysetPath);
    if (mode !== null && (mode & 0o077) !== 0) {
      add(
        'AUTH_KEYSET_PATH',
        `${config.auth.keysetPath} is readable by other users (mode ${mode.toString(8)}); chmod 600 it`,
        false,
      );
    }
  }

  // HTTP exposure.
  if (config.http.allowedOrigins.includes('*'))
    add('ALLOWED_ORIGINS', 'is * (any web site may call the API from a browser)', true);
  if (!config.http.metricsToken) add('METRICS_TOKEN', 'not set: /metrics is public', false);
  else if (config.http.metricsToken.length < MIN_METRICS_TOKEN_LENGTH)
    add('METRICS_TOKEN', `is weak: shorter than ${MIN_METRICS_TOKEN_LENGTH} characters`, false);

  if (config.stripe.enabled && config.stripe.secretKey?.startsWith('sk_test_')) {
    add('STRIPE_SECRET_KEY', 'is a test-mode key (sk_test_…): no real payment will be taken', false);
  }
  if (config.auth.bcryptCost < MIN_BCRYPT_COST)
    add(
      'AUTH_BCRYPT_COST',
      `is ${config.auth.bcryptCost}: below ${MIN_BCRYPT_COST}, password hashes are cheap to brute-force`,
      false,
    );
  return findings;
}

/** One line per finding, as both the CLI and the start-up refusal print them. */
export function formatFindings(findings: readonly ConfigFinding[]): string {
  return findings.map((f) => `  - ${f.setting}: ${f.problem}${f.refusesStart ? '' : ' (warning)'}`).join('\n');
}
