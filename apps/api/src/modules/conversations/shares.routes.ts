import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { IdParam, PublicShareParam, Share, ShareIdParam, ShareList, SharedConversation } from '@agentry/contracts';
import { callerOf } from '../../platform/http/auth-guard.js';
import type { SharesService } from './shares.service.js';

/** Share links of a conversation, and the public read of one (API.md "Conversations, more"). */
export function sharesRoutes(shares: SharesService): FastifyPluginAsyncZod {
  return async (app) => {
    const tags = ['conversations'];

    app.post(
      '/api/v1/conversations/:id/shares',
      {
        config: { auth: 'conversations:write' },
        schema: {
          tags,
          summary: 'Share the conversation as it is now by a public link',
          params: IdParam,
          response: { 201: Share },
        },
      },
      async (request, reply) => {
        reply.code(201);
        return shares.create(callerOf(request), request.params.id);
      },
    );

    app.get(
      '/api/v1/conversations/:id/shares',
      {
        config: { auth: 'conversations:read' },
        schema: { tags, summary: "The conversation's share links", params: IdParam, response: { 200: ShareList } },
      },
      async (request) => ({ items: await shares.list(callerOf(request), request.params.id) }),
    );

    app.delete(
      '/api/v1/conversations/:id/shares/:share_id',
      {
        config: { auth: 'conversations:write' },
        schema: { tags, summary: 'Revoke a share link (it answers 404 from then on)', params: ShareIdParam },
      },
      async (request, reply) => {
        await shares.revoke(callerOf(request), request.params.id, request.params.share_id);
        return reply.status(204).send();
      },
    );

    app.get(
      '/api/v1/shared/:share_id',
      {
        config: { auth: 'public', rateLimit: ['shared_read_per_ip'] },
        schema: {
          tags,
          summary: 'A shared conversation, readable by anyone with the link',
          params: PublicShareParam,
          response: { 200: SharedConversation },
        },
      },
      async (request, reply) => {
        // The link is a secret: keep it out of search engines, caches and Referer headers.
        reply
          .header('x-robots-tag', 'noindex, nofollow')
          .header('cache-control', 'no-store')
          .header('referrer-policy', 'no-referrer');
        return shares.read(request.params.share_id);
      },
    );
  };
}
