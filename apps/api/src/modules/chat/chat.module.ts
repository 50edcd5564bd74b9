import { Runner } from '@openai/agents';
import type { FastifyInstance } from 'fastify';
import type { PlatformContext } from '../../platform/context.js';
import { AgentRegistry } from '../agents/agent-registry.js';
import { agentsRoutes } from '../agents/agents.routes.js';
import { AgentsService } from '../agents/agents.service.js';
import { createModelResolver } from '../agents/models/model-provider.js';
import { AGENT_SPECS } from '../agents/specs/index.js';
import { createToolRegistry } from '../agents/tools/tool-registry.js';
import { ConversationsRepo } from '../conversations/conversations.repo.js';
import { conversationsRoutes } from '../conversations/conversations.routes.js';
import { ConversationsService } from '../conversations/conversations.service.js';
import { ChatRepo } from './chat.repo.js';
import { chatRoutes, type ChatRoutesOptions } from './chat.routes.js';
import { ChatMetrics } from './chat.metrics.js';
import { ChatService } from './chat.service.js';
import { RunManager } from './run-manager.js';
import { RunReaper } from './run-reaper.js';
import type { ChatUsageHooks } from './usage-hooks.js';

/**
 * Agents, conversations and chat: the three capabilities of a conversation with agents, built
 * together because chat needs both (and agents' stats need conversations). Services are passed
 * explicitly; `register` adds the routes.
 */
export async function createChatModule(ctx: PlatformContext, options: { usage?: ChatUsageHooks } = {}) {
  const { config, database, ports } = ctx;
  const tools = createToolRegistry({ tavilyApiKey: config.tools.tavilyApiKey });
  const models = createModelResolver(config.models);
  const agents = new AgentRegistry(AGENT_SPECS, tools, models);
  const conversations = new ConversationsService(new ConversationsRepo(database.db));
  const repo = new ChatRepo(database.db);
  const metrics = new ChatMetrics(ctx.metrics);
  const runner = new Runner({ tracingDisabled: !config.models.tracing, traceIncludeSensitiveData: false, workflowName: 'Agentry chat' });
  const runs = new RunManager({
    runner, conversations, repo, usageHooks: options.usage, logger: ctx.logger, maxTurns: config.chat.maxTurns,
    ports, runTimeoutMs: config.chat.runTimeoutMs, retentionSeconds: config.chat.eventRetentionSeconds, heartbeatMs: config.chat.heartbeatMs, metrics,
  });
  await runs.init();
  const reaper = new RunReaper({
    repo, streams: ports.streams, jobs: ports.jobs, logger: ctx.logger,
    staleMs: config.chat.staleMs, intervalMs: config.chat.reaperIntervalMs, retentionSeconds: config.chat.eventRetentionSeconds,
  });
  if (config.roles.includes('worker')) {
    await reaper.startWorker();
    ctx.onShutdown(() => reaper.stop());
  }
  // Runs in flight get half the shutdown grace to finish; the rest end with run.failed.
  ctx.onShutdown(() => runs.shutdown(Math.floor(config.http.shutdownGraceMs / 2)));
  const chat = new ChatService({ agents, conversations, repo, runs, streams: ports.streams, usageHooks: options.usage });
  const agentsService = new AgentsService(agents, tools, conversations);
  ctx.logger.info({ event: 'chat.models', provider: models.provider, api: models.provider === 'openai' ? config.models.openaiApi : undefined }, 'chat models configured');

  return {
    chat, conversations, agents: agentsService, agentRegistry: agents, tools, runs, reaper,
    modelProvider: models.provider,
    async register(app: FastifyInstance, routeOptions: ChatRoutesOptions['routeOptions'] = {}) {
      await app.register(agentsRoutes(agentsService));
      await app.register(conversationsRoutes(conversations));
      await app.register(chatRoutes(chat, { heartbeatMs: config.http.sseHeartbeatMs, sse: ctx.sse, metrics, routeOptions }));
    },
  };
}

export type ChatModule = Awaited<ReturnType<typeof createChatModule>>;
