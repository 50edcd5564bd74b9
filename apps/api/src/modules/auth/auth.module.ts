import type { FastifyInstance } from 'fastify';
import type { PlatformContext } from '../../platform/context.js';
import { Mailer } from '../mail/mailer.js';
import { TenantsService } from '../tenants/tenants.service.js';
import { tenantsRoutes } from '../tenants/tenants.routes.js';
import { AccountRecoveryService } from './account-recovery.service.js';
import { AccessTokenAuthenticator } from './authenticator.js';
import { authRoutes, type AuthRoutesOptions } from './auth.routes.js';
import { AuthService } from './auth.service.js';
import { AccessTokens, CLOCK_TOLERANCE_SECONDS } from './jwt.js';
import { jwksRoutes } from './jwks.routes.js';
import { KeyStore } from './keys/key-store.js';
import { keysetStorageFor } from './keys/keyset-storage.js';
import { LoginLockout } from './lockout.js';
import { PasswordHasher } from './password-hasher.js';
import { SessionRevocations } from './revocation.js';
import { SessionIssuer } from './session-issuer.js';
import { SessionRevoker } from './session-revoker.js';
import { SessionsRepo } from './sessions.repo.js';
import { ServiceAccountsRepo } from './service-accounts.repo.js';
import { ServiceAccountsService } from './service-accounts.service.js';
import { serviceAccountRoutes } from './service-accounts.routes.js';
import { UsersRepo } from './users.repo.js';
import { OperatorUsers } from './operator-users.js';
import { ProfileService } from './profile.service.js';

/**
 * The identity capability: accounts, tenants and memberships, sessions and tokens, service
 * accounts, e-mail. Built once per app; `authenticator` is what the platform's auth guard uses.
 */
export async function createIdentityModule(ctx: PlatformContext) {
  const { config, database, ports, metrics } = ctx;
  const auth = config.auth;
  if (config.isProduction && auth.keysetPathIsDefault) {
    throw new Error('NODE_ENV=production refuses generated dev signing keys: set AUTH_KEYSET_PATH or AUTH_KEYSET_JSON');
  }
  const keys = await KeyStore.open(keysetStorageFor(auth), { generateIfMissing: !auth.keysetJson });
  const tokens = new AccessTokens(keys, { issuer: auth.issuer, audience: auth.audience, ttlSeconds: auth.accessTokenTtlSeconds }, metrics);
  const revocations = new SessionRevocations(ports, auth.accessTokenTtlSeconds + CLOCK_TOLERANCE_SECONDS);
  // In-process ports forget revocations on restart: rebuild them from the sessions table.
  const sessions = new SessionsRepo(database.db);
  await revocations.start(config.redis.url ? undefined : (since) => sessions.revokedSince(since));
  ctx.onShutdown(() => revocations.stop());

  const mailer = new Mailer(ctx);
  if (config.roles.includes('worker')) mailer.registerWorker();
  ctx.onShutdown(() => mailer.close());

  const users = new UsersRepo(database.db);
  const serviceAccountsRepo = new ServiceAccountsRepo(database.db);
  const hasher = new PasswordHasher({
    cost: auth.bcryptCost, pepper: auth.passwordPepper, pepperVersion: auth.passwordPepperVersion,
    previousPeppers: JSON.parse(auth.passwordPeppersPrevious) as Record<string, string>,
  }, metrics);
  const lockout = new LoginLockout(ports, { threshold: auth.lockoutThreshold, windowSeconds: auth.lockoutWindowSeconds, durationSeconds: auth.lockoutDurationSeconds });
  const revoker = new SessionRevoker(sessions, revocations);
  const issuer = new SessionIssuer({ config, tokens, sessions });
  const tenants = new TenantsService({ database, config, mailer, accounts: { emailOf: async (id) => (await users.findById(id))?.email ?? null } });
  tenants.useSessionRevoker(revoker);

  let recovery: AccountRecoveryService | undefined;
  const authService = new AuthService({
    config, database, logger: ctx.logger, users, sessions, serviceAccounts: serviceAccountsRepo, tenants, hasher, lockout, issuer, revoker,
    sendVerification: (userId) => recovery!.sendVerification(userId),
  });
  recovery = new AccountRecoveryService({ config, users, hasher, mailer, revoker, lockout, accountKey: (e) => authService.accountKey(e) });
  const profile = new ProfileService({ users, tenants });
  const serviceAccounts = new ServiceAccountsService({ config, database, ports, repo: serviceAccountsRepo, issuer, revoker, tenants });

  return {
    authenticator: new AccessTokenAuthenticator(tokens, revocations),
    keys, tokens, mailer, tenants, auth: authService, recovery, profile, serviceAccounts, revoker, users,
    operatorUsers: new OperatorUsers({ database, users, tenants, hasher, revoker, lockout, accountKey: (e) => authService.accountKey(e) }),
    /** Registers every identity route; `options` lets other modules add hooks (login throttling). */
    async register(app: FastifyInstance, options: AuthRoutesOptions = {}) {
      await app.register(jwksRoutes(keys, auth.jwksMaxAgeSeconds, metrics));
      await app.register(authRoutes(authService, recovery!, profile, options));
      await app.register(tenantsRoutes(tenants));
      await app.register(serviceAccountRoutes(serviceAccounts));
    },
  };
}

export type IdentityModule = Awaited<ReturnType<typeof createIdentityModule>>;
