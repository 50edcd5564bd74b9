import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import {
  DeprovisionTenantRequest,
  DeprovisionTenantResponse,
  PlatformTenantDetail,
  PlatformTenantList,
  PlatformTenantParam,
  PlatformTenantQuery,
  ReactivateTenantResponse,
  SuspendTenantRequest,
  SuspendTenantResponse,
} from '@agentry/contracts';
import { callerOf } from '../../platform/http/auth-guard.js';
import type { OperatorsService } from './operators.service.js';

/** Platform operators' routes (API.md "Tenant operations and audit"): in no tenant, `platform:operator`. */
export function operatorsRoutes(operators: OperatorsService): FastifyPluginAsyncZod {
  return async (app) => {
    const tags = ['platform'];
    const auth = 'platform:operator' as const;

    app.get(
      '/api/v1/platform/tenants',
      {
        config: { auth },
        schema: {
          tags,
          summary: 'Every tenant, by slug (search q: slug, name or id; status filter)',
          querystring: PlatformTenantQuery,
          response: { 200: PlatformTenantList },
        },
      },
      async (request) => operators.list(request.query),
    );

    app.get(
      '/api/v1/platform/tenants/:id',
      {
        config: { auth },
        schema: {
          tags,
          summary: 'A tenant with its members, subscription and usage',
          params: PlatformTenantParam,
          response: { 200: PlatformTenantDetail },
        },
      },
      async (request) => operators.get(request.params.id),
    );

    app.post(
      '/api/v1/platform/tenants/:id/suspend',
      {
        config: { auth },
        schema: {
          tags,
          summary: 'Suspend a tenant: its sessions end, its tokens and logins get 403 tenant_suspended',
          params: PlatformTenantParam,
          body: SuspendTenantRequest,
          response: { 200: SuspendTenantResponse },
        },
      },
      async (request) => operators.suspend(callerOf(request), request.params.id, request.body.reason),
    );

    app.post(
      '/api/v1/platform/tenants/:id/deprovision',
      {
        config: { auth },
        schema: {
          tags,
          summary:
            'Deprovision a tenant: refused at once, Stripe subscription cancelled, every row deleted after TENANT_DATA_RETENTION_DAYS',
          params: PlatformTenantParam,
          body: DeprovisionTenantRequest,
          response: { 202: DeprovisionTenantResponse },
        },
      },
      async (request, reply) =>
        reply.status(202).send(await operators.deprovision(callerOf(request), request.params.id, request.body.reason)),
    );

    app.post(
      '/api/v1/platform/tenants/:id/reactivate',
      {
        config: { auth },
        schema: {
          tags,
          summary: 'Reactivate a suspended tenant (the ended sessions stay ended)',
          params: PlatformTenantParam,
          response: { 200: ReactivateTenantResponse },
        },
      },
      async (request) => operators.reactivate(callerOf(request), request.params.id),
    );
  };
}
