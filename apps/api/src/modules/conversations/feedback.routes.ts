import { Readable } from 'node:stream';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { Feedback, FeedbackExportQuery, FeedbackRequest, MessageIdParam } from '@agentry/contracts';
import { callerOf } from '../../platform/http/auth-guard.js';
import type { FeedbackService } from './feedback.service.js';

/** Ratings of answers and their export (API.md "Conversations, more"). */
export function feedbackRoutes(feedback: FeedbackService): FastifyPluginAsyncZod {
  return async (app) => {
    const tags = ['conversations'];

    app.put(
      '/api/v1/conversations/:id/messages/:message_id/feedback',
      {
        config: { auth: 'conversations:write' },
        schema: {
          tags,
          summary: 'Rate an answer up or down, with an optional comment (replaces an earlier rating)',
          params: MessageIdParam,
          body: FeedbackRequest,
          response: { 200: Feedback },
        },
      },
      async (request) => feedback.rate(callerOf(request), request.params.id, request.params.message_id, request.body),
    );

    app.delete(
      '/api/v1/conversations/:id/messages/:message_id/feedback',
      {
        config: { auth: 'conversations:write' },
        schema: { tags, summary: 'Remove your rating of an answer', params: MessageIdParam },
      },
      async (request, reply) => {
        await feedback.unrate(callerOf(request), request.params.id, request.params.message_id);
        return reply.status(204).send();
      },
    );

    app.get(
      '/api/v1/feedback/export',
      {
        config: { auth: 'audit:read' },
        schema: {
          tags,
          summary: "The tenant's ratings with prompt and answer, as NDJSON (evaluation datasets)",
          querystring: FeedbackExportQuery,
        },
      },
      async (request, reply) => {
        const since = request.query.since ? new Date(request.query.since) : undefined;
        return reply
          .type('application/x-ndjson; charset=utf-8')
          .header('content-disposition', 'attachment; filename="feedback.ndjson"')
          .header('cache-control', 'no-store')
          .send(Readable.from(feedback.exportNdjson(callerOf(request), since)));
      },
    );
  };
}
