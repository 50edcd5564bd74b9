import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { CreateMcpServerRequest, IdParam, McpServer, McpServerList, UpdateMcpServerRequest } from '@agentry/contracts';
import { callerOf } from '../../platform/http/auth-guard.js';
import type { McpService } from './mcp.service.js';

/** `/api/v1/mcp-servers*` (API.md "Tool servers (MCP) and approvals"). */
export function mcpRoutes(service: McpService): FastifyPluginAsyncZod {
  return async (app) => {
    const tags = ['tools'];

    app.get(
      '/api/v1/mcp-servers',
      {
        config: { auth: 'tools:read' },
        schema: { tags, summary: "The tenant's tool servers (MCP)", response: { 200: McpServerList } },
      },
      async (request) => ({ items: await service.list(callerOf(request)) }),
    );

    app.post(
      '/api/v1/mcp-servers',
      {
        config: { auth: 'tools:manage' },
        schema: {
          tags,
          summary: 'Add a tool server: connects and lists its tools (an unreachable one is saved with status error)',
          body: CreateMcpServerRequest,
          response: { 201: McpServer },
        },
      },
      async (request, reply) => {
        const server = await service.create(callerOf(request), request.body);
        reply.code(201);
        return server;
      },
    );

    app.get(
      '/api/v1/mcp-servers/:id',
      {
        config: { auth: 'tools:read' },
        schema: { tags, summary: 'A tool server', params: IdParam, response: { 200: McpServer } },
      },
      async (request) => service.get(callerOf(request), request.params.id),
    );

    app.patch(
      '/api/v1/mcp-servers/:id',
      {
        config: { auth: 'tools:manage' },
        schema: {
          tags,
          summary: 'Change a tool server (a new URL or new headers lists its tools again)',
          params: IdParam,
          body: UpdateMcpServerRequest,
          response: { 200: McpServer },
        },
      },
      async (request) => service.update(callerOf(request), request.params.id, request.body),
    );

    app.delete(
      '/api/v1/mcp-servers/:id',
      { config: { auth: 'tools:manage' }, schema: { tags, summary: 'Remove a tool server', params: IdParam } },
      async (request, reply) => {
        await service.remove(callerOf(request), request.params.id);
        return reply.status(204).send();
      },
    );

    app.post(
      '/api/v1/mcp-servers/:id/refresh',
      {
        config: { auth: 'tools:manage' },
        schema: {
          tags,
          summary: 'Connect again and list the tools (test the connection)',
          params: IdParam,
          response: { 200: McpServer },
        },
      },
      async (request) => service.refresh(callerOf(request), request.params.id),
    );
  };
}
