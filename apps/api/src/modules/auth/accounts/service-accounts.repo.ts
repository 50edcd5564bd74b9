import { and, asc, eq, isNull, sql } from 'drizzle-orm';
import type { DbOrTx } from '../../../platform/db/client.js';
import { serviceAccounts, type ServiceAccountRow } from './accounts.tables.js';

/**
 * SQL for service accounts. Every method takes the connection first — the caller's transaction or
 * the database — and the tenant id; the repository holds no connection and opens no transaction.
 */
export class ServiceAccountsRepo {
  async create(
    db: DbOrTx,
    input: { tenantId: string; name: string; scopes: string[]; createdBy: string | null },
  ): Promise<ServiceAccountRow> {
    const [row] = await db.insert(serviceAccounts).values(input).returning();
    return row;
  }

  async list(db: DbOrTx, tenantId: string): Promise<ServiceAccountRow[]> {
    return db
      .select()
      .from(serviceAccounts)
      .where(and(eq(serviceAccounts.tenantId, tenantId), isNull(serviceAccounts.revokedAt)))
      .orderBy(asc(serviceAccounts.createdAt));
  }

  /** Marks a live account revoked; false when there is none (unknown, revoked, or another tenant's). */
  async revoke(db: DbOrTx, tenantId: string, id: string): Promise<boolean> {
    const rows = await db
      .update(serviceAccounts)
      .set({ revokedAt: sql`now()` })
      .where(and(eq(serviceAccounts.tenantId, tenantId), eq(serviceAccounts.id, id), isNull(serviceAccounts.revokedAt)))
      .returning({ id: serviceAccounts.id });
    return rows.length > 0;
  }

  /** Records a use and returns the live account, or null when it is revoked or unknown. */
  async touch(db: DbOrTx, tenantId: string, id: string): Promise<ServiceAccountRow | null> {
    const [row] = await db
      .update(serviceAccounts)
      .set({ lastUsedAt: sql`now()` })
      .where(and(eq(serviceAccounts.tenantId, tenantId), eq(serviceAccounts.id, id), isNull(serviceAccounts.revokedAt)))
      .returning();
    return row ?? null;
  }
}
