import type { FastifyInstance } from 'fastify';
import type { Caller } from '../../platform/caller.js';
import { AppError } from '../../platform/errors.js';
import type { BillingModule } from '../billing/billing.module.js';
import { operatorsRoutes } from './operators.routes.js';
import type { Logger } from 'pino';
import type { Database } from '../../platform/db/client.js';
import type { JobQueue } from '../../platform/ports/types.js';
import { type OperatorBilling, OperatorsService, type OperatorsServiceDeps } from './operators.service.js';
import { TenantDeletion } from './tenant-deletion.js';

/**
 * Platform operators: the routes under `/api/v1/platform/` (list, read, suspend, reactivate
 * tenants). Built last: it uses tenants, sessions and billing through the services they hand it.
 */
export async function createOperatorsModule(
  deps: Omit<OperatorsServiceDeps, 'billing' | 'deletion'> & {
    billing: BillingModule;
    database: Database;
    jobs: JobQueue;
    logger: Logger;
    deletionIntervalMs: number;
    /** Runs the deletion job (processes with the worker role). */
    worker: boolean;
    onShutdown(fn: () => void): void;
  },
) {
  const deletion = new TenantDeletion({
    database: deps.database,
    tenants: deps.tenants,
    jobs: deps.jobs,
    logger: deps.logger,
    intervalMs: deps.deletionIntervalMs,
  });
  if (deps.worker) {
    await deletion.startWorker();
    deps.onShutdown(() => deletion.stop());
  }
  const service = new OperatorsService({ ...deps, deletion, billing: billingView(deps.billing) });
  return {
    service,
    deletion,
    async register(app: FastifyInstance) {
      await app.register(operatorsRoutes(service));
    },
  };
}

/** Billing as an operator reads it: any tenant's subscription and usage (the services check a caller's tenant). */
function billingView(billing: BillingModule): OperatorBilling {
  const as = (tenantId: string): Caller => ({
    subject: 'operator',
    userId: null,
    serviceAccountId: null,
    tenantId,
    role: null,
    scopes: [],
    sessionId: '',
    emailVerified: false,
  });
  const orNull = async <T>(fn: () => Promise<T>): Promise<T | null> => {
    try {
      return await fn();
    } catch (err) {
      if (err instanceof AppError && err.code === 'not_found') return null;
      throw err;
    }
  };
  return {
    subscriptionOf: (tenantId) => orNull(() => billing.subscriptions.get(as(tenantId), tenantId)),
    usageOf: (tenantId) => orNull(() => billing.usage.getUsage(as(tenantId), tenantId)),
    closeTenantStreams: (tenantId) => billing.streams.closeTenantStreams(tenantId),
    cancelNow: async (tenantId) => {
      if (!billing.gateway) return; // billing off: there is no Stripe subscription to cancel
      await orNull(() => billing.subscriptions.cancel(as(tenantId), tenantId, { at_period_end: false }));
    },
  };
}

export type OperatorsModule = Awaited<ReturnType<typeof createOperatorsModule>>;
