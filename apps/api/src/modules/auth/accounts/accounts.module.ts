import type { FastifyInstance } from 'fastify';
import type { PlatformContext } from '../../../platform/context.js';
import type { DbOrTx } from '../../../platform/db/client.js';
import type { Mailer } from '../../mail/mailer.js';
import type { TenantsService } from '../../tenants/tenants.service.js';
import type { SessionsModule } from '../sessions/sessions.module.js';
import { AccountRecoveryService } from './account-recovery.service.js';
import { authRoutes } from './auth.routes.js';
import { emailChangeRoutes } from './email-change.routes.js';
import { EmailChangeService } from './email-change.service.js';
import { Reauthentication } from './reauth.js';
import { AuthService } from './auth.service.js';
import { LoginLockout } from './lockout.js';
import { MfaRepo } from './mfa/mfa.repo.js';
import { mfaRoutes } from './mfa/mfa.routes.js';
import { MfaService } from './mfa/mfa.service.js';
import { SecondFactor } from './mfa/second-factor.js';
import { OperatorUsers } from './operator-users.js';
import { PasswordHasher } from './password-hasher.js';
import { ProfileService } from './profile.service.js';
import { ServiceAccountsRepo } from './service-accounts.repo.js';
import { serviceAccountRoutes } from './service-accounts.routes.js';
import { ServiceAccountsService } from './service-accounts.service.js';
import { UsersRepo } from './users.repo.js';
import { createSsoModule } from '../sso/sso.module.js';

/**
 * Accounts and how they get sessions: sign-up, login, refresh, profile, e-mail verification and
 * password recovery, service accounts, and the operators' account commands. Built after sessions
 * (it opens and ends sessions) and tenants (sign-up creates or joins one; a session is for one).
 */
export function createAccountsModule(
  ctx: PlatformContext,
  deps: { mailer: Mailer; sessions: SessionsModule; tenants: TenantsService },
) {
  const { config, database, ports, metrics, logger, audit } = ctx;
  const { mailer, tenants } = deps;
  const { issuer, revoker } = deps.sessions;
  const auth = config.auth;
  const users = new UsersRepo();
  const serviceAccountsRepo = new ServiceAccountsRepo();
  const hasher = new PasswordHasher(
    {
      cost: auth.bcryptCost,
      pepper: auth.passwordPepper,
      pepperVersion: auth.passwordPepperVersion,
      previousPeppers: auth.passwordPeppersPrevious,
    },
    metrics,
  );
  const lockout = new LoginLockout(ports, {
    threshold: auth.lockoutThreshold,
    windowSeconds: auth.lockoutWindowSeconds,
    durationSeconds: auth.lockoutDurationSeconds,
    pepper: auth.ipPepper,
  });

  const mfaRepo = new MfaRepo();
  const secondFactor = new SecondFactor({ config, secrets: ctx.secrets, repo: mfaRepo, lockout, audit, mailer });
  const reauth = new Reauthentication({ users, hasher, lockout, secondFactor });
  const mfa = new MfaService({
    config,
    database,
    ports,
    secrets: ctx.secrets,
    audit: ctx.audit,
    mailer,
    users,
    repo: mfaRepo,
    lockout,
    secondFactor,
    reauth,
    revoker,
  });
  const recovery = new AccountRecoveryService({
    config,
    database,
    users,
    hasher,
    mailer,
    revoker,
    lockout,
    reauth,
    audit,
    tenants,
  });
  const sso = createSsoModule(ctx, { users, tenants, hasher });
  const signIn = new AuthService({
    config,
    database,
    logger,
    users,
    serviceAccounts: serviceAccountsRepo,
    tenants,
    hasher,
    lockout,
    issuer,
    revoker,
    recovery,
    mfa,
    audit,
    sso: sso.config,
    grace: deps.sessions.grace,
  });
  sso.bindSessions(signIn);
  const emailChange = new EmailChangeService({ config, database, users, reauth, mailer, revoker, audit, tenants });
  const profile = new ProfileService({ database, users, tenants, mfa: mfaRepo });
  const serviceAccounts = new ServiceAccountsService({
    config,
    database,
    ports,
    repo: serviceAccountsRepo,
    issuer,
    revoker,
    tenants,
    audit,
  });

  return {
    auth: signIn,
    recovery,
    profile,
    mfa,
    sso: sso.config,
    serviceAccounts,
    emailChange,
    /** The password (and, with MFA on, a second factor) typed again before a sensitive action (counts into the lockout). */
    reauth,
    /** Accounts by id (for the account export and deletion). */
    users: { findById: (db: DbOrTx, id: string) => users.findById(db, id) },
    /** What `agentry users …` does: create, lock, unlock, disable. */
    operatorUsers: new OperatorUsers({ database, users, tenants, hasher, revoker, lockout }),
    /** `/auth/*` (sign-up, login, refresh, profile, e-mail, passwords) and `/service-accounts*`. */
    async register(app: FastifyInstance) {
      await app.register(authRoutes(signIn, recovery, profile));
      await app.register(mfaRoutes(signIn, mfa));
      await sso.register(app);
      await app.register(emailChangeRoutes(emailChange));
      await app.register(serviceAccountRoutes(serviceAccounts));
    },
  };
}

export type AccountsModule = ReturnType<typeof createAccountsModule>;
