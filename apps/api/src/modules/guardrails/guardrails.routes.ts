import { GuardrailCatalog, GuardrailRules, GuardrailTestRequest, GuardrailTestResponse } from '@agentry/contracts';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { callerOf } from '../../platform/http/auth-guard.js';
import type { GuardrailsService } from './guardrails.service.js';

/** API.md "Guardrails": the catalog, the tenant's rules, and a test box for the settings page. */
export function guardrailsRoutes(guardrails: GuardrailsService): FastifyPluginAsyncZod {
  return async (app) => {
    const tags = ['guardrails'];

    app.get(
      '/api/v1/guardrails',
      {
        config: { auth: 'tools:read' },
        schema: { tags, summary: 'The guardrails a tenant can use', response: { 200: GuardrailCatalog } },
      },
      async () => ({ items: guardrails.catalog() }),
    );

    app.post(
      '/api/v1/guardrails/test',
      {
        config: { auth: 'tools:read' },
        schema: {
          tags,
          summary: "What the tenant's rules would do to a sample text at a stage (nothing is stored)",
          body: GuardrailTestRequest,
          response: { 200: GuardrailTestResponse },
        },
      },
      async (request) => guardrails.test(callerOf(request), request.body),
    );

    app.get(
      '/api/v1/tenants/current/guardrails',
      {
        config: { auth: 'tools:read' },
        schema: { tags, summary: "The tenant's guardrail rules", response: { 200: GuardrailRules } },
      },
      async (request) => guardrails.get(callerOf(request)),
    );

    app.put(
      '/api/v1/tenants/current/guardrails',
      {
        config: { auth: 'tenant:manage' },
        schema: {
          tags,
          summary: "Replaces the tenant's guardrail rules (an empty list turns them all off)",
          body: GuardrailRules,
          response: { 200: GuardrailRules },
        },
      },
      async (request) => guardrails.put(callerOf(request), request.body),
    );
  };
}
