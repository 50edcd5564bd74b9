import path from 'node:path';
import { z } from 'zod';
import { KeysetSchema, OperatorPublicKey } from './key-schemas.js';

/**
 * Every environment variable Agentry reads, in one schema, parsed once into a frozen object.
 * `process.env` is read here and nowhere else. `.env.example` documents each variable.
 */
const bool = (fallback: boolean) =>
  z
    .enum(['true', 'false', '1', '0', 'yes', 'no', 'on', 'off', ''])
    .optional()
    .transform((v) => (v === undefined || v === '' ? fallback : ['true', '1', 'yes', 'on'].includes(v)));
const int = (fallback: number, min = 0) => z.coerce.number().int().min(min).default(fallback);
const optionalString = z
  .string()
  .optional()
  .transform((v) => (v === undefined || v.trim() === '' ? undefined : v));
const optionalUrl = z
  .string()
  .optional()
  .transform((v) => (v === undefined || v.trim() === '' ? undefined : v))
  .pipe(z.url().optional());

/**
 * A JSON-valued variable, parsed here and checked against `schema`: the rest of the code receives
 * the typed value and never parses it again. The message never echoes the value (it may be secret).
 */
const json = <T extends z.ZodType>(schema: T) =>
  z
    .string()
    .transform((text, ctx): unknown => {
      try {
        return JSON.parse(text);
      } catch {
        ctx.addIssue({ code: 'custom', message: 'must be valid JSON' });
        return z.NEVER;
      }
    })
    .pipe(schema);
const jsonObjectOf = <V extends z.ZodType>(value: V, what: string) =>
  z.record(z.string(), value, { error: `must be a JSON object of ${what}` });

/** Dev defaults: `secrets check` and production start-up refuse them. */
export const DEV_SECRETS = {
  AUTH_PASSWORD_PEPPER: 'dev-password-pepper-change-me',
  AUTH_REFRESH_TOKEN_PEPPER: 'dev-refresh-pepper-change-me',
  AUTH_LOGIN_IP_PEPPER: 'dev-ip-pepper-change-me',
  SECRETS_ENCRYPTION_KEY: 'dev-secrets-encryption-key-change-me-0000',
} as const;

const EnvSchema = z.object({
  NODE_ENV: z.enum(['development', 'test', 'production']).default('development'),
  PORT: int(8000).pipe(z.number().max(65535)),
  HOST: z.string().default('127.0.0.1'),
  DATA_DIR: z.string().default('.data'),
  /** Set by npm to the directory the command was started from; relative DATA_DIRs resolve against it. */
  INIT_CWD: z.string().optional(),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  AGENTRY_ROLES: z
    .string()
    .default('api,worker')
    .transform((v) =>
      v
        .split(',')
        .map((r) => r.trim())
        .filter(Boolean),
    )
    .pipe(z.array(z.enum(['api', 'worker'])).min(1)),
  ALLOWED_ORIGINS: z
    .string()
    .default('http://localhost:3000,http://127.0.0.1:3000')
    .transform((v) =>
      v
        .split(',')
        .map((o) => o.trim())
        .filter(Boolean),
    ),
  TRUST_PROXY: z.string().default(''),
  BODY_LIMIT_BYTES: int(1024 * 1024, 1024),
  SHUTDOWN_GRACE_MS: int(10_000),
  SSE_HEARTBEAT_MS: int(15_000, 10),
  METRICS_TOKEN: optionalString,
  PUBLIC_WEB_URL: z.url().default('http://localhost:3000'),
  /** Where browsers reach the API: single sign-on's callback URL (registered at the IdP) is built from it. */
  PUBLIC_API_URL: z.url().default('http://localhost:8000'),
  /** Allow `http://` OpenID issuers (tests, a local IdP); unset: allowed except in production. */
  SSO_ALLOW_INSECURE_ISSUERS: z.enum(['true', 'false']).optional(),
  /**
   * Let the API fetch a tenant's OpenID issuer (discovery, keys, token, UserInfo) on loopback, private,
   * link-local or metadata addresses: a tenant owner names the issuer, so this is off by default
   * everywhere (a local IdP in development or tests needs it on).
   */
  SSO_ALLOW_PRIVATE_NETWORKS: bool(false),

  DATABASE_URL: optionalUrl,
  DATABASE_POOL_MAX: int(10, 1),
  /** How long a query may wait for a pool connection before it fails (503 `unavailable`). */
  DATABASE_POOL_ACQUIRE_TIMEOUT_MS: int(10_000, 100),
  AUTO_MIGRATE: bool(true),
  REDIS_URL: optionalUrl,
  REDIS_KEY_PREFIX: z.string().default('agentry:'),
  READINESS_TIMEOUT_MS: int(1500, 50),

  AUTH_ISSUER: z.string().min(1).default('http://localhost:8000'),
  AUTH_AUDIENCE: z.string().min(1).default('agentry-api'),
  AUTH_ACCESS_TOKEN_TTL_SECONDS: int(900, 30),
  AUTH_REFRESH_TOKEN_TTL_SECONDS: int(2_592_000, 60),
  /** A used refresh token answers the same successor for this long (concurrent refreshes); 0 turns it off. */
  AUTH_REFRESH_REUSE_GRACE_SECONDS: z.coerce.number().int().min(0).max(300).default(30),
  AUTH_JWKS_MAX_AGE_SECONDS: int(300),
  AUTH_LOCKOUT_THRESHOLD: int(5, 1),
  AUTH_LOCKOUT_WINDOW_SECONDS: int(900, 1),
  AUTH_LOCKOUT_DURATION_SECONDS: int(900, 1),
  AUTH_PASSWORD_PEPPER: z.string().min(16).default(DEV_SECRETS.AUTH_PASSWORD_PEPPER),
  AUTH_PASSWORD_PEPPER_VERSION: int(1, 1),
  /** Older peppers still accepted, as JSON `{"<version>":"<pepper>"}`, so the pepper can rotate. */
  AUTH_PASSWORD_PEPPERS_PREVIOUS: z
    .string()
    .default('{}')
    .pipe(
      json(
        jsonObjectOf(z.string().min(16), 'pepper version → pepper').refine(
          (peppers) => Object.keys(peppers).every((version) => /^[1-9]\d*$/.test(version)),
          'keys are pepper versions (1, 2, …)',
        ),
      ),
    ),
  AUTH_REFRESH_TOKEN_PEPPER: z.string().min(16).default(DEV_SECRETS.AUTH_REFRESH_TOKEN_PEPPER),
  AUTH_LOGIN_IP_PEPPER: z.string().min(16).default(DEV_SECRETS.AUTH_LOGIN_IP_PEPPER),
  AUTH_BCRYPT_COST: int(12, 4),
  /** Seals secrets stored for tenants and users (MCP headers, TOTP and SSO client secrets). */
  SECRETS_ENCRYPTION_KEY: z.string().min(32).default(DEV_SECRETS.SECRETS_ENCRYPTION_KEY),
  SECRETS_ENCRYPTION_KEY_VERSION: int(1, 1),
  /** Older keys still opening sealed values, as JSON `{"<version>":"<key>"}`, so the key can rotate. */
  SECRETS_ENCRYPTION_KEYS_PREVIOUS: z
    .string()
    .default('{}')
    .pipe(
      json(
        jsonObjectOf(z.string().min(32), 'key version → key').refine(
          (keys) => Object.keys(keys).every((version) => /^[1-9]\d*$/.test(version)),
          'keys are key versions (1, 2, …)',
        ),
      ),
    ),
  /** The signing key set itself (read-only; else the file at AUTH_KEYSET_PATH). */
  AUTH_KEYSET_JSON: json(KeysetSchema).optional(),
  AUTH_KEYSET_PATH: optionalString,
  /** Operator public keys by id, JSON `{"<kid>": <Ed25519 public JWK or base64url raw key>}`. */
  AUTH_OPERATOR_KEYS: z
    .string()
    .default('{}')
    .pipe(json(jsonObjectOf(OperatorPublicKey, 'key id → Ed25519 public key'))),
  SIGNUP_POLICY: z.enum(['open', 'invite_only', 'closed']).default('open'),
  REQUIRE_EMAIL_VERIFICATION: bool(false),
  SMTP_URL: optionalString,
  MAIL_FROM: z.string().default('Agentry <no-reply@agentry.local>'),

  MODEL_PROVIDER: z.enum(['openai', 'offline']).optional(),
  OPENAI_API_KEY: optionalString,
  OPENAI_BASE_URL: optionalUrl,
  OPENAI_API: z.enum(['responses', 'chat_completions']).default('responses'),
  OPENAI_MODEL: z.string().default('gpt-4.1-mini'),
  /** Per-agent model names, JSON `{"<agent>":"<model>"}` (openai provider). */
  OPENAI_AGENT_MODELS: z
    .string()
    .default('{}')
    .pipe(json(jsonObjectOf(z.string().min(1), 'agent name → model name'))),
  OPENAI_AGENTS_TRACING: bool(false),
  OFFLINE_MODEL_DELAY_MS: int(15),
  TAVILY_API_KEY: optionalString,
  /** Tool servers (MCP) on loopback/private/link-local addresses; default: allowed outside production. */
  MCP_ALLOW_PRIVATE_NETWORKS: z
    .enum(['true', 'false', '1', '0', 'yes', 'no', 'on', 'off', ''])
    .optional()
    .transform((v) => (v === undefined || v === '' ? undefined : ['true', '1', 'yes', 'on'].includes(v))),
  MCP_CONNECT_TIMEOUT_MS: int(10_000, 100),
  MCP_CALL_TIMEOUT_MS: int(30_000, 100),
  MCP_RESULT_MAX_CHARS: int(20_000, 100),
  /** The prompt-injection model judge: `model` asks the OpenAI provider about texts the local classifier passed. */
  GUARDRAILS_INJECTION_JUDGE: z.enum(['off', 'model']).default('off'),
  /** The judge's model (default: OPENAI_MODEL). */
  GUARDRAILS_INJECTION_JUDGE_MODEL: optionalString,
  GUARDRAILS_INJECTION_JUDGE_TIMEOUT_MS: int(2000, 100),
  /** A judge that times out or errs lets the text through (`open`) or flags it (`closed`). */
  GUARDRAILS_INJECTION_JUDGE_ON_ERROR: z.enum(['open', 'closed']).default('open'),
  CHAT_MAX_TURNS: int(10, 1),
  /** Files one chat message may carry (at most the contract's 10). */
  MESSAGE_MAX_ATTACHMENTS: z.coerce.number().int().min(1).max(10).default(10),
  /** Extracted text of a message's document attachments the model gets (estimated tokens, all documents together). */
  CHAT_ATTACHMENT_MAX_TOKENS: int(8000, 100),
  /** Whether the configured model takes image input; false: a message with an image ends with run.failed image_input_unsupported. */
  MODEL_IMAGE_INPUT: bool(true),
  /** The model's memory budget per run (estimated tokens); older turns are summarized into one item. */
  AGENT_MEMORY_MAX_TOKENS: int(16_000, 500),
  /** How long a new conversation waits for its title from the model before the run ends without it. */
  CHAT_TITLE_TIMEOUT_MS: int(5000, 50),
  CHAT_RUN_TIMEOUT_MS: int(120_000, 1000),
  /** The replica running a run refreshes its heartbeat this often; the reaper ends runs silent for CHAT_RUN_STALE_MS. */
  CHAT_RUN_HEARTBEAT_MS: int(10_000, 50),
  CHAT_RUN_STALE_MS: int(60_000, 200),
  /** How often the stale-run reaper job runs (on processes with the worker role). */
  CHAT_RUN_REAPER_INTERVAL_MS: int(30_000, 100),
  /** A run paused for approval longer than this ends with run.failed approval_expired (the reaper). */
  APPROVAL_TTL_SECONDS: int(86_400, 1),
  RUN_EVENTS_RETENTION_SECONDS: int(3600, 60),
  /** Audit events older than this are purged (the only DELETE the audit table allows). */
  AUDIT_RETENTION_DAYS: int(365, 1),
  /** How often the audit retention purge runs (on processes with the worker role). */
  AUDIT_PURGE_INTERVAL_MS: int(6 * 3600_000, 1000),
  /** A deprovisioned tenant's rows are deleted this many days later (0: at once). */
  TENANT_DATA_RETENTION_DAYS: int(30, 0),
  /** How often the deletion of deprovisioned tenants that are due runs (worker role). */
  TENANT_DELETION_INTERVAL_MS: int(3600_000, 1000),

  ENABLE_BILLING: bool(false),
  STRIPE_SECRET_KEY: optionalString,
  STRIPE_WEBHOOK_SECRET: optionalString,
  /** `pk_…`: handed to the browser with each SetupIntent so it can load Stripe Elements (public by design). */
  STRIPE_PUBLISHABLE_KEY: optionalString,
  STRIPE_API_BASE_URL: optionalUrl,
  /** Stripe price ids by plan code, JSON `{"<plan_code>":"price_…"}`; they win over the database's. */
  STRIPE_PRODUCT_PRICE_MAP: z
    .string()
    .default('{}')
    .pipe(json(jsonObjectOf(z.string().min(1), 'plan code → Stripe price id'))),
  STRIPE_WEBHOOK_TOLERANCE_SECONDS: int(300, 1),
  STRIPE_EVENT_MAX_ATTEMPTS: int(8, 1),
  /** Base of the exponential backoff between Stripe event dispatch attempts. */
  STRIPE_EVENT_BACKOFF_MS: int(2000, 1),
  /** SDK retries of transient Stripe failures (connection errors, 409, 5xx) per call. */
  STRIPE_MAX_NETWORK_RETRIES: int(2),

  RATE_LIMIT_CHAT_PER_MINUTE: int(60),
  RATE_LIMIT_CHAT_STREAM_PER_MINUTE: int(30),
  RATE_LIMIT_CHAT_STREAM_CONCURRENCY: int(5),
  /** Running chat runs of a whole tenant (all its users together); 0 = no tenant-wide cap. */
  RATE_LIMIT_CHAT_STREAM_CONCURRENCY_PER_TENANT: int(100),
  RATE_LIMIT_BILLING_STREAM_CONCURRENCY: int(3),
  RATE_LIMIT_LOGIN_PER_IP_PER_MINUTE: int(20),
  RATE_LIMIT_SHARED_READ_PER_IP_PER_MINUTE: int(60),
  /** Length of the "per minute" windows; only tests shorten it. */
  RATE_LIMIT_WINDOW_SECONDS: int(60, 1),
  /** A stream's concurrency lease lives this long unless renewed (renewed every third of it). */
  RATE_LIMIT_LEASE_TTL_MS: int(30_000, 100),
  /** Longest wait on the limiter's store (Redis) before a quota fails open. */
  RATE_LIMIT_STORE_TIMEOUT_MS: int(250, 10),

  OTEL_EXPORTER_OTLP_ENDPOINT: optionalUrl,

  /** Largest accepted upload (API.md "Files and knowledge"); larger is 413. */
  FILES_MAX_BYTES: int(26_214_400, 1),
  STORAGE_DRIVER: z.enum(['local', 's3']).default('local'),
  S3_BUCKET: optionalString,
  S3_ENDPOINT: optionalUrl,
  S3_REGION: z.string().default('us-east-1'),
  S3_ACCESS_KEY_ID: optionalString,
  S3_SECRET_ACCESS_KEY: optionalString,
  S3_FORCE_PATH_STYLE: bool(false),
  EMBEDDINGS_PROVIDER: z.enum(['openai', 'offline']).optional(),
  OPENAI_EMBEDDINGS_MODEL: z.string().default('text-embedding-3-small'),
  /** Objects with no file row older than this are removed by the cleanup job (worker role). */
  FILES_ORPHAN_MINUTES: int(60, 1),
  FILES_CLEANUP_INTERVAL_MS: int(3600_000, 1000),
});

export type Env = z.input<typeof EnvSchema>;

function shape(e: z.output<typeof EnvSchema>) {
  const dataDir = path.resolve(e.INIT_CWD ?? process.cwd(), e.DATA_DIR);
  const modelProvider = e.MODEL_PROVIDER ?? (e.OPENAI_API_KEY ? 'openai' : 'offline');
  return {
    env: e.NODE_ENV,
    isProduction: e.NODE_ENV === 'production',
    logLevel: e.LOG_LEVEL,
    roles: e.AGENTRY_ROLES,
    dataDir,
    http: {
      port: e.PORT,
      host: e.HOST,
      allowedOrigins: e.ALLOWED_ORIGINS,
      trustProxy: e.TRUST_PROXY,
      bodyLimitBytes: e.BODY_LIMIT_BYTES,
      shutdownGraceMs: e.SHUTDOWN_GRACE_MS,
      sseHeartbeatMs: e.SSE_HEARTBEAT_MS,
      metricsToken: e.METRICS_TOKEN,
      publicWebUrl: e.PUBLIC_WEB_URL,
    },
    db: {
      url: e.DATABASE_URL,
      poolMax: e.DATABASE_POOL_MAX,
      acquireTimeoutMs: e.DATABASE_POOL_ACQUIRE_TIMEOUT_MS,
      autoMigrate: e.AUTO_MIGRATE,
      dataDir: path.join(dataDir, 'pglite'),
    },
    redis: { url: e.REDIS_URL, keyPrefix: e.REDIS_KEY_PREFIX },
    readinessTimeoutMs: e.READINESS_TIMEOUT_MS,
    sso: {
      publicApiUrl: e.PUBLIC_API_URL,
      allowInsecureIssuers: e.SSO_ALLOW_INSECURE_ISSUERS
        ? e.SSO_ALLOW_INSECURE_ISSUERS === 'true'
        : e.NODE_ENV !== 'production',
      allowPrivateNetworks: e.SSO_ALLOW_PRIVATE_NETWORKS,
    },
    auth: {
      issuer: e.AUTH_ISSUER,
      audience: e.AUTH_AUDIENCE,
      accessTokenTtlSeconds: e.AUTH_ACCESS_TOKEN_TTL_SECONDS,
      refreshTokenTtlSeconds: e.AUTH_REFRESH_TOKEN_TTL_SECONDS,
      refreshReuseGraceSeconds: e.AUTH_REFRESH_REUSE_GRACE_SECONDS,
      jwksMaxAgeSeconds: e.AUTH_JWKS_MAX_AGE_SECONDS,
      lockoutThreshold: e.AUTH_LOCKOUT_THRESHOLD,
      lockoutWindowSeconds: e.AUTH_LOCKOUT_WINDOW_SECONDS,
      lockoutDurationSeconds: e.AUTH_LOCKOUT_DURATION_SECONDS,
      passwordPepper: e.AUTH_PASSWORD_PEPPER,
      passwordPepperVersion: e.AUTH_PASSWORD_PEPPER_VERSION,
      /** Older peppers by version (still verify; a login re-wraps the hash under the current one). */
      passwordPeppersPrevious: e.AUTH_PASSWORD_PEPPERS_PREVIOUS,
      refreshTokenPepper: e.AUTH_REFRESH_TOKEN_PEPPER,
      ipPepper: e.AUTH_LOGIN_IP_PEPPER,
      bcryptCost: e.AUTH_BCRYPT_COST,
      /** The key set from AUTH_KEYSET_JSON (read-only storage), or undefined: the file at keysetPath. */
      keyset: e.AUTH_KEYSET_JSON,
      keysetPath: e.AUTH_KEYSET_PATH ?? path.join(dataDir, 'keys', 'keyset.json'),
      keysetPathIsDefault: e.AUTH_KEYSET_PATH === undefined && e.AUTH_KEYSET_JSON === undefined,
      /** Operator Ed25519 public keys: key id → base64url raw key (`x`). */
      operatorKeys: e.AUTH_OPERATOR_KEYS,
      signupPolicy: e.SIGNUP_POLICY,
      requireEmailVerification: e.REQUIRE_EMAIL_VERIFICATION,
    },
    secrets: {
      key: e.SECRETS_ENCRYPTION_KEY,
      version: e.SECRETS_ENCRYPTION_KEY_VERSION,
      previous: e.SECRETS_ENCRYPTION_KEYS_PREVIOUS,
    },
    mail: { smtpUrl: e.SMTP_URL, from: e.MAIL_FROM },
    models: {
      provider: modelProvider,
      openaiApiKey: e.OPENAI_API_KEY,
      openaiBaseUrl: e.OPENAI_BASE_URL,
      openaiApi: e.OPENAI_API,
      openaiModel: e.OPENAI_MODEL,
      agentModels: e.OPENAI_AGENT_MODELS,
      tracing: e.OPENAI_AGENTS_TRACING,
      offlineDelayMs: e.OFFLINE_MODEL_DELAY_MS,
    },
    tools: { tavilyApiKey: e.TAVILY_API_KEY },
    guardrails: {
      injectionJudge: {
        mode: e.GUARDRAILS_INJECTION_JUDGE,
        model: e.GUARDRAILS_INJECTION_JUDGE_MODEL ?? e.OPENAI_MODEL,
        timeoutMs: e.GUARDRAILS_INJECTION_JUDGE_TIMEOUT_MS,
        onError: e.GUARDRAILS_INJECTION_JUDGE_ON_ERROR,
      },
    },
    mcp: {
      allowPrivateNetworks: e.MCP_ALLOW_PRIVATE_NETWORKS ?? e.NODE_ENV !== 'production',
      connectTimeoutMs: e.MCP_CONNECT_TIMEOUT_MS,
      callTimeoutMs: e.MCP_CALL_TIMEOUT_MS,
      resultMaxChars: e.MCP_RESULT_MAX_CHARS,
    },
    chat: {
      maxTurns: e.CHAT_MAX_TURNS,
      maxAttachments: e.MESSAGE_MAX_ATTACHMENTS,
      attachmentMaxTokens: e.CHAT_ATTACHMENT_MAX_TOKENS,
      imageInput: e.MODEL_IMAGE_INPUT,
      memoryMaxTokens: e.AGENT_MEMORY_MAX_TOKENS,
      titleTimeoutMs: e.CHAT_TITLE_TIMEOUT_MS,
      runTimeoutMs: e.CHAT_RUN_TIMEOUT_MS,
      heartbeatMs: e.CHAT_RUN_HEARTBEAT_MS,
      staleMs: e.CHAT_RUN_STALE_MS,
      reaperIntervalMs: e.CHAT_RUN_REAPER_INTERVAL_MS,
      approvalTtlSeconds: e.APPROVAL_TTL_SECONDS,
      eventRetentionSeconds: e.RUN_EVENTS_RETENTION_SECONDS,
    },
    audit: {
      retentionDays: e.AUDIT_RETENTION_DAYS,
      purgeIntervalMs: e.AUDIT_PURGE_INTERVAL_MS,
    },
    tenants: {
      dataRetentionDays: e.TENANT_DATA_RETENTION_DAYS,
      deletionIntervalMs: e.TENANT_DELETION_INTERVAL_MS,
    },
    stripe: {
      enabled: e.ENABLE_BILLING,
      secretKey: e.STRIPE_SECRET_KEY,
      webhookSecret: e.STRIPE_WEBHOOK_SECRET,
      publishableKey: e.STRIPE_PUBLISHABLE_KEY,
      apiBaseUrl: e.STRIPE_API_BASE_URL,
      priceMap: e.STRIPE_PRODUCT_PRICE_MAP,
      webhookToleranceSeconds: e.STRIPE_WEBHOOK_TOLERANCE_SECONDS,
      eventMaxAttempts: e.STRIPE_EVENT_MAX_ATTEMPTS,
      eventBackoffMs: e.STRIPE_EVENT_BACKOFF_MS,
      maxNetworkRetries: e.STRIPE_MAX_NETWORK_RETRIES,
    },
    limits: {
      chatPerMinute: e.RATE_LIMIT_CHAT_PER_MINUTE,
      chatStreamPerMinute: e.RATE_LIMIT_CHAT_STREAM_PER_MINUTE,
      chatStreamConcurrency: e.RATE_LIMIT_CHAT_STREAM_CONCURRENCY,
      chatStreamConcurrencyPerTenant: e.RATE_LIMIT_CHAT_STREAM_CONCURRENCY_PER_TENANT,
      billingStreamConcurrency: e.RATE_LIMIT_BILLING_STREAM_CONCURRENCY,
      loginPerIpPerMinute: e.RATE_LIMIT_LOGIN_PER_IP_PER_MINUTE,
      sharedReadPerIpPerMinute: e.RATE_LIMIT_SHARED_READ_PER_IP_PER_MINUTE,
      windowSeconds: e.RATE_LIMIT_WINDOW_SECONDS,
      leaseTtlMs: e.RATE_LIMIT_LEASE_TTL_MS,
      storeTimeoutMs: e.RATE_LIMIT_STORE_TIMEOUT_MS,
    },
    otel: { endpoint: e.OTEL_EXPORTER_OTLP_ENDPOINT },
    files: {
      maxBytes: e.FILES_MAX_BYTES,
      driver: e.STORAGE_DRIVER,
      dir: path.join(dataDir, 'files'),
      s3: {
        bucket: e.S3_BUCKET,
        endpoint: e.S3_ENDPOINT,
        region: e.S3_REGION,
        accessKeyId: e.S3_ACCESS_KEY_ID,
        secretAccessKey: e.S3_SECRET_ACCESS_KEY,
        forcePathStyle: e.S3_FORCE_PATH_STYLE,
      },
      orphanMinutes: e.FILES_ORPHAN_MINUTES,
      cleanupIntervalMs: e.FILES_CLEANUP_INTERVAL_MS,
    },
    embeddings: {
      provider: e.EMBEDDINGS_PROVIDER ?? (modelProvider === 'openai' ? ('openai' as const) : ('offline' as const)),
      model: e.OPENAI_EMBEDDINGS_MODEL,
    },
  };
}

export type DeepReadonly<T> = { readonly [K in keyof T]: T[K] extends object ? DeepReadonly<T[K]> : T[K] };
export type Config = DeepReadonly<ReturnType<typeof shape>>;

export class ConfigError extends Error {
  override name = 'ConfigError';
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  }
}

/** Cross-field rules the schema alone cannot state. */
function crossFieldProblems(c: ReturnType<typeof shape>): string[] {
  const problems: string[] = [];
  if (c.stripe.enabled) {
    if (!c.stripe.secretKey) problems.push('STRIPE_SECRET_KEY: required when ENABLE_BILLING=true');
    if (!c.stripe.webhookSecret) problems.push('STRIPE_WEBHOOK_SECRET: required when ENABLE_BILLING=true');
  }
  if (c.files.driver === 's3' && !c.files.s3.bucket) problems.push('S3_BUCKET: required when STORAGE_DRIVER=s3');
  if (c.embeddings.provider === 'openai' && !c.models.openaiApiKey && !c.models.openaiBaseUrl)
    problems.push('OPENAI_API_KEY: required when EMBEDDINGS_PROVIDER=openai (or set OPENAI_BASE_URL)');
  if (c.models.provider === 'openai' && !c.models.openaiApiKey && !c.models.openaiBaseUrl)
    problems.push('OPENAI_API_KEY: required when MODEL_PROVIDER=openai (or set OPENAI_BASE_URL)');
  if (c.guardrails.injectionJudge.mode === 'model' && c.models.provider !== 'openai')
    problems.push(
      'GUARDRAILS_INJECTION_JUDGE: model needs the OpenAI provider (MODEL_PROVIDER=openai with OPENAI_API_KEY or OPENAI_BASE_URL)',
    );
  return problems;
}

function freeze<T>(o: T): T {
  if (o && typeof o === 'object') {
    for (const v of Object.values(o)) freeze(v);
    Object.freeze(o);
  }
  return o;
}

/** Parses an environment into a Config, or throws one ConfigError listing every problem. */
export function parseConfig(env: Record<string, string | undefined>): Config {
  // An empty value means unset, as in `.env.example` where most variables are listed blank.
  const present = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v.trim() !== ''));
  const result = EnvSchema.safeParse(present);
  if (!result.success) {
    throw new ConfigError(result.error.issues.map((i) => `${i.path.join('.') || '(env)'}: ${i.message}`));
  }
  const shaped = shape(result.data);
  const problems = crossFieldProblems(shaped);
  if (problems.length) throw new ConfigError(problems);
  return freeze(shaped);
}

let cached: Config | undefined;
/** The process configuration, parsed from `process.env` on first use. */
export function loadConfig(): Config {
  cached ??= parseConfig(process.env);
  return cached;
}
/** Forget the cached configuration (tests). */
export function resetConfig(): void {
  cached = undefined;
}
