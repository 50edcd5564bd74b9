import { withInfrastructure } from '../cli-runtime.js';
import { createIdentityModule, type IdentityModule } from '../../modules/auth/auth.module.js';
import { Metrics } from '../../platform/metrics.js';
import { createLogger } from '../../platform/logger.js';
import { SseRegistry } from '../../platform/sse.js';
import { loggingAuditLog } from '../../platform/audit.js';

/**
 * Runs `fn` with the identity module built on the configured database and Redis, exactly as the
 * server builds it (so a CLI revocation reaches every replica through the same pub/sub channel).
 */
export async function withIdentity<T>(fn: (identity: IdentityModule) => Promise<T>): Promise<T> {
  return withInfrastructure(async ({ config, database, ports }) => {
    const shutdown: (() => Promise<void> | void)[] = [];
    const logger = createLogger(config.logLevel === 'info' ? 'warn' : config.logLevel);
    const identity = await createIdentityModule({
      config, database, ports, metrics: new Metrics(), logger, audit: loggingAuditLog(logger),
      sse: new SseRegistry(), onShutdown: (f) => shutdown.push(f),
    });
    try {
      return await fn(identity);
    } finally {
      for (const f of shutdown.reverse()) await f();
    }
  }, { migrate: true });
}
