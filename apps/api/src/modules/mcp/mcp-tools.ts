import type { FunctionTool, MCPServer } from '@openai/agents';
import type { Logger } from 'pino';
import type { TenantCache } from '../../platform/tenant-cache.js';
import type { Caller } from '../../platform/caller.js';
import type { Database } from '../../platform/db/client.js';
import type { AgentRunContext, RunToolProvider, RunToolSource } from '../agents/run-context.js';
import { loadAgentsSdk } from '../../platform/ai-sdks.js';
import { guardedTool } from '../agents/tools/tool-definition.js';
import {
  createMcpClient,
  describeMcpError,
  type McpConnectOptions,
  type McpEndpoint,
  scrubSecrets,
  secretsOf,
  withDeadline,
} from './mcp-connection.js';
import type { McpRepo, McpServerRow } from './mcp.repo.js';
import type { CachedMcpTool } from './mcp.tables.js';

/** Tools of MCP servers reach agents with this capability (every default agent has it). */
export const MCP_CAPABILITY = 'mcp';
/** The SDK (and the OpenAI API) accept function names of this shape; other MCP tool names are left out. */
const FUNCTION_NAME = /^[a-zA-Z0-9_-]{1,64}$/;

export type RequireApproval = McpServerRow['requireApproval'];

export function toolRequiresApproval(policy: RequireApproval, toolName: string): boolean {
  if (policy === 'never') return false;
  if (policy === 'always') return true;
  return policy.tools.includes(toolName);
}

/** The server's cached tools that agents may see (`allowed_tools`, and names the model can call). */
export function offeredTools(row: Pick<McpServerRow, 'name' | 'tools' | 'allowedTools'>): CachedMcpTool[] {
  return row.tools.filter(
    (t) =>
      (row.allowedTools === null || row.allowedTools.includes(t.name)) && FUNCTION_NAME.test(`${row.name}__${t.name}`),
  );
}

/** Keeps the last `max` characters out and says so, so a huge result cannot flood the model or the log. */
export function boundResult(text: string, max: number): string {
  if (text.length <= max) return text;
  return `${text.slice(0, max)}\n…[truncated: ${text.length - max} more characters]`;
}

interface CallResult {
  content?: { type: string; text?: string; [k: string]: unknown }[];
  isError?: boolean;
  structuredContent?: unknown;
}

function resultText(result: CallResult | CallResult['content']): { text: string; isError: boolean } {
  const r: CallResult = Array.isArray(result) ? { content: result } : (result ?? {});
  const parts = (r.content ?? []).map((c) =>
    c.type === 'text' && typeof c.text === 'string' ? c.text : JSON.stringify(c),
  );
  let text = parts.join('\n');
  if (!text && r.structuredContent !== undefined) text = JSON.stringify(r.structuredContent);
  return { text, isError: r.isError === true };
}

/** A JSON Schema the SDK accepts as non-strict object parameters. */
function objectSchema(schema: Record<string, unknown>) {
  return {
    ...schema,
    type: 'object' as const,
    properties: (schema.properties as Record<string, unknown>) ?? {},
    required: Array.isArray(schema.required) ? (schema.required as string[]) : [],
    additionalProperties: schema.additionalProperties !== false,
  };
}

export interface McpRunToolsDeps {
  database: Database;
  repo: McpRepo;
  /** Opens a server's sealed headers. */
  headersOf(row: McpServerRow): Record<string, string>;
  connect: McpConnectOptions;
  maxResultChars: number;
  logger: Logger;
  /** The tenant's enabled servers, cached per replica (McpService invalidates it on every change). */
  servers: TenantCache<McpServerRow[]>;
}

/**
 * The tenant's MCP tools for one run: the tool list comes from the rows (no connection per run);
 * a server is connected at the run's first call of one of its tools and closed when the run ends.
 * A failing, slow or huge call becomes a tool result the model reads, never a failed run.
 */
export class McpRunTools implements RunToolProvider {
  constructor(private readonly deps: McpRunToolsDeps) {}

  async open(caller: Caller): Promise<RunToolSource> {
    const rows = await this.deps.servers.get(caller.tenantId, () =>
      this.deps.repo.listEnabled(this.deps.database.db, caller.tenantId),
    );
    if (rows.length === 0) return { toolsFor: () => [], close: async () => {} };
    const sdk = await loadAgentsSdk();
    const clients = new Map<string, Promise<MCPServer>>();
    // biome-ignore lint/suspicious/noExplicitAny: tools of any parameter shape
    const tools: FunctionTool<AgentRunContext, any, any>[] = [];
    let closed = false;

    const clientFor = (row: McpServerRow): Promise<MCPServer> => {
      let pending = clients.get(row.id);
      if (!pending) {
        const endpoint: McpEndpoint = {
          name: row.name,
          url: row.url,
          transport: row.transport as McpEndpoint['transport'],
          headers: this.deps.headersOf(row),
        };
        const client = createMcpClient(sdk, endpoint, this.deps.connect);
        pending = withDeadline(
          client.connect(),
          this.deps.connect.connectTimeoutMs,
          `could not connect within ${this.deps.connect.connectTimeoutMs} ms`,
        ).then(
          () => client,
          async (err) => {
            clients.delete(row.id); // the next call tries again
            await client.close().catch(() => {});
            throw err;
          },
        );
        clients.set(row.id, pending);
      }
      return pending;
    };

    // The server's header values, kept out of whatever it answers (results, errors, logs).
    const secretsFor = (row: McpServerRow): string[] => {
      try {
        return secretsOf(this.deps.headersOf(row));
      } catch {
        return [];
      }
    };

    const call = async (row: McpServerRow, name: string, args: Record<string, unknown>): Promise<string> => {
      if (closed) return 'Error: the run has ended.';
      const timeoutMs = this.deps.connect.callTimeoutMs;
      const controller = new AbortController();
      try {
        const client = await clientFor(row);
        const work: Promise<unknown> = client.callToolResult
          ? client.callToolResult(name, args, null, { signal: controller.signal })
          : client.callTool(name, args, null, { signal: controller.signal });
        const result = await withDeadline(work, timeoutMs, `the tool did not answer within ${timeoutMs} ms`);
        const { text, isError } = resultText(result as CallResult);
        const bounded = boundResult(scrubSecrets(text, secretsFor(row)), this.deps.maxResultChars);
        return isError ? `Error from ${row.name}__${name}: ${bounded}` : bounded;
      } catch (err) {
        controller.abort();
        const error = describeMcpError(err, secretsFor(row));
        this.deps.logger.info(
          { event: 'mcp.call_failed', server_id: row.id, tool: name, error },
          'MCP tool call failed',
        );
        return boundResult(`Error: calling ${row.name}__${name} failed: ${error}`, 2000);
      }
    };

    for (const row of rows) {
      for (const t of offeredTools(row)) {
        // The run's guardrails apply to a tool server's tools as to the catalog's (tool_input / tool_output).
        tools.push(
          guardedTool(
            sdk.tool({
              name: `${row.name}__${t.name}`,
              description: (t.description || `The ${t.name} tool of the ${row.name} tool server.`).slice(0, 1024),
              parameters: objectSchema(t.input_schema) as never,
              strict: false,
              needsApproval: toolRequiresApproval(row.requireApproval, t.name),
              execute: async (input) =>
                call(
                  row,
                  t.name,
                  (typeof input === 'string' ? JSON.parse(input || '{}') : input) as Record<string, unknown>,
                ),
            }) as FunctionTool<AgentRunContext, never, never>,
          ),
        );
      }
    }

    return {
      toolsFor: (capabilities) => (capabilities.includes(MCP_CAPABILITY) ? tools : []),
      close: async () => {
        closed = true;
        const open = [...clients.values()];
        clients.clear();
        await Promise.all(open.map((p) => p.then((c) => c.close()).catch(() => {})));
      },
    };
  }
}
