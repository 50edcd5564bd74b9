import { and, eq, sql } from 'drizzle-orm';
import type { DbOrTx } from '../../../platform/db/client.js';
import { type SsoConfigRow, ssoConfigs, ssoIdentities } from './sso.tables.js';

/** `sso_configs` and `sso_identities`; every method takes the connection first. */
export class SsoRepo {
  async get(db: DbOrTx, tenantId: string): Promise<SsoConfigRow | undefined> {
    const [row] = await db.select().from(ssoConfigs).where(eq(ssoConfigs.tenantId, tenantId));
    return row;
  }

  async upsert(db: DbOrTx, row: Omit<SsoConfigRow, 'createdAt' | 'updatedAt'>): Promise<SsoConfigRow> {
    const { tenantId, ...rest } = row;
    const [saved] = await db
      .insert(ssoConfigs)
      .values(row)
      .onConflictDoUpdate({ target: ssoConfigs.tenantId, set: { ...rest, updatedAt: sql`now()` } })
      .returning();
    return saved;
  }

  async delete(db: DbOrTx, tenantId: string): Promise<boolean> {
    const rows = await db.delete(ssoConfigs).where(eq(ssoConfigs.tenantId, tenantId)).returning();
    return rows.length > 0;
  }

  /** The tenant whose configuration lists `domain` (the first by creation when several do). */
  async tenantForDomain(db: DbOrTx, domain: string): Promise<string | null> {
    const [row] = await db
      .select({ tenantId: ssoConfigs.tenantId })
      .from(ssoConfigs)
      .where(sql`${ssoConfigs.allowedDomains} @> ${JSON.stringify([domain])}::jsonb`)
      .orderBy(ssoConfigs.createdAt)
      .limit(1);
    return row?.tenantId ?? null;
  }

  async findIdentity(db: DbOrTx, issuer: string, subject: string): Promise<string | null> {
    const [row] = await db
      .select({ userId: ssoIdentities.userId })
      .from(ssoIdentities)
      .where(and(eq(ssoIdentities.issuer, issuer), eq(ssoIdentities.subject, subject)));
    return row?.userId ?? null;
  }

  /** Links (issuer, sub) to the user, or only touches `last_login_at` when it is already linked. */
  async linkIdentity(db: DbOrTx, issuer: string, subject: string, userId: string): Promise<void> {
    await db
      .insert(ssoIdentities)
      .values({ issuer, subject, userId, lastLoginAt: sql`now()` })
      .onConflictDoUpdate({
        target: [ssoIdentities.issuer, ssoIdentities.subject],
        set: { lastLoginAt: sql`now()` },
      });
  }
}
