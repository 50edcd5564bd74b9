import { tool } from '@openai/agents';
import { z } from 'zod';
import type { AgentRunContext } from '../run-context.js';
import type { ToolDefinition } from './tool-definition.js';

const TAVILY_SEARCH_URL = 'https://api.tavily.com/search';

/** `web_search` through Tavily; registered only when TAVILY_API_KEY is set. */
export function webSearchTool(options: { apiKey: string; fetch?: typeof fetch; url?: string }): ToolDefinition {
  const doFetch = options.fetch ?? fetch;
  const description = 'Searches the web and returns the top results with title, URL and content.';
  return {
    name: 'web_search',
    description,
    core: false,
    agents: [],
    capabilities: ['web'],
    tool: tool<z.ZodObject<{ query: z.ZodString }>, AgentRunContext>({
      name: 'web_search',
      description,
      parameters: z.object({ query: z.string().min(1).max(400) }),
      execute: async ({ query }, _ctx, details) => {
        const res = await doFetch(options.url ?? TAVILY_SEARCH_URL, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${options.apiKey}` },
          body: JSON.stringify({ query, max_results: 5 }),
          signal: details?.signal ?? AbortSignal.timeout(15_000),
        });
        if (!res.ok) return `Error: web search failed with status ${res.status}.`;
        const body = (await res.json()) as { results?: { title?: string; url?: string; content?: string }[] };
        const results = (body.results ?? []).map((r) => ({
          title: r.title ?? '',
          url: r.url ?? '',
          content: (r.content ?? '').slice(0, 1000),
        }));
        return JSON.stringify({ results });
      },
    }),
  };
}
