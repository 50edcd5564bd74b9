import type { FastifyInstance } from 'fastify';
import { accountDataRoutes } from './account-data.routes.js';
import { type AccountDataDeps, AccountDataService } from './account-data.service.js';

/**
 * A person's rights over their account: the export of everything stored about them and the deletion
 * of the account. Built last (it reaches every module's tables through `USER_DATA_TABLES`, and
 * deletes abandoned tenants through the operators' tenant deletion).
 */
export function createAccountDataModule(deps: AccountDataDeps) {
  const service = new AccountDataService(deps);
  return {
    service,
    async register(app: FastifyInstance) {
      await app.register(accountDataRoutes(service));
    },
  };
}
