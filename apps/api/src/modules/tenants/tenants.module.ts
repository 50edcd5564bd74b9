import type { FastifyInstance } from 'fastify';
import type { PlatformContext } from '../../platform/context.js';
import type { Database } from '../../platform/db/client.js';
import type { Mailer } from '../mail/mailer.js';
import { TenantsRepo } from './tenants.repo.js';
import { tenantsRoutes } from './tenants.routes.js';
import {
  TenantsService,
  type AccountDirectory,
  type MemberSessionRevoker,
  type SeatPolicy,
} from './tenants.service.js';

/**
 * Tenants, memberships and invitations. Reads accounts only through `accounts` (e-mail and display
 * name) and ends a member's sessions through `sessions`: both are the auth module's, passed in.
 * The seat limit comes from billing through `seats`.
 */
export function createTenantsModule(
  ctx: PlatformContext,
  deps: { mailer: Mailer; accounts: AccountDirectory; sessions: MemberSessionRevoker; seats: SeatPolicy },
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

/** Counts a tenant's seats in use (members + pending invitations) for billing's usage read. */
export function seatCounter(database: Database) {
  const repo = new TenantsRepo();
  return { countSeats: (tenantId: string) => repo.countSeats(database.db, tenantId) };
}
