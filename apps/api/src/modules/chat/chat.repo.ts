import { and, eq } from 'drizzle-orm';
import type { Db, DbOrTx } from '../../platform/db/client.js';
import { chatRuns } from './chat.tables.js';

export type ChatRunRow = typeof chatRuns.$inferSelect;

/** SQL of chat runs. Every method takes the tenant. */
export class ChatRepo {
  constructor(private readonly db: Db) {}

  async insertRun(values: { id: string; tenantId: string; userId: string; conversationId: string; agent: string }, tx: DbOrTx = this.db) {
    await tx.insert(chatRuns).values(values);
  }

  async findOwned(tenantId: string, userId: string, id: string): Promise<ChatRunRow | undefined> {
    const [row] = await this.db.select().from(chatRuns).where(and(eq(chatRuns.tenantId, tenantId), eq(chatRuns.userId, userId), eq(chatRuns.id, id)));
    return row;
  }

  async finishRun(tx: DbOrTx, tenantId: string, id: string, values: { status: 'completed' | 'failed'; errorCode?: string; inputTokens: number; outputTokens: number }) {
    await tx
      .update(chatRuns)
      .set({ status: values.status, errorCode: values.errorCode ?? null, inputTokens: values.inputTokens, outputTokens: values.outputTokens, finishedAt: new Date() })
      .where(and(eq(chatRuns.tenantId, tenantId), eq(chatRuns.id, id)));
  }
}
