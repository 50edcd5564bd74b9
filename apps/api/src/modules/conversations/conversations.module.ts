import type { FastifyInstance } from 'fastify';
import type { PlatformContext } from '../../platform/context.js';
import { ConversationsRepo } from './conversations.repo.js';
import { conversationsRoutes } from './conversations.routes.js';
import { ConversationsService } from './conversations.service.js';

/**
 * Conversations: the transcript (messages, tool calls, handoffs) and the SDK session memory of
 * each conversation. Needs no other module; chat and agents receive `service`.
 */
export function createConversationsModule(ctx: PlatformContext) {
  const service = new ConversationsService({ database: ctx.database, repo: new ConversationsRepo() });
  return {
    service,
    async register(app: FastifyInstance) {
      await app.register(conversationsRoutes(service));
    },
  };
}

export type ConversationsModule = ReturnType<typeof createConversationsModule>;
