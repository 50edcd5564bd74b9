import crypto from 'node:crypto';
import type { CreateMcpServerRequest, McpServer, UpdateMcpServerRequest } from '@agentry/contracts';
import type { z } from 'zod';
import type {
  CreateMcpServerRequest as CreateSchema,
  UpdateMcpServerRequest as UpdateSchema,
} from '@agentry/contracts';
import { actorOf, type AuditLog } from '../../platform/audit.js';
import type { Caller } from '../../platform/caller.js';
import type { Database } from '../../platform/db/client.js';
import { AppError } from '../../platform/errors.js';
import type { SecretBox } from '../../platform/secret-box.js';
import {
  describeMcpError,
  listMcpTools,
  type McpConnectOptions,
  type McpEndpoint,
  secretsOf,
} from './mcp-connection.js';
import { toolRequiresApproval } from './mcp-tools.js';
import type { McpRepo, McpServerRow } from './mcp.repo.js';
import type { CachedMcpTool } from './mcp.tables.js';
import type { TenantCache } from '../../platform/tenant-cache.js';
import { assertPublicUrl, BlockedAddressError, type Resolver } from '../../platform/ssrf.js';

type CreateInput = z.output<typeof CreateSchema>;
type UpdateInput = z.output<typeof UpdateSchema>;
export type { CreateMcpServerRequest, UpdateMcpServerRequest };

export interface McpServiceDeps {
  database: Database;
  repo: McpRepo;
  secrets: SecretBox;
  audit: AuditLog;
  allowPrivateNetworks: boolean;
  connect: McpConnectOptions;
  /** DNS for the save-time check (tests may pin it). */
  resolve?: Resolver;
  /** What runs read of the tenant's servers: invalidated after every change. */
  servers?: TenantCache<McpServerRow[]>;
}

/** The sealing context binds a server's headers to its row: a sealed value moved to another row does not open. */
const headersContext = (tenantId: string, id: string) => `mcp_server.headers:${tenantId}:${id}`;

/** A server as the API shows it: header names, never their values. */
export function mcpServerView(row: McpServerRow): McpServer {
  return {
    id: row.id,
    name: row.name,
    url: row.url,
    transport: row.transport as McpServer['transport'],
    header_names: [...row.headerNames],
    allowed_tools: row.allowedTools ? [...row.allowedTools] : null,
    require_approval: row.requireApproval,
    enabled: row.enabled,
    status: row.status === 'ok' ? 'ok' : 'error',
    last_error: row.lastError,
    tools: row.tools.map((t) => ({
      name: t.name,
      description: t.description,
      requires_approval: toolRequiresApproval(row.requireApproval, t.name),
    })),
    created_at: row.createdAt.toISOString(),
    updated_at: row.updatedAt.toISOString(),
  };
}

/** A tenant's tool servers (API.md "Tool servers (MCP) and approvals"). */
export class McpService {
  constructor(private readonly deps: McpServiceDeps) {}

  toView(row: McpServerRow): McpServer {
    return mcpServerView(row);
  }

  /** A server's headers, opened (only to connect; never returned or logged). */
  headersOf(row: McpServerRow): Record<string, string> {
    if (!row.headersSealed) return {};
    return JSON.parse(this.deps.secrets.open(row.headersSealed, headersContext(row.tenantId, row.id))) as Record<
      string,
      string
    >;
  }

  /** The headers, or none when they cannot be opened (the connection then reports what the server says). */
  private headersOrNone(row: McpServerRow): Record<string, string> {
    try {
      return this.headersOf(row);
    } catch {
      return {};
    }
  }

  async list(caller: Caller): Promise<McpServer[]> {
    return (await this.deps.repo.list(this.deps.database.db, caller.tenantId)).map((r) => this.toView(r));
  }

  /** Every server of a tenant, for operators (`agentry mcp list`). */
  async listForTenant(tenantId: string): Promise<McpServer[]> {
    return (await this.deps.repo.list(this.deps.database.db, tenantId)).map((r) => this.toView(r));
  }

  async get(caller: Caller, id: string): Promise<McpServer> {
    return this.toView(await this.row(caller, id));
  }

  async create(caller: Caller, input: CreateInput): Promise<McpServer> {
    const db = this.deps.database.db;
    if (await this.deps.repo.findByName(db, caller.tenantId, input.name)) {
      throw new AppError('conflict', `A tool server named ${input.name} exists.`, {
        errors: [{ path: 'name', message: 'already used in this tenant' }],
      });
    }
    await this.checkUrl(input.url);
    const id = crypto.randomUUID();
    const headers = input.headers ?? {};
    const probe = await this.probe({ name: input.name, url: input.url, transport: input.transport, headers });
    const row = await this.deps.database.db.transaction(async (tx) => {
      const inserted = await this.deps.repo.insertNew(tx, {
        id,
        tenantId: caller.tenantId,
        name: input.name,
        url: input.url,
        transport: input.transport,
        headersSealed: this.seal(caller.tenantId, id, headers),
        headerNames: Object.keys(headers),
        allowedTools: input.allowed_tools ?? null,
        requireApproval: input.require_approval,
        enabled: true,
        createdBy: caller.userId,
        ...probe,
      });
      if (!inserted) {
        throw new AppError('conflict', `A tool server named ${input.name} exists.`, {
          errors: [{ path: 'name', message: 'already used in this tenant' }],
        });
      }
      await this.deps.audit.record(tx, {
        tenantId: caller.tenantId,
        action: 'mcp_server.created',
        actor: actorOf(caller),
        target: { type: 'mcp_server', id },
        metadata: { name: input.name, transport: input.transport, status: probe.status },
      });
      return inserted;
    });
    await this.changed(caller.tenantId);
    return this.toView(row);
  }

  async update(caller: Caller, id: string, input: UpdateInput): Promise<McpServer> {
    const current = await this.row(caller, id);
    if (Object.keys(input).length === 0) throw new AppError('empty_update', 'Nothing to change.');
    if (input.url !== undefined) await this.checkUrl(input.url);
    const changes: Parameters<McpRepo['update']>[3] = {};
    if (input.url !== undefined) changes.url = input.url;
    if (input.headers !== undefined) {
      changes.headersSealed = this.seal(caller.tenantId, id, input.headers);
      changes.headerNames = Object.keys(input.headers);
    }
    if (input.allowed_tools !== undefined) changes.allowedTools = input.allowed_tools;
    if (input.require_approval !== undefined) changes.requireApproval = input.require_approval;
    if (input.enabled !== undefined) changes.enabled = input.enabled;
    // A new address or new credentials: list the tools again with them.
    if (input.url !== undefined || input.headers !== undefined) {
      Object.assign(
        changes,
        await this.probe({
          name: current.name,
          url: input.url ?? current.url,
          transport: current.transport as McpEndpoint['transport'],
          headers: input.headers ?? this.headersOrNone(current),
        }),
      );
    }
    const row = await this.deps.database.db.transaction(async (tx) => {
      const updated = await this.deps.repo.update(tx, caller.tenantId, id, changes);
      if (!updated) throw new AppError('not_found', 'No such tool server.');
      await this.deps.audit.record(tx, {
        tenantId: caller.tenantId,
        action: 'mcp_server.updated',
        actor: actorOf(caller),
        target: { type: 'mcp_server', id },
        // Field names only: header values never reach the log.
        metadata: { name: current.name, fields: Object.keys(input).sort() },
      });
      return updated;
    });
    await this.changed(caller.tenantId);
    return this.toView(row);
  }

  async remove(caller: Caller, id: string): Promise<void> {
    await this.deps.database.db.transaction(async (tx) => {
      const current = await this.deps.repo.find(tx, caller.tenantId, id);
      if (!current || !(await this.deps.repo.delete(tx, caller.tenantId, id))) {
        throw new AppError('not_found', 'No such tool server.');
      }
      await this.deps.audit.record(tx, {
        tenantId: caller.tenantId,
        action: 'mcp_server.deleted',
        actor: actorOf(caller),
        target: { type: 'mcp_server', id },
        metadata: { name: current.name },
      });
    });
    await this.changed(caller.tenantId);
  }

  async refresh(caller: Caller, id: string): Promise<McpServer> {
    const current = await this.row(caller, id);
    let headers: Record<string, string>;
    try {
      headers = this.headersOf(current);
    } catch {
      // Sealed under a key that is gone: the server needs its headers set again.
      const row = await this.deps.repo.update(this.deps.database.db, caller.tenantId, id, {
        status: 'error',
        lastError: 'the stored headers cannot be opened (the encryption key changed); set them again',
      });
      if (!row) throw new AppError('not_found', 'No such tool server.');
      await this.changed(caller.tenantId);
      return this.toView(row);
    }
    const probe = await this.probe({
      name: current.name,
      url: current.url,
      transport: current.transport as McpEndpoint['transport'],
      headers,
    });
    const changes: Parameters<McpRepo['update']>[3] = { ...probe };
    // Headers sealed under an older key version are sealed again under the current one.
    if (current.headersSealed && this.deps.secrets.needsRotation(current.headersSealed)) {
      changes.headersSealed = this.seal(caller.tenantId, id, headers);
    }
    const row = await this.deps.repo.update(this.deps.database.db, caller.tenantId, id, changes);
    if (!row) throw new AppError('not_found', 'No such tool server.');
    await this.changed(caller.tenantId);
    return this.toView(row);
  }

  /** After a change committed: runs on every replica read the tenant's servers again. */
  private async changed(tenantId: string): Promise<void> {
    await this.deps.servers?.invalidate(tenantId);
  }

  private async row(caller: Caller, id: string): Promise<McpServerRow> {
    const row = await this.deps.repo.find(this.deps.database.db, caller.tenantId, id);
    if (!row) throw new AppError('not_found', 'No such tool server.');
    return row;
  }

  private seal(tenantId: string, id: string, headers: Record<string, string>): string | null {
    if (Object.keys(headers).length === 0) return null;
    return this.deps.secrets.seal(JSON.stringify(headers), headersContext(tenantId, id));
  }

  /** The save-time SSRF check (the connect-time one is in the guarded fetch). */
  private async checkUrl(url: string): Promise<void> {
    if (this.deps.allowPrivateNetworks) return;
    try {
      await assertPublicUrl(url, this.deps.resolve);
    } catch (err) {
      if (err instanceof BlockedAddressError) {
        throw new AppError('validation_failed', 'The URL is on a loopback, private or link-local network.', {
          errors: [{ path: 'url', message: 'loopback, private and link-local addresses are not allowed' }],
        });
      }
      // A name that does not resolve now: saved, and the connection reports the error.
    }
  }

  /** Connects and lists the tools; an unreachable server is an error status, not a failed request. */
  private async probe(
    endpoint: McpEndpoint,
  ): Promise<{ status: 'ok' | 'error'; lastError: string | null; tools?: CachedMcpTool[] }> {
    try {
      const tools = await listMcpTools(endpoint, this.deps.connect);
      return { status: 'ok', lastError: null, tools };
    } catch (err) {
      return { status: 'error', lastError: describeMcpError(err, secretsOf(endpoint.headers)) };
    }
  }
}
