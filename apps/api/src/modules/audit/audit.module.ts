import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import type { Config } from '../../config.js';
import type { PlatformContext } from '../../platform/context.js';
import type { Database } from '../../platform/db/client.js';
import { StoredAuditLog } from './audit-log.js';
import { AuditRetention } from './audit-retention.js';
import { AuditRepo } from './audit.repo.js';
import { auditRoutes } from './audit.routes.js';
import { AuditService } from './audit.service.js';

/** The stored audit log alone (the composition root puts it in the context before any module; the CLI too). */
export function createAuditLog(database: Database, logger: Logger): StoredAuditLog {
  return new StoredAuditLog({ database, repo: new AuditRepo(), logger });
}

/**
 * Audit: the append-only log of who did what in a tenant (API.md "Tenant operations and audit").
 * Every module records through `ctx.audit.record(...)`; this module stores, lists, exports and
 * purges (retention) the events.
 */
export async function createAuditModule(ctx: PlatformContext, config: Config = ctx.config) {
  const repo = new AuditRepo();
  const retention = new AuditRetention({
    database: ctx.database,
    repo,
    jobs: ctx.ports.jobs,
    logger: ctx.logger,
    retentionDays: config.audit.retentionDays,
    intervalMs: config.audit.purgeIntervalMs,
  });
  if (config.roles.includes('worker')) {
    await retention.startWorker();
    ctx.onShutdown(() => retention.stop());
  }
  const service = new AuditService({ database: ctx.database, repo });
  return {
    service,
    retention,
    async register(app: FastifyInstance) {
      await app.register(auditRoutes(service));
    },
  };
}

export type AuditModule = Awaited<ReturnType<typeof createAuditModule>>;
