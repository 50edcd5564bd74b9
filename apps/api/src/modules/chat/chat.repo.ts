import { and, eq, inArray, sql } from 'drizzle-orm';
import type { Db, DbOrTx } from '../../platform/db/client.js';
import { chatRuns } from './chat.tables.js';

export type ChatRunRow = typeof chatRuns.$inferSelect;

/**
 * SQL of chat runs. Every method takes the tenant, except the two system ones of the run lifecycle
 * (`heartbeat`, `reapStale`), which act on runs by id or across tenants for the replicas and the reaper.
 */
export class ChatRepo {
  constructor(private readonly db: Db) {}

  async insertRun(values: { id: string; tenantId: string; userId: string; conversationId: string; agent: string }, tx: DbOrTx = this.db) {
    await tx.insert(chatRuns).values(values);
  }

  async findOwned(tenantId: string, userId: string, id: string): Promise<ChatRunRow | undefined> {
    const [row] = await this.db.select().from(chatRuns).where(and(eq(chatRuns.tenantId, tenantId), eq(chatRuns.userId, userId), eq(chatRuns.id, id)));
    return row;
  }

  /** Refreshes the heartbeat of these runs; returns those still `running` (the others were reaped or finished). */
  async heartbeat(ids: string[]): Promise<string[]> {
    if (ids.length === 0) return [];
    const rows = await this.db
      .update(chatRuns)
      .set({ heartbeatAt: sql`now()` })
      .where(and(inArray(chatRuns.id, ids), eq(chatRuns.status, 'running')))
      .returning({ id: chatRuns.id });
    return rows.map((r) => r.id);
  }

  /**
   * Marks up to `limit` runs whose heartbeat is older than `staleBefore` as failed (`run_lost`) and
   * returns them. One statement with SKIP LOCKED, so two reapers never end the same run twice.
   */
  async reapStale(staleBefore: Date, limit: number): Promise<{ id: string; tenantId: string; inputTokens: number; outputTokens: number }[]> {
    const stale = this.db
      .select({ id: chatRuns.id })
      .from(chatRuns)
      .where(and(eq(chatRuns.status, 'running'), sql`${chatRuns.heartbeatAt} < ${staleBefore.toISOString()}::timestamptz`))
      .limit(limit)
      .for('update', { skipLocked: true });
    return this.db
      .update(chatRuns)
      .set({ status: 'failed', errorCode: 'run_lost', finishedAt: sql`now()` })
      .where(and(inArray(chatRuns.id, stale), eq(chatRuns.status, 'running')))
      .returning({ id: chatRuns.id, tenantId: chatRuns.tenantId, inputTokens: chatRuns.inputTokens, outputTokens: chatRuns.outputTokens });
  }

  async finishRun(tx: DbOrTx, tenantId: string, id: string, values: { status: 'completed' | 'failed'; errorCode?: string; inputTokens: number; outputTokens: number }) {
    await tx
      .update(chatRuns)
      .set({ status: values.status, errorCode: values.errorCode ?? null, inputTokens: values.inputTokens, outputTokens: values.outputTokens, finishedAt: new Date() })
      .where(and(eq(chatRuns.tenantId, tenantId), eq(chatRuns.id, id)));
  }
}
