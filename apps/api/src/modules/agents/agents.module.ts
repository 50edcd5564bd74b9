import type { FastifyInstance } from 'fastify';
import type { PlatformContext } from '../../platform/context.js';
import type { ConversationsService } from '../conversations/conversations.service.js';
import { AgentRegistry } from './agent-registry.js';
import { agentsRoutes } from './agents.routes.js';
import { AgentsService } from './agents.service.js';
import { createConversationAssistant } from './conversation-assistant.js';
import { createModelResolver } from './models/model-provider.js';
import { AGENT_SPECS } from './specs/index.js';
import { createToolRegistry } from './tools/tool-registry.js';
import type { KnowledgeSearch } from './tools/file-search.tool.js';

export interface AgentsModuleDeps {
  /** Agent stats (`GET /agents/{name}`) count the caller's conversations. */
  conversations: Pick<ConversationsService, 'agentStats'>;
  /** The files module's search, for the file_search tool (absent: no such tool). */
  knowledge?: KnowledgeSearch;
}

/** Agents: specs, tools and models → SDK agents, and the catalog routes. Chat receives `service`. */
export function createAgentsModule(ctx: PlatformContext, deps: AgentsModuleDeps) {
  const { config } = ctx;
  const tools = createToolRegistry({
    tavilyApiKey: config.tools.tavilyApiKey,
    ...(deps.knowledge ? { knowledge: deps.knowledge } : {}),
  });
  const models = createModelResolver(config.models);
  const registry = new AgentRegistry(AGENT_SPECS, tools, models);
  const service = new AgentsService({ registry, tools, stats: deps.conversations });
  ctx.logger.info(
    {
      event: 'chat.models',
      provider: models.provider,
      api: models.provider === 'openai' ? config.models.openaiApi : undefined,
    },
    'chat models configured',
  );
  return {
    service,
    /** Titles and memory summaries of conversations (chat uses it). */
    assistant: createConversationAssistant(models),
    async register(app: FastifyInstance) {
      await app.register(agentsRoutes(service));
    },
  };
}

export type AgentsModule = ReturnType<typeof createAgentsModule>;
