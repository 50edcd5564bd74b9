import type { FastifyInstance } from 'fastify';
import type { PlatformContext } from '../../platform/context.js';
import { McpRunTools } from './mcp-tools.js';
import { McpRepo, type McpServerRow } from './mcp.repo.js';
import { TenantCache } from '../../platform/tenant-cache.js';
import { mcpRoutes } from './mcp.routes.js';
import { McpService } from './mcp.service.js';
import { createGuardedFetch } from '../../platform/ssrf.js';

/**
 * Tool servers (MCP) of each tenant: the CRUD routes, and `runTools`, the per-run source of their
 * tools that chat hands to agents with the `mcp` capability.
 */
export function createMcpModule(ctx: PlatformContext) {
  const { config, database } = ctx;
  const repo = new McpRepo();
  const connect = {
    fetch: createGuardedFetch(config.mcp.allowPrivateNetworks),
    connectTimeoutMs: config.mcp.connectTimeoutMs,
    callTimeoutMs: config.mcp.callTimeoutMs,
    logger: ctx.logger,
  };
  // Every run reads the tenant's servers: cached, and dropped on every replica when they change.
  const servers = new TenantCache<McpServerRow[]>({ pubsub: ctx.ports.pubsub, channel: 'mcp:changed', ttlMs: 60_000 });
  ctx.onShutdown(() => servers.stop());
  const service = new McpService({
    database,
    repo,
    servers,
    secrets: ctx.secrets,
    audit: ctx.audit,
    allowPrivateNetworks: config.mcp.allowPrivateNetworks,
    connect,
  });
  const runTools = new McpRunTools({
    database,
    repo,
    headersOf: (row) => service.headersOf(row),
    connect,
    maxResultChars: config.mcp.resultMaxChars,
    logger: ctx.logger,
    servers,
  });
  return {
    service,
    runTools,
    async register(app: FastifyInstance) {
      await app.register(mcpRoutes(service));
    },
  };
}

export type McpModule = ReturnType<typeof createMcpModule>;
