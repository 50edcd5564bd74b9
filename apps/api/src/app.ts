import fastify, { LogController, type FastifyInstance } from 'fastify';
import { serializerCompiler, validatorCompiler, type ZodTypeProvider } from 'fastify-type-provider-zod';
import type { Logger } from 'pino';
import type { Config } from './config.js';
import type { Database } from './platform/db/client.js';
import type { Ports } from './platform/ports/index.js';
import { Metrics } from './platform/metrics.js';
import { SseRegistry } from './platform/sse.js';
import { frameworkErrorHandler, installErrorHandling } from './platform/http/problem.js';
import { installHttpPlatform, requestIdFor } from './platform/http/plugins.js';
import { installAuthGuard } from './platform/http/auth-guard.js';
import { GracefulShutdown } from './platform/http/graceful-shutdown.js';
import { lazyChildLogger, loggerOptions } from './platform/logger.js';
import { installHttpTracing } from './platform/telemetry.js';
import { instrumentJobQueue, registerStreamGauge } from './platform/machinery-metrics.js';
import type { PlatformContext } from './platform/context.js';
import { auditRequestScope } from './platform/audit.js';
import { createSecretBox } from './platform/secret-box.js';
import { version } from './version.js';
import { createHealthModule } from './modules/health/health.module.js';
import { createMailModule } from './modules/mail/mail.module.js';
import { createSessionsModule } from './modules/auth/sessions/sessions.module.js';
import { UserDirectory } from './modules/auth/accounts/account-directory.js';
import { createTenantsModule, seatCounter } from './modules/tenants/tenants.module.js';
import { createAccountsModule } from './modules/auth/accounts/accounts.module.js';
import { registerRateLimits } from './modules/ratelimit/ratelimit.module.js';
import { createBillingModule } from './modules/billing/billing.module.js';
import { createConversationsModule } from './modules/conversations/conversations.module.js';
import { createAgentsModule } from './modules/agents/agents.module.js';
import { createChatModule } from './modules/chat/chat.module.js';
import { createMcpModule } from './modules/mcp/mcp.module.js';
import { createAuditLog, createAuditModule } from './modules/audit/audit.module.js';
import { createOperatorsModule } from './modules/operators/operators.module.js';
import { createGuardrailsModule } from './modules/guardrails/guardrails.module.js';
import { createAccountDataModule } from './modules/account-data/account-data.module.js';
import { createFilesModule, storageCounter } from './modules/files/files.module.js';
import { SuspendedTenants } from './modules/tenants/suspended-tenants.js';
import { TenantsRepo } from './modules/tenants/tenants.repo.js';

export interface AppDeps {
  database: Database;
  ports: Ports;
  /** A logger to use instead of a new one (tests capture lines through it). */
  logger?: Logger;
}

/**
 * The composition root: platform plugins, then each module with the services it needs, passed in
 * explicitly. Owns nothing it was given: closing the app does not close `database` or `ports`.
 */
export async function buildApp(config: Config, deps: AppDeps): Promise<FastifyInstance> {
  const app = fastify({
    ...(deps.logger ? { loggerInstance: deps.logger } : { logger: loggerOptions(config.logLevel) }),
    genReqId: (req) => requestIdFor(req.headers['x-request-id']),
    logController: new LogController({ requestIdLogLabel: 'request_id' }),
    // request.log (with request_id) is made when the first line is written through it, not per request.
    childLoggerFactory: (logger, bindings, options) => lazyChildLogger(logger as Logger, bindings, options),
    bodyLimit: config.http.bodyLimitBytes,
    trustProxy: parseTrustProxy(config.http.trustProxy),
    return503OnClosing: true,
    frameworkErrors: frameworkErrorHandler,
  }).withTypeProvider<ZodTypeProvider>() as unknown as FastifyInstance;
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);

  const metrics = new Metrics();
  const sse = new SseRegistry();
  const shutdown: (() => Promise<void> | void)[] = [];
  const ctx: PlatformContext = {
    config,
    database: deps.database,
    // Same ports, with job metrics and logs around the queue (jobs_processed_total, job_duration_seconds…).
    ports: { ...deps.ports, jobs: instrumentJobQueue(deps.ports.jobs, metrics, app.log as Logger) },
    metrics,
    logger: app.log as Logger,
    sse,
    audit: createAuditLog(deps.database, app.log as Logger),
    secrets: createSecretBox(config.secrets),
    onShutdown: (fn) => shutdown.push(fn),
  };
  registerStreamGauge(metrics, sse);
  // main.ts drains before close on SIGTERM; half the grace leaves the rest to workers and pools.
  const drain = new GracefulShutdown(app.server, {
    closeStreams: () => sse.closeAll(),
    deadlineMs: Math.floor(config.http.shutdownGraceMs / 2),
  });
  app.decorate('drain', () => drain.drain());

  installErrorHandling(app);
  // Request id, CORS and security headers run before the guard so a 401 carries them too.
  await installHttpPlatform(app, config, metrics, version);
  if (config.otel.endpoint) installHttpTracing(app); // spans go to the provider main.ts registered
  // Audit events take the IP, user agent and request id of the request being served. Entered in
  // preHandler (after the body is parsed) so the handler and everything it awaits run inside it.
  // On every request, GETs too: a GET can write audit events (the SSO callback's provisioning,
  // `member.joined`), and entering the scope is not the cost — on Node 20 that is the promise hook the store keeps
  // on for every promise once any request entered it; Node 24 has none (docs/performance.md).
  app.addHook('preHandler', (request, _reply, done) => {
    const ua = request.headers['user-agent'];
    auditRequestScope.run(
      { ip: request.ip ?? null, userAgent: typeof ua === 'string' ? ua : null, requestId: String(request.id) },
      done,
    );
  });
  // Suspended tenants are known before the guard: their tokens get 403 tenant_suspended.
  const suspended = new SuspendedTenants({ database: deps.database, repo: new TenantsRepo(), ports: ctx.ports });
  await suspended.start();
  shutdown.push(() => suspended.stop());
  // Sessions first: the guard verifies the callers of every route registered after it with their authenticator.
  const sessions = await createSessionsModule(ctx, { isSuspended: (tenantId) => suspended.has(tenantId) });
  installAuthGuard(app, sessions.authenticator);
  // Rate limits next: they enforce and document the quotas every route registered after them
  // declares in config.rateLimit (an unknown quota fails here, at start-up).
  registerRateLimits(app, ctx);

  // Health and metrics answer in every role, a worker-only process too.
  const health = createHealthModule(ctx, () => drain.draining);
  await health.register(app);

  // ── modules ────────────────────────────────────────────────────────────────────────────────
  // Each module is created with the platform context and the services of the modules it uses.
  // Identity, each built from the ones before it: tenants read accounts only through the directory
  // and end members' sessions through the revoker; accounts sign users into tenants.
  const audit = await createAuditModule(ctx);
  // Billing before tenants and chat: it sets the seat limit tenants enforce (tenants count the seats
  // in use for it), and chat takes its usage hooks (plan limits, metering) as `usage`.
  const billing = createBillingModule(ctx, {
    seatsInUse: seatCounter(ctx.database),
    storageInUse: storageCounter(ctx.database),
  });
  const mail = createMailModule(ctx);
  const tenants = createTenantsModule(ctx, {
    mailer: mail.mailer,
    accounts: new UserDirectory(ctx.database),
    sessions: sessions.revoker,
    seats: billing.seatLimits,
  });
  const accounts = createAccountsModule(ctx, { mailer: mail.mailer, sessions, tenants: tenants.service });
  const conversations = createConversationsModule(ctx);
  const guardrails = await createGuardrailsModule(ctx);
  // Files and knowledge: the plan's storage_bytes limits uploads (billing on or off).
  const files = await createFilesModule(ctx, { quota: billing.storageLimits });
  health.service.setDetail('knowledge', files.readiness);
  const agents = createAgentsModule(ctx, { conversations: conversations.service, knowledge: files.service });
  // Tenants' tool servers (MCP): their tools join the agents' per run.
  const mcp = createMcpModule(ctx);
  // Chat runs agents in conversations; billing plugs its usage hooks in as `usage`.
  const chat = await createChatModule(ctx, {
    agents: agents.service,
    conversations: conversations.service,
    turns: conversations.turns,
    assistant: agents.assistant,
    usage: billing.usageHooks,
    guardrails: guardrails.service,
    runTools: mcp.runTools,
    attachments: files.attachments,
  });

  // Platform operators read and act on every tenant through the services above.
  const operators = await createOperatorsModule({
    tenants: tenants.service,
    sessions: sessions.revoker,
    status: suspended,
    runs: chat.runs,
    billing,
    database: deps.database,
    jobs: ctx.ports.jobs,
    logger: ctx.logger,
    retentionDays: config.tenants.dataRetentionDays,
    deletionIntervalMs: config.tenants.deletionIntervalMs,
    worker: config.roles.includes('worker'),
    onShutdown: ctx.onShutdown,
  });

  // A person's export and account deletion: every module's tables, and the tenant deletion of operators.
  const accountData = createAccountDataModule({
    database: deps.database,
    logger: ctx.logger,
    audit: ctx.audit,
    reauth: accounts.reauth,
    users: accounts.users,
    sessions: sessions.revoker,
    tenants: operators.service,
  });

  // A worker-only process runs jobs and answers /health and /metrics, but serves no API routes.
  if (config.roles.includes('api')) {
    await sessions.register(app);
    await audit.register(app);
    await accounts.register(app);
    await tenants.register(app);
    await billing.register(app);
    await agents.register(app);
    await conversations.register(app);
    await chat.register(app);
    await guardrails.register(app);
    await mcp.register(app);
    await files.register(app);
    await operators.register(app);
    await accountData.register(app);
  }

  // The agents SDK is not loaded at start: its agents are built once the app is ready (just before
  // it listens), in the background, so the first chat (or resumed run) does not wait for them.
  app.addHook('onReady', async () => agents.warmUp());
  // Streams end first so the server can finish closing; then module workers and subscriptions.
  app.addHook('preClose', async () => sse.closeAll());
  // Side by side: each stop is bounded on its own (an unsubscribe with Redis away waits ~1 s), and in
  // sequence they added up past SHUTDOWN_GRACE_MS after the HTTP drain.
  app.addHook('onClose', async () => {
    await Promise.all(shutdown.map((fn) => fn()));
  });
  return app;
}

/** `TRUST_PROXY`: empty/false (socket address), true, a hop count, or a list of proxy addresses/CIDRs. */
function parseTrustProxy(value: string): boolean | string | ((address: string, hop: number) => boolean) {
  if (value === '' || value === 'false') return false;
  if (value === 'true') return true;
  if (/^\d+$/.test(value)) {
    const hops = Number(value);
    return (_address, hop) => hop < hops;
  }
  return value;
}
