import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import {
  ConversationDetail,
  ConversationList,
  ConversationListQuery,
  ConversationSummary,
  RenameConversationRequest,
  Uuid,
} from '@agentry/contracts';
import { callerOf } from '../../platform/http/auth-guard.js';
import type { ConversationsService } from './conversations.service.js';

const IdParam = z.object({ id: Uuid });

/** `/api/v1/conversations*`: the caller's own conversations in the current tenant. */
export function conversationsRoutes(conversations: ConversationsService): FastifyPluginAsyncZod {
  return async (app) => {
    const tags = ['conversations'];

    app.get(
      '/api/v1/conversations',
      {
        config: { auth: 'conversations:read' },
        schema: {
          tags,
          summary: 'List conversations, newest first (cursor pagination, q searches message text)',
          querystring: ConversationListQuery,
          response: { 200: ConversationList },
        },
      },
      async (request) => conversations.list(callerOf(request), request.query),
    );

    app.get(
      '/api/v1/conversations/:id',
      {
        config: { auth: 'conversations:read' },
        schema: {
          tags,
          summary: 'A conversation with its messages',
          params: IdParam,
          response: { 200: ConversationDetail },
        },
      },
      async (request) => conversations.get(callerOf(request), request.params.id),
    );

    app.patch(
      '/api/v1/conversations/:id',
      {
        config: { auth: 'conversations:write' },
        schema: {
          tags,
          summary: 'Rename a conversation',
          params: IdParam,
          body: RenameConversationRequest,
          response: { 200: ConversationSummary },
        },
      },
      async (request) => conversations.rename(callerOf(request), request.params.id, request.body.title),
    );

    app.delete(
      '/api/v1/conversations/:id',
      {
        config: { auth: 'conversations:delete' },
        schema: { tags, summary: 'Delete a conversation and everything in it', params: IdParam },
      },
      async (request, reply) => {
        await conversations.delete(callerOf(request), request.params.id);
        return reply.status(204).send();
      },
    );
  };
}
