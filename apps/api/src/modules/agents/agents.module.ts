import type { FastifyInstance } from 'fastify';
import type { PlatformContext } from '../../platform/context.js';
import { offlineAssistant, type ConversationAssistant } from '../conversations/conversation-memory.js';
import type { ConversationsService } from '../conversations/conversations.service.js';
import type { AgentRuntime } from './agent-runtime.js';
import { agentsRoutes } from './agents.routes.js';
import { AgentsService } from './agents.service.js';
import { loadAgentsSdk } from '../../platform/ai-sdks.js';
import { checkSpecs } from './specs/check-specs.js';
import { AGENT_SPECS } from './specs/index.js';
import type { KnowledgeSearch } from './tools/file-search.tool.js';

export interface AgentsModuleDeps {
  /** Agent stats (`GET /agents/{name}`) count the caller's conversations. */
  conversations: Pick<ConversationsService, 'agentStats'>;
  /** The files module's search, for the file_search tool (absent: no such tool). */
  knowledge?: KnowledgeSearch;
}

/**
 * Agents: specs, tools and models → SDK agents, and the catalog routes. Chat receives `service`.
 * The specs are checked at start; the SDK agents, tools and models are built on first use
 * (`warmUp` once the app is ready, just before it listens, or the first request that needs them), since loading
 * the agents SDK was the largest part of a cold start (docs/performance.md "Cold start").
 */
export function createAgentsModule(ctx: PlatformContext, deps: AgentsModuleDeps) {
  const { config } = ctx;
  checkSpecs(AGENT_SPECS);
  let building: Promise<AgentRuntime> | undefined;
  // One build however many callers wait for it; a failed build is tried again by the next caller.
  const runtime = (): Promise<AgentRuntime> => {
    building ??= Promise.all([import('./agent-runtime.js'), loadAgentsSdk()])
      .then(([m]) => m.buildAgentRuntime(AGENT_SPECS, config, deps.knowledge))
      .catch((err: unknown) => {
        building = undefined;
        throw err;
      });
    return building;
  };
  const service = new AgentsService({ specs: AGENT_SPECS, runtime, stats: deps.conversations });
  ctx.logger.info(
    {
      event: 'chat.models',
      provider: config.models.provider,
      api: config.models.provider === 'openai' ? config.models.openaiApi : undefined,
    },
    'chat models configured',
  );
  // Titles and summaries: offline needs no model; openai's helper agents come with the runtime.
  const assistant: ConversationAssistant =
    config.models.provider === 'offline'
      ? offlineAssistant
      : {
          title: async (input, signal) => (await runtime()).assistant.title(input, signal),
          summarize: async (input, signal) => (await runtime()).assistant.summarize(input, signal),
        };
  return {
    service,
    /** Titles and memory summaries of conversations (chat uses it). */
    assistant,
    /**
     * Builds the SDK agents in the background (app.ts calls it once the app is ready), so the first
     * chat does not wait for them; a failure is logged, and the first use tries again.
     */
    warmUp() {
      runtime().catch((err: unknown) =>
        ctx.logger.error({ err, event: 'agents.build_failed' }, 'could not build the agents'),
      );
    },
    async register(app: FastifyInstance) {
      await app.register(agentsRoutes(service));
    },
  };
}

export type AgentsModule = ReturnType<typeof createAgentsModule>;
