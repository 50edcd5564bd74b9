import { MCPServerSSE, MCPServerStreamableHttp, type MCPServer } from '@openai/agents';
import type { Logger } from 'pino';
import type { CachedMcpTool } from './mcp.tables.js';
import type { GuardedFetch } from '../../platform/ssrf.js';

/** How the API reaches a tool server: the SDK's MCP client classes over the guarded fetch. */
export interface McpEndpoint {
  name: string;
  url: string;
  transport: 'streamable_http' | 'sse';
  headers: Record<string, string>;
}

export interface McpConnectOptions {
  fetch: GuardedFetch;
  /** Connecting and listing tools. */
  connectTimeoutMs: number;
  /** One tool call. */
  callTimeoutMs: number;
  /** Where the SDK's MCP client logs (at debug: messages only, never their arguments). */
  logger?: Logger;
}

/** The SDK logger interface over pino; arguments (errors, requests) are left out so no header can leak. */
function sdkLogger(logger: Logger | undefined, server: string) {
  const log = (message: string) => logger?.debug({ event: 'mcp.client', server }, String(message).slice(0, 300));
  return { namespace: 'agentry:mcp', debug: log, error: log, warn: log, dontLogModelData: true, dontLogToolData: true };
}

export function createMcpClient(endpoint: McpEndpoint, options: McpConnectOptions): MCPServer {
  const common = {
    url: endpoint.url,
    name: endpoint.name,
    cacheToolsList: false,
    clientSessionTimeoutSeconds: Math.max(0.001, options.connectTimeoutMs / 1000),
    timeout: options.callTimeoutMs,
    requestInit: { headers: { ...endpoint.headers } },
    fetch: options.fetch,
    logger: sdkLogger(options.logger, endpoint.name),
    // The MCP client logs through its own logger; keep header values out of any message it prints.
    errorFunction: null,
  };
  return endpoint.transport === 'sse' ? new MCPServerSSE(common) : new MCPServerStreamableHttp(common);
}

/** Rejects after `ms` with `message` (the work itself is abandoned, then closed by the caller). */
export function withDeadline<T>(work: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(message)), ms);
  });
  return Promise.race([work, deadline]).finally(() => clearTimeout(timer));
}

/** Connects, lists the tools and closes. Throws what went wrong (the caller records it). */
export async function listMcpTools(endpoint: McpEndpoint, options: McpConnectOptions): Promise<CachedMcpTool[]> {
  const client = createMcpClient(endpoint, options);
  try {
    const tools = await withDeadline(
      (async () => {
        await client.connect();
        return client.listTools();
      })(),
      options.connectTimeoutMs,
      `the tool server did not answer within ${options.connectTimeoutMs} ms`,
    );
    return tools.map((t) => ({
      name: t.name,
      description: t.description ?? '',
      input_schema: (t.inputSchema ?? { type: 'object', properties: {} }) as Record<string, unknown>,
    }));
  } finally {
    await client.close().catch(() => {});
  }
}

/** A short, single-line description of a connection error, safe to store and show (no headers). */
export function describeMcpError(err: unknown): string {
  const e = err as { message?: string; cause?: { message?: string; code?: string } };
  let message = e?.message ? String(e.message) : String(err);
  if (e?.cause?.message && !message.includes(e.cause.message)) message += `: ${e.cause.message}`;
  return message.replace(/\s+/g, ' ').slice(0, 500);
}
