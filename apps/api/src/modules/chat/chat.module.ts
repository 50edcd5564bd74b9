import type { Runner } from '@openai/agents';
import type { FastifyInstance } from 'fastify';
import type { PlatformContext } from '../../platform/context.js';
import type { AgentsService } from '../agents/agents.service.js';
import { loadAgentsSdk } from '../../platform/ai-sdks.js';
import type { RunToolProvider } from '../agents/run-context.js';
import type { ConversationAssistant } from '../conversations/conversation-memory.js';
import type { ConversationsService } from '../conversations/conversations.service.js';
import type { TurnWrites } from '../conversations/turn-writes.js';
import type { GuardrailsService } from '../guardrails/guardrails.service.js';
import type { AttachmentSource } from './attachments.js';
import { ChatRepo } from './chat.repo.js';
import { chatRoutes } from './chat.routes.js';
import { ChatMetrics } from './chat.metrics.js';
import { ChatService } from './chat.service.js';
import { RunManager } from './run-manager.js';
import { RunReaper } from './run-reaper.js';
import { ApprovalsRepo } from './approvals.repo.js';
import { RESUME_RUN_JOB, RunPauses } from './run-pauses.js';
import type { ChatUsageHooks } from './usage-hooks.js';

export interface ChatModuleDeps {
  /** The SDK agent each run starts with. */
  agents: AgentsService;
  /** Conversations (search, titles). */
  conversations: ConversationsService;
  /** Where a run's user message, transcript and SDK session memory are stored. */
  turns: TurnWrites;
  /** Writes titles and memory summaries (the agents module's, on the configured model). */
  assistant?: ConversationAssistant;
  /** Plan limits and usage records (billing); without it, no limits. */
  usage?: ChatUsageHooks;
  /** The tenant's guardrails on every stage of a run; without it, none. */
  guardrails?: GuardrailsService;
  /** Tools runs add per caller (the tenant's MCP servers). */
  runTools?: RunToolProvider;
  /** Files messages may carry (the files module); without it, `attachments` are refused. */
  attachments?: AttachmentSource;
}

/**
 * Chat: runs owned by the server, their event log, streams and resumes, the stale-run reaper.
 * Receives the agents' and conversations' services; `register` adds the `/chat*` routes.
 */
export async function createChatModule(ctx: PlatformContext, deps: ChatModuleDeps) {
  const { config, database, ports } = ctx;
  const repo = new ChatRepo();
  const metrics = new ChatMetrics(ctx.metrics);
  // Made with the first run: the agents SDK is not loaded at start (platform/ai-sdks.ts).
  let made: Promise<Runner> | undefined;
  const makeRunner = () =>
    (made ??= loadAgentsSdk().then(
      (sdk) =>
        new sdk.Runner({
          tracingDisabled: !config.models.tracing,
          traceIncludeSensitiveData: false,
          workflowName: 'Agentry chat',
        }),
    ));
  const runner = {
    run: (async (...args: Parameters<Runner['run']>) => (await makeRunner()).run(...args)) as Runner['run'],
  };
  const pauses = new RunPauses({
    database,
    runsRepo: repo,
    repo: new ApprovalsRepo(),
    jobs: ports.jobs,
    streams: ports.streams,
    agents: deps.agents,
    turns: deps.turns,
    usageHooks: deps.usage,
    audit: ctx.audit,
    logger: ctx.logger,
    ttlSeconds: config.chat.approvalTtlSeconds,
    retentionSeconds: config.chat.eventRetentionSeconds,
  });
  const runs = new RunManager({
    runner,
    pauses,
    approvalTtlSeconds: config.chat.approvalTtlSeconds,
    database,
    conversations: deps.conversations,
    turns: deps.turns,
    repo,
    usageHooks: deps.usage,
    logger: ctx.logger,
    maxTurns: config.chat.maxTurns,
    runTools: deps.runTools,
    assistant: deps.assistant,
    titleTimeoutMs: config.chat.titleTimeoutMs,
    ports,
    runTimeoutMs: config.chat.runTimeoutMs,
    retentionSeconds: config.chat.eventRetentionSeconds,
    heartbeatMs: config.chat.heartbeatMs,
    metrics,
    guardrails: deps.guardrails,
    guardrailsOfAgent: (agent) => deps.agents.guardrailsOf(agent),
  });
  await runs.init();
  pauses.attach(runs);
  const reaper = new RunReaper({
    database,
    repo,
    streams: ports.streams,
    jobs: ports.jobs,
    logger: ctx.logger,
    staleMs: config.chat.staleMs,
    intervalMs: config.chat.reaperIntervalMs,
    retentionSeconds: config.chat.eventRetentionSeconds,
    pauses,
  });
  if (config.roles.includes('worker')) {
    // Resumes of paused runs: the job takes the pause (once) and runs the rest here.
    ports.jobs.process<{ runId: string }>(RESUME_RUN_JOB, async (job) => {
      await pauses.resume(job.data.runId);
    });
    await reaper.startWorker();
    ctx.onShutdown(() => reaper.stop());
  }
  // Runs in flight get half the shutdown grace to finish; the rest end with run.failed.
  ctx.onShutdown(() => runs.shutdown(Math.floor(config.http.shutdownGraceMs / 2)));
  const service = new ChatService({
    database,
    agents: deps.agents,
    turns: deps.turns,
    repo,
    runs,
    streams: ports.streams,
    usageHooks: deps.usage,
    guardrails: deps.guardrails,
    pauses,
    ...(deps.attachments
      ? {
          attachments: {
            source: deps.attachments,
            settings: {
              maxFiles: config.chat.maxAttachments,
              maxTokens: config.chat.attachmentMaxTokens,
              imageInput: config.chat.imageInput,
            },
          },
        }
      : {}),
  });

  return {
    service,
    runs,
    reaper,
    pauses,
    async register(app: FastifyInstance) {
      await app.register(
        chatRoutes(service, { heartbeatMs: config.http.sseHeartbeatMs, sse: ctx.sse, metrics, pauses }),
      );
    },
  };
}

export type ChatModule = Awaited<ReturnType<typeof createChatModule>>;
