import { z } from 'zod';
import { Timestamp, Uuid } from './common.js';

/** Tool servers (MCP) of a tenant (API.md "Tool servers (MCP) and approvals"). */
export const MCP_SERVER_NAME_PATTERN = /^[a-z][a-z0-9_]{0,30}$/;
export const McpServerName = z.string().regex(MCP_SERVER_NAME_PATTERN, 'lower-case letters, digits and _, 1-31 long');

export const McpTransport = z.enum(['streamable_http', 'sse']);
export type McpTransport = z.infer<typeof McpTransport>;

/** `"always"` (default), `"never"`, or the names of the tools that need a person's approval. */
export const McpRequireApproval = z.union([
  z.literal('always'),
  z.literal('never'),
  z.object({ tools: z.array(z.string().min(1).max(128)).max(200) }).strict(),
]);
export type McpRequireApproval = z.infer<typeof McpRequireApproval>;

/** An http(s) URL; whether its host may be reached is decided by the server (SSRF guard). */
export const McpServerUrl = z
  .string()
  .max(2048)
  .refine((v) => {
    try {
      const u = new URL(v);
      return (u.protocol === 'http:' || u.protocol === 'https:') && u.hostname !== '' && !u.username && !u.password;
    } catch {
      return false;
    }
  }, 'an http(s) URL without credentials');

const HEADER_NAME = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]{1,128}$/;
/** Header values: printable, no CR/LF (no header injection), at most 8 KiB. */
const HeaderValue = z
  .string()
  .max(8192)
  .refine((v) => !/[\r\n\0]/.test(v), 'no CR, LF or NUL');
export const McpHeaders = z
  .record(z.string(), HeaderValue)
  .refine((h) => Object.keys(h).every((k) => HEADER_NAME.test(k)), 'header names are HTTP tokens (no CR/LF)')
  .refine((h) => Object.keys(h).length <= 20, 'at most 20 headers');

const AllowedTools = z.array(z.string().min(1).max(128)).max(200).nullable();

export const CreateMcpServerRequest = z
  .object({
    name: McpServerName,
    url: McpServerUrl,
    transport: McpTransport.default('streamable_http'),
    headers: McpHeaders.optional(),
    /** Only these tools are offered to agents; null or absent: all of them. */
    allowed_tools: AllowedTools.optional(),
    require_approval: McpRequireApproval.default('always'),
  })
  .strict();
export type CreateMcpServerRequest = z.input<typeof CreateMcpServerRequest>;

export const UpdateMcpServerRequest = z
  .object({
    url: McpServerUrl.optional(),
    /** Replaces every header (`{}` removes them). */
    headers: McpHeaders.optional(),
    allowed_tools: AllowedTools.optional(),
    require_approval: McpRequireApproval.optional(),
    enabled: z.boolean().optional(),
  })
  .strict();
export type UpdateMcpServerRequest = z.input<typeof UpdateMcpServerRequest>;

export const McpServerTool = z.object({
  name: z.string(),
  description: z.string(),
  requires_approval: z.boolean(),
});
export type McpServerTool = z.infer<typeof McpServerTool>;

export const McpServer = z.object({
  id: Uuid,
  name: z.string(),
  url: z.string(),
  transport: McpTransport,
  header_names: z.array(z.string()),
  allowed_tools: z.array(z.string()).nullable(),
  require_approval: McpRequireApproval,
  enabled: z.boolean(),
  status: z.enum(['ok', 'error']),
  last_error: z.string().nullable(),
  tools: z.array(McpServerTool),
  created_at: Timestamp,
  updated_at: Timestamp,
});
export type McpServer = z.infer<typeof McpServer>;
export const McpServerList = z.object({ items: z.array(McpServer) });
export type McpServerList = z.infer<typeof McpServerList>;
