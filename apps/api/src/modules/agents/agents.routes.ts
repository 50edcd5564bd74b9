import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { AgentDetail, AgentList, AgentNameParam, ToolList, ToolListQuery } from '@agentry/contracts';
import { callerOf } from '../../platform/http/auth-guard.js';
import type { AgentsService } from './agents.service.js';

/** `/api/v1/agents*` and `/api/v1/tools`: the catalog of this deployment. */
export function agentsRoutes(agents: AgentsService): FastifyPluginAsyncZod {
  return async (app) => {
    const tags = ['agents'];

    app.get(
      '/api/v1/agents',
      {
        config: { auth: 'tools:read' },
        schema: { tags, summary: 'The agents, their models, tools and handoffs', response: { 200: AgentList } },
      },
      async () => ({ items: await agents.list() }),
    );

    app.get(
      '/api/v1/agents/:name',
      {
        config: { auth: 'tools:read' },
        schema: {
          tags,
          summary: "One agent, with the caller's usage stats",
          params: AgentNameParam,
          response: { 200: AgentDetail },
        },
      },
      async (request) => agents.get(callerOf(request), request.params.name),
    );

    app.get(
      '/api/v1/tools',
      {
        config: { auth: 'tools:read' },
        schema: {
          tags: ['tools'],
          summary: 'The tool catalog (optionally the tools of one agent)',
          querystring: ToolListQuery,
          response: { 200: ToolList },
        },
      },
      async (request) => ({ items: await agents.tools(request.query.agent) }),
    );
  };
}
