import { withInfrastructure } from '../cli-runtime.js';
import { UserDirectory } from '../../modules/auth/accounts/account-directory.js';
import { createAccountsModule, type AccountsModule } from '../../modules/auth/accounts/accounts.module.js';
import { createSessionsModule } from '../../modules/auth/sessions/sessions.module.js';
import { createMailModule, type MailModule } from '../../modules/mail/mail.module.js';
import { createBillingModule } from '../../modules/billing/billing.module.js';
import { createTenantsModule, seatCounter } from '../../modules/tenants/tenants.module.js';
import type { PlatformContext } from '../../platform/context.js';
import { Metrics } from '../../platform/metrics.js';
import { createLogger } from '../../platform/logger.js';
import { SseRegistry } from '../../platform/sse.js';
import { createAuditLog } from '../../modules/audit/audit.module.js';
import { createSecretBox } from '../../platform/secret-box.js';

export interface Identity {
  mail: MailModule;
  accounts: AccountsModule;
}

/**
 * Runs `fn` with the identity modules built on the configured database and Redis, in the order
 * app.ts builds them (so a CLI revocation reaches every replica through the same pub/sub channel).
 */
export async function withIdentity<T>(fn: (identity: Identity) => Promise<T>): Promise<T> {
  return withInfrastructure(
    async ({ config, database, ports }) => {
      const shutdown: (() => Promise<void> | void)[] = [];
      const logger = createLogger(config.logLevel === 'info' ? 'warn' : config.logLevel);
      const ctx: PlatformContext = {
        config,
        database,
        ports,
        metrics: new Metrics(),
        logger,
        audit: createAuditLog(database, logger),
        secrets: createSecretBox(config.secrets),
        sse: new SseRegistry(),
        onShutdown: (f) => shutdown.push(f),
      };
      try {
        const sessions = await createSessionsModule(ctx);
        const billing = createBillingModule(ctx, { registerWorkers: false, seatsInUse: seatCounter(database) });
        const mail = createMailModule(ctx);
        const tenants = createTenantsModule(ctx, {
          mailer: mail.mailer,
          accounts: new UserDirectory(database),
          sessions: sessions.revoker,
          seats: billing.seatLimits,
        });
        const accounts = createAccountsModule(ctx, { mailer: mail.mailer, sessions, tenants: tenants.service });
        return await fn({ mail, accounts });
      } finally {
        for (const f of shutdown.reverse()) await f();
      }
    },
    { migrate: true },
  );
}
