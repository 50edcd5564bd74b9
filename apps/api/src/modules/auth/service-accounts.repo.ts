import { and, asc, eq, isNull, sql } from 'drizzle-orm';
import type { DbOrTx } from '../../platform/db/client.js';
import { serviceAccounts, type ServiceAccountRow } from './auth.tables.js';

/** SQL for service accounts; every method takes the tenant id. */
export class ServiceAccountsRepo {
  constructor(private readonly db: DbOrTx) {}

  with(tx: DbOrTx) {
    return new ServiceAccountsRepo(tx);
  }

  async create(input: { tenantId: string; name: string; scopes: string[]; createdBy: string | null }): Promise<ServiceAccountRow> {
    const [row] = await this.db.insert(serviceAccounts).values(input).returning();
    return row;
  }

  async list(tenantId: string): Promise<ServiceAccountRow[]> {
    return this.db.select().from(serviceAccounts).where(and(eq(serviceAccounts.tenantId, tenantId), isNull(serviceAccounts.revokedAt))).orderBy(asc(serviceAccounts.createdAt));
  }

  /** Marks a live account revoked; false when there is none (unknown, revoked, or another tenant's). */
  async revoke(tenantId: string, id: string): Promise<boolean> {
    const rows = await this.db
      .update(serviceAccounts)
      .set({ revokedAt: sql`now()` })
      .where(and(eq(serviceAccounts.tenantId, tenantId), eq(serviceAccounts.id, id), isNull(serviceAccounts.revokedAt)))
      .returning({ id: serviceAccounts.id });
    return rows.length > 0;
  }

  /** Records a use and returns the live account, or null when it is revoked or unknown. */
  async touch(tenantId: string, id: string): Promise<ServiceAccountRow | null> {
    const [row] = await this.db
      .update(serviceAccounts)
      .set({ lastUsedAt: sql`now()` })
      .where(and(eq(serviceAccounts.tenantId, tenantId), eq(serviceAccounts.id, id), isNull(serviceAccounts.revokedAt)))
      .returning();
    return row ?? null;
  }
}
