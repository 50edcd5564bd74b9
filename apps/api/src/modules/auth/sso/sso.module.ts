import type { FastifyInstance } from 'fastify';
import type { PlatformContext } from '../../../platform/context.js';
import { createGuardedFetch } from '../../../platform/ssrf.js';
import type { TenantsService } from '../../tenants/tenants.service.js';
import type { PasswordHasher } from '../accounts/password-hasher.js';
import type { UsersRepo } from '../accounts/users.repo.js';
import { SsoRepo } from './sso.repo.js';
import { ssoRoutes } from './sso.routes.js';
import { type SsoSessionOpener, SsoService } from './sso.service.js';

/**
 * Per-tenant OpenID Connect single sign-on. Built inside accounts (it creates users and opens
 * sessions through accounts' issuer), before AuthService, which asks it whether password login is
 * refused (`enforce`). `sessions` is bound once AuthService exists.
 */
export function createSsoModule(
  ctx: PlatformContext,
  deps: { users: UsersRepo; tenants: TenantsService; hasher: PasswordHasher },
) {
  let opener: SsoSessionOpener | null = null;
  const service = new SsoService({
    config: ctx.config,
    database: ctx.database,
    logger: ctx.logger,
    ports: ctx.ports,
    secrets: ctx.secrets,
    audit: ctx.audit,
    repo: new SsoRepo(),
    users: deps.users,
    tenants: deps.tenants,
    hasher: deps.hasher,
    fetch: createGuardedFetch(ctx.config.sso.allowPrivateNetworks),
    sessions: {
      openSsoSession: (...args) => {
        if (!opener) throw new Error('sso: no session opener bound');
        return opener.openSsoSession(...args);
      },
    },
  });
  return {
    service,
    bindSessions(sessions: SsoSessionOpener) {
      opener = sessions;
    },
    async register(app: FastifyInstance) {
      await app.register(ssoRoutes(service));
    },
  };
}
