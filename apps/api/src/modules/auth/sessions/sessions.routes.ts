import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { LogoutRequest, SessionList, Uuid } from '@agentry/contracts';
import { callerOf } from '../../../platform/http/auth-guard.js';
import type { SessionsService } from './sessions.service.js';

/** `/api/v1/auth/logout*` and `/api/v1/auth/sessions*`: the caller ends or lists their own sessions. */
export function sessionsRoutes(sessions: SessionsService): FastifyPluginAsyncZod {
  return async (app) => {
    const tags = ['auth'];

    app.post(
      '/api/v1/auth/logout',
      {
        config: { auth: 'access' },
        schema: { tags, summary: 'Revoke this session', body: LogoutRequest.nullish() },
      },
      async (request, reply) => {
        await sessions.logout(callerOf(request));
        return reply.status(204).send();
      },
    );

    app.post(
      '/api/v1/auth/logout/all',
      {
        config: { auth: 'access' },
        schema: { tags, summary: 'Revoke every session of the user' },
      },
      async (request, reply) => {
        await sessions.logoutAll(callerOf(request));
        return reply.status(204).send();
      },
    );

    app.get(
      '/api/v1/auth/sessions',
      {
        config: { auth: 'access' },
        schema: { tags, summary: "The user's live sessions in this tenant", response: { 200: SessionList } },
      },
      async (request) => ({ items: await sessions.list(callerOf(request)) }),
    );

    app.delete(
      '/api/v1/auth/sessions/:id',
      {
        config: { auth: 'access' },
        schema: { tags, summary: 'Revoke one of your sessions', params: z.object({ id: Uuid }) },
      },
      async (request, reply) => {
        await sessions.revoke(callerOf(request), request.params.id);
        return reply.status(204).send();
      },
    );
  };
}
