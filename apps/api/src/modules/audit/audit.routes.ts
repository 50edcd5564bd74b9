import { Readable } from 'node:stream';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { AuditEventPage, AuditEventQuery, AuditExportQuery } from '@agentry/contracts';
import { callerOf } from '../../platform/http/auth-guard.js';
import type { AuditService } from './audit.service.js';

/** The tenant's audit log (API.md "Tenant operations and audit"): read-only; no route changes it. */
export function auditRoutes(audit: AuditService): FastifyPluginAsyncZod {
  return async (app) => {
    const tags = ['audit'];

    app.get(
      '/api/v1/audit-events',
      {
        config: { auth: 'audit:read' },
        schema: {
          tags,
          summary: "The tenant's audit events, newest first (filters: action, actor_id, since)",
          querystring: AuditEventQuery,
          response: { 200: AuditEventPage },
        },
      },
      async (request) => audit.list(callerOf(request), request.query),
    );

    app.get(
      '/api/v1/audit-events/export',
      {
        config: { auth: 'audit:read' },
        schema: {
          tags,
          summary: "The tenant's audit events as a streamed NDJSON or CSV file, newest first",
          querystring: AuditExportQuery,
        },
      },
      async (request, reply) => {
        const csv = request.query.format === 'csv';
        return reply
          .type(csv ? 'text/csv; charset=utf-8' : 'application/x-ndjson; charset=utf-8')
          .header('content-disposition', `attachment; filename="audit-events.${csv ? 'csv' : 'ndjson'}"`)
          .header('cache-control', 'no-store')
          .send(Readable.from(audit.export(callerOf(request), request.query)));
      },
    );
  };
}
