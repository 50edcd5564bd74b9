import type { FastifyInstance } from 'fastify';
import type { PlatformContext } from '../../../platform/context.js';
import { createGuardedFetch } from '../../../platform/ssrf.js';
import type { TenantsService } from '../../tenants/tenants.service.js';
import type { PasswordHasher } from '../accounts/password-hasher.js';
import type { UsersRepo } from '../accounts/users.repo.js';
import { OidcIssuers } from './oidc-issuers.js';
import { SsoConfigService } from './sso-config.service.js';
import { type SsoSessionOpener, SsoSignIn } from './sso-sign-in.service.js';
import { SsoRepo } from './sso.repo.js';
import { ssoRoutes } from './sso.routes.js';

/**
 * Per-tenant OpenID Connect single sign-on. Built inside accounts (it creates users and opens
 * sessions through accounts' issuer), before AuthService, which asks its configuration whether
 * password login is refused (`enforce`). `sessions` is bound once AuthService exists.
 */
export function createSsoModule(
  ctx: PlatformContext,
  deps: { users: UsersRepo; tenants: TenantsService; hasher: PasswordHasher },
) {
  const repo = new SsoRepo();
  const issuers = new OidcIssuers({
    allowInsecure: ctx.config.sso.allowInsecureIssuers,
    fetch: createGuardedFetch(ctx.config.sso.allowPrivateNetworks),
  });
  const config = new SsoConfigService({
    config: ctx.config,
    database: ctx.database,
    logger: ctx.logger,
    secrets: ctx.secrets,
    audit: ctx.audit,
    repo,
    tenants: deps.tenants,
    issuers,
  });
  let opener: SsoSessionOpener | null = null;
  const signIn = new SsoSignIn({
    config: ctx.config,
    database: ctx.database,
    logger: ctx.logger,
    ports: ctx.ports,
    secrets: ctx.secrets,
    repo,
    users: deps.users,
    tenants: deps.tenants,
    hasher: deps.hasher,
    issuers,
    sessions: {
      openSsoSession: (...args) => {
        if (!opener) throw new Error('sso: no session opener bound');
        return opener.openSsoSession(...args);
      },
    },
  });
  return {
    config,
    bindSessions(sessions: SsoSessionOpener) {
      opener = sessions;
    },
    async register(app: FastifyInstance) {
      await app.register(ssoRoutes(config, signIn));
    },
  };
}
