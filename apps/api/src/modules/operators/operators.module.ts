import type { FastifyInstance } from 'fastify';
import type { Caller } from '../../platform/caller.js';
import { AppError } from '../../platform/errors.js';
import type { BillingModule } from '../billing/billing.module.js';
import { operatorsRoutes } from './operators.routes.js';
import { type OperatorBilling, OperatorsService, type OperatorsServiceDeps } from './operators.service.js';

/**
 * Platform operators: the routes under `/api/v1/platform/` (list, read, suspend, reactivate
 * tenants). Built last: it uses tenants, sessions and billing through the services they hand it.
 */
export function createOperatorsModule(deps: Omit<OperatorsServiceDeps, 'billing'> & { billing: BillingModule }) {
  const service = new OperatorsService({ ...deps, billing: billingView(deps.billing) });
  return {
    service,
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
  };
}

export type OperatorsModule = ReturnType<typeof createOperatorsModule>;
