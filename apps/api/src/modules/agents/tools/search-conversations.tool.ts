import { tool } from '@openai/agents';
import { z } from 'zod';
import type { AgentRunContext } from '../run-context.js';
import { runContextOf, type ToolDefinition } from './tool-definition.js';

/**
 * `search_conversations`: full-text search over the caller's own conversations in the current
 * tenant. The caller comes from the run context, so the tool cannot be pointed at anyone else.
 */
export function searchConversationsTool(): ToolDefinition {
  const description =
    "Searches the user's earlier conversations by text and returns matching conversations with a snippet.";
  return {
    name: 'search_conversations',
    description,
    core: true,
    agents: [],
    capabilities: ['memory'],
    tool: tool<z.ZodObject<{ query: z.ZodString; limit: z.ZodNullable<z.ZodNumber> }>, AgentRunContext>({
      name: 'search_conversations',
      description,
      parameters: z.object({
        query: z.string().min(1).max(200).describe('words to look for'),
        limit: z.number().int().min(1).max(20).nullable().describe('how many results, default 5'),
      }),
      execute: async ({ query, limit }, runContext) => {
        const ctx = runContextOf(runContext);
        const hits = await ctx.conversations.search(ctx.caller, query, limit ?? 5);
        return JSON.stringify({ results: hits });
      },
    }),
  };
}
