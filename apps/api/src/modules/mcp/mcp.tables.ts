import { boolean, jsonb, pgTable, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core';

/** A tool the server listed, as cached on its row (`input_schema` is the MCP tool's JSON Schema). */
export interface CachedMcpTool {
  name: string;
  description: string;
  input_schema: Record<string, unknown>;
}

/**
 * A tenant's MCP tool server. `headers_sealed` is the JSON of its headers sealed with the secret box
 * (never returned; only `header_names`). `tools` is the list of the last successful connect.
 */
export const mcpServers = pgTable(
  'mcp_servers',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    tenantId: uuid('tenant_id').notNull(),
    name: text('name').notNull(),
    url: text('url').notNull(),
    /** `streamable_http` | `sse`. */
    transport: text('transport').notNull(),
    headersSealed: text('headers_sealed'),
    headerNames: jsonb('header_names').$type<string[]>().notNull().default([]),
    /** null: every tool. */
    allowedTools: jsonb('allowed_tools').$type<string[] | null>(),
    /** `"always"` | `"never"` | `{tools:[…]}`. */
    requireApproval: jsonb('require_approval').$type<'always' | 'never' | { tools: string[] }>().notNull(),
    enabled: boolean('enabled').notNull().default(true),
    /** `ok` | `error`. */
    status: text('status').notNull(),
    lastError: text('last_error'),
    tools: jsonb('tools').$type<CachedMcpTool[]>().notNull().default([]),
    createdBy: uuid('created_by'),
    createdAt: timestamp('created_at', { withTimezone: true, precision: 3 }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true, precision: 3 }).notNull().defaultNow(),
  },
  (t) => [uniqueIndex('mcp_servers_tenant_name_idx').on(t.tenantId, t.name)],
);
