import type { MCPServer } from '@openai/agents';
import type { Logger } from 'pino';
import type { CachedMcpTool } from './mcp.tables.js';
import type { GuardedFetch } from '../../platform/ssrf.js';
import { loadAgentsSdk, type AgentsSdk } from '../../platform/ai-sdks.js';

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

/** Shorter values are not searched for: they would blank out ordinary words, and are no credential. */
const MIN_SECRET_CHARS = 4;

/**
 * What of a server's headers must never be shown: every value, the credential after its scheme
 * (`Bearer abc` → `abc`), and their JSON-escaped forms (a server repeating them in a JSON body).
 */
export function secretsOf(headers: Record<string, string>): string[] {
  const found = new Set<string>();
  for (const value of Object.values(headers)) {
    const credential = /^\S+\s+(\S.*)$/.exec(value.trim())?.[1];
    for (const v of [value, value.trim(), credential ?? '']) {
      if (v.length < MIN_SECRET_CHARS) continue;
      found.add(v);
      found.add(JSON.stringify(v).slice(1, -1));
    }
  }
  // Longest first: a value containing another is replaced whole.
  return [...found].sort((a, b) => b.length - a.length);
}

/** `text` with every secret replaced by `[redacted]`. */
export function scrubSecrets(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const s of secrets) out = out.split(s).join('[redacted]');
  return out;
}

/** The SDK logger interface over pino; arguments (errors, requests) are left out and header values scrubbed. */
function sdkLogger(logger: Logger | undefined, server: string, secrets: readonly string[]) {
  const log = (message: string) =>
    logger?.debug({ event: 'mcp.client', server }, scrubSecrets(String(message), secrets).slice(0, 300));
  return { namespace: 'agentry:mcp', debug: log, error: log, warn: log, dontLogModelData: true, dontLogToolData: true };
}

/** The SDK's MCP client of `endpoint` (the SDK is loaded lazily: platform/ai-sdks.ts). */
export function createMcpClient(
  sdk: Pick<AgentsSdk, 'MCPServerSSE' | 'MCPServerStreamableHttp'>,
  endpoint: McpEndpoint,
  options: McpConnectOptions,
): MCPServer {
  const common = {
    url: endpoint.url,
    name: endpoint.name,
    cacheToolsList: false,
    clientSessionTimeoutSeconds: Math.max(0.001, options.connectTimeoutMs / 1000),
    timeout: options.callTimeoutMs,
    requestInit: { headers: { ...endpoint.headers } },
    fetch: options.fetch,
    logger: sdkLogger(options.logger, endpoint.name, secretsOf(endpoint.headers)),
    // The MCP client logs through its own logger; keep header values out of any message it prints.
    errorFunction: null,
  };
  return endpoint.transport === 'sse' ? new sdk.MCPServerSSE(common) : new sdk.MCPServerStreamableHttp(common);
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
  const client = createMcpClient(await loadAgentsSdk(), endpoint, options);
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

/**
 * A short, single-line description of a connection error, safe to store and show: the values of
 * the server's headers (`secretsOf`) are scrubbed, since a server may repeat them in its errors.
 */
export function describeMcpError(err: unknown, secrets: readonly string[] = []): string {
  const e = err as { message?: string; cause?: { message?: string; code?: string } };
  let message = e?.message ? String(e.message) : String(err);
  if (e?.cause?.message && !message.includes(e.cause.message)) message += `: ${e.cause.message}`;
  return scrubSecrets(message, secrets).replace(/\s+/g, ' ').slice(0, 500);
}
