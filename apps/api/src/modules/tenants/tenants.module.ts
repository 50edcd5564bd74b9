import type { FastifyInstance } from 'fastify';
import type { PlatformContext } from '../../platform/context.js';
import type { Mailer } from '../mail/mailer.js';
import { TenantsRepo } from './tenants.repo.js';
import { tenantsRoutes } from './tenants.routes.js';
import { TenantsService, type AccountDirectory, type MemberSessionRevoker } from './tenants.service.js';

/**
 * Tenants, memberships and invitations. Reads accounts only through `accounts` (e-mail and display
 * name) and ends a member's sessions through `sessions`: both are the auth module's, passed in.
 */
export function createTenantsModule(
  ctx: PlatformContext,
  deps: { mailer: Mailer; accounts: AccountDirectory; sessions: MemberSessionRevoker },
) {
  const service = new TenantsService({
    config: ctx.config,
    database: ctx.database,
    repo: new TenantsRepo(),
    audit: ctx.audit,
    ...deps,
  });
  return {
    service,
    async register(app: FastifyInstance) {
      await app.register(tenantsRoutes(service));
    },
  };
}

export type TenantsModule = ReturnType<typeof createTenantsModule>;
