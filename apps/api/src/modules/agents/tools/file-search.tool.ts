import { tool } from '@openai/agents';
import { scopeSatisfies } from '@agentry/contracts';
import { z } from 'zod';
import type { AgentRunContext } from '../run-context.js';
import { runContextOf, type ToolDefinition } from './tool-definition.js';

/** What the tool asks of the files module: a search in one tenant (the run's, never the model's). */
export interface KnowledgeSearch {
  search(
    tenantId: string,
    input: { query: string; limit: number },
  ): Promise<
    { file_id: string; filename: string; chunk_id: string; text: string; score: number; page: number | null }[]
  >;
}

/**
 * `file_search`: hybrid search over the tenant's knowledge files (API.md "Files and knowledge").
 * The tenant comes from the run context; the model supplies only the query, so it cannot reach
 * another tenant's files. Each result names the file, chunk and page the answer can cite.
 */
export function fileSearchTool(knowledge: KnowledgeSearch): ToolDefinition {
  const description =
    "Searches the team's uploaded files (knowledge) and returns the best passages with their file name, file id, chunk id and page.";
  return {
    name: 'file_search',
    description,
    core: false,
    agents: [],
    capabilities: ['knowledge'],
    tool: tool<z.ZodObject<{ query: z.ZodString; limit: z.ZodNullable<z.ZodNumber> }>, AgentRunContext>({
      name: 'file_search',
      description,
      parameters: z.object({
        query: z.string().min(1).max(1000).describe('what to look for in the files'),
        limit: z.number().int().min(1).max(20).nullable().describe('how many passages, default 5'),
      }),
      execute: async ({ query, limit }, runContext) => {
        const { caller } = runContextOf(runContext);
        if (!scopeSatisfies(caller.scopes, 'files:read'))
          return JSON.stringify({ error: 'This caller may not read files (files:read).', results: [] });
        const hits = await knowledge.search(caller.tenantId, { query, limit: limit ?? 5 });
        return JSON.stringify({
          results: hits.map((h) => ({
            file_id: h.file_id,
            filename: h.filename,
            chunk_id: h.chunk_id,
            page: h.page,
            score: Number(h.score.toFixed(5)),
            text: h.text,
          })),
        });
      },
    }),
  };
}
