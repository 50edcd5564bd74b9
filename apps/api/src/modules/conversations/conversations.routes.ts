import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { Readable } from 'node:stream';
import {
  BranchRequest,
  ConversationDetail,
  ConversationExportQuery,
  MessagePage,
  MessagePageQuery,
  ConversationList,
  ConversationListQuery,
  ConversationSummary,
  RenameConversationRequest,
  Uuid,
} from '@agentry/contracts';
import { callerOf } from '../../platform/http/auth-guard.js';
import { compiledSerializerCompiler } from '../../platform/http/compiled-serializer.js';
import { exportFileName, renderExport } from './conversation-export.js';
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
        // The hottest read: compiled once instead of a zod pass over every item (the list maps each field itself).
        serializerCompiler: compiledSerializerCompiler,
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
        // Up to 100 messages per read: compiled once (present() builds each field of each message).
        serializerCompiler: compiledSerializerCompiler,
      },
      async (request) => conversations.get(callerOf(request), request.params.id),
    );

    app.get(
      '/api/v1/conversations/:id/messages',
      {
        config: { auth: 'conversations:read' },
        schema: {
          tags,
          summary: 'Older messages, a page at a time (before = the oldest message id the client holds)',
          params: IdParam,
          querystring: MessagePageQuery,
          response: { 200: MessagePage },
        },
        serializerCompiler: compiledSerializerCompiler,
      },
      async (request) => conversations.messages(callerOf(request), request.params.id, request.query),
    );

    app.post(
      '/api/v1/conversations/:id/branch',
      {
        config: { auth: 'conversations:write' },
        schema: {
          tags,
          summary: 'Make the branch holding a message current (down to its newest end)',
          params: IdParam,
          body: BranchRequest,
          response: { 200: ConversationDetail },
        },
      },
      async (request) => conversations.switchBranch(callerOf(request), request.params.id, request.body.message_id),
    );

    app.get(
      '/api/v1/conversations/:id/export',
      {
        config: { auth: 'conversations:read' },
        schema: {
          tags,
          summary: 'Download the conversation as Markdown or JSON',
          params: IdParam,
          querystring: ConversationExportQuery,
        },
      },
      async (request, reply) => {
        const caller = callerOf(request);
        const { format } = request.query;
        const { conversation, pages } = await conversations.exportOf(caller, request.params.id);
        const body = renderExport(conversation, pages, format);
        return reply
          .type(format === 'json' ? 'application/json; charset=utf-8' : 'text/markdown; charset=utf-8')
          .header('content-disposition', `attachment; filename="${exportFileName(conversation.title, format)}"`)
          .header('cache-control', 'no-store')
          .send(Readable.from(body));
      },
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
