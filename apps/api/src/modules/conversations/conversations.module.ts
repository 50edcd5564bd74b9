import type { FastifyInstance } from 'fastify';
import type { PlatformContext } from '../../platform/context.js';
import { ConversationMemory } from './conversation-memory.js';
import { ConversationItemsRepo } from './conversation-items.repo.js';
import { ConversationsRepo } from './conversations.repo.js';
import { conversationsRoutes } from './conversations.routes.js';
import { ConversationsService } from './conversations.service.js';
import { FeedbackRepo } from './feedback.repo.js';
import { feedbackRoutes } from './feedback.routes.js';
import { FeedbackService } from './feedback.service.js';
import { SharesRepo } from './shares.repo.js';
import { sharesRoutes } from './shares.routes.js';
import { SharesService } from './shares.service.js';
import { TurnWrites } from './turn-writes.js';

/**
 * Conversations: the transcript (messages, tool calls, handoffs), the SDK session memory of each
 * conversation, share links and ratings of answers. Needs no other module; chat and agents receive
 * `service`, chat `turns` (what a run writes into its conversation).
 */
export function createConversationsModule(ctx: PlatformContext) {
  const database = ctx.database;
  const repo = new ConversationsRepo();
  const feedbackRepo = new FeedbackRepo();
  const items = new ConversationItemsRepo();
  const memory = new ConversationMemory(items, ctx.config.chat.memoryMaxTokens);
  const service = new ConversationsService({ database, repo, feedback: feedbackRepo });
  const turns = new TurnWrites({ database, repo, items, memory });
  const shares = new SharesService({ database, conversations: service, repo, shares: new SharesRepo() });
  const feedback = new FeedbackService({ database, conversations: service, repo, feedback: feedbackRepo });
  return {
    service,
    turns,
    async register(app: FastifyInstance) {
      await app.register(conversationsRoutes(service));
      await app.register(sharesRoutes(shares));
      await app.register(feedbackRoutes(feedback));
    },
  };
}

export type ConversationsModule = ReturnType<typeof createConversationsModule>;
