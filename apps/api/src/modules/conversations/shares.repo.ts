import { and, asc, eq } from 'drizzle-orm';
import type { DbOrTx } from '../../platform/db/client.js';
import { conversationShares } from './conversations.tables.js';

export type ShareRow = typeof conversationShares.$inferSelect;

/** SQL of public conversation shares; `db` first, like every repo. */
export class SharesRepo {
  async insert(db: DbOrTx, values: typeof conversationShares.$inferInsert): Promise<ShareRow> {
    const [row] = await db.insert(conversationShares).values(values).returning();
    return row;
  }

  async listOf(db: DbOrTx, tenantId: string, conversationId: string): Promise<ShareRow[]> {
    return db
      .select()
      .from(conversationShares)
      .where(and(eq(conversationShares.tenantId, tenantId), eq(conversationShares.conversationId, conversationId)))
      .orderBy(asc(conversationShares.createdAt));
  }

  async delete(db: DbOrTx, tenantId: string, conversationId: string, id: string): Promise<boolean> {
    const rows = await db
      .delete(conversationShares)
      .where(
        and(
          eq(conversationShares.tenantId, tenantId),
          eq(conversationShares.conversationId, conversationId),
          eq(conversationShares.id, id),
        ),
      )
      .returning({ id: conversationShares.id });
    return rows.length > 0;
  }

  /** The public read: by link id alone (the id is the secret). */
  async find(db: DbOrTx, id: string): Promise<ShareRow | undefined> {
    const [row] = await db.select().from(conversationShares).where(eq(conversationShares.id, id));
    return row;
  }
}
