import { and, asc, eq, inArray, sql } from 'drizzle-orm';
import type { DbOrTx } from '../../platform/db/client.js';
import { chatRunApprovals, chatRunPauses } from './chat.tables.js';

export type RunPauseRow = typeof chatRunPauses.$inferSelect;
export type ApprovalRow = typeof chatRunApprovals.$inferSelect;

/**
 * SQL of paused runs and their approvals. The state changes that must happen once whatever the
 * replicas do (claim a pause to resume it, end it, decide an approval) are conditional UPDATEs.
 */
export class ApprovalsRepo {
  /** Stores (or replaces, for a run pausing again) the pause, status `pausing`. */
  async upsertPause(db: DbOrTx, values: Omit<typeof chatRunPauses.$inferInsert, 'status'>) {
    const set = { ...values, status: 'pausing', updatedAt: sql`now()` };
    await db
      .insert(chatRunPauses)
      .values({ ...values, status: 'pausing' })
      .onConflictDoUpdate({ target: chatRunPauses.runId, set });
  }

  async insertApprovals(db: DbOrTx, rows: (typeof chatRunApprovals.$inferInsert)[]) {
    if (rows.length) await db.insert(chatRunApprovals).values(rows);
  }

  /** `pausing` → `waiting`: the run's events are in its log, a resume may now append after them. False when not `pausing`. */
  async markWaiting(db: DbOrTx, runId: string): Promise<boolean> {
    const rows = await db
      .update(chatRunPauses)
      .set({ status: 'waiting', updatedAt: sql`now()` })
      .where(and(eq(chatRunPauses.runId, runId), eq(chatRunPauses.status, 'pausing')))
      .returning({ runId: chatRunPauses.runId });
    return rows.length > 0;
  }

  async pauseState(db: DbOrTx, runId: string): Promise<{ status: string; nextEventId: number } | undefined> {
    const [row] = await db
      .select({ status: chatRunPauses.status, nextEventId: chatRunPauses.nextEventId })
      .from(chatRunPauses)
      .where(eq(chatRunPauses.runId, runId));
    return row;
  }

  async pendingCount(db: DbOrTx, runId: string): Promise<number> {
    const [row] = await db
      .select({ n: sql<number>`count(*)::int` })
      .from(chatRunApprovals)
      .where(and(eq(chatRunApprovals.runId, runId), eq(chatRunApprovals.status, 'pending')));
    return Number(row?.n ?? 0);
  }

  /**
   * Takes a waiting pause whose approvals are all decided, for one resume: `waiting` → `resuming`.
   * Only one caller gets the row, however many replicas try at once.
   */
  async claimForResume(db: DbOrTx, runId: string): Promise<RunPauseRow | undefined> {
    const [row] = await db
      .update(chatRunPauses)
      .set({ status: 'resuming', updatedAt: sql`now()` })
      .where(
        and(
          eq(chatRunPauses.runId, runId),
          eq(chatRunPauses.status, 'waiting'),
          sql`not exists (select 1 from ${chatRunApprovals} where ${chatRunApprovals.runId} = ${runId} and ${chatRunApprovals.status} = 'pending')`,
        ),
      )
      .returning();
    return row;
  }

  /** Takes a pause in one of `from` to end it (`expired` / `cancelled`); undefined when another got it first. */
  async claimToEnd(
    db: DbOrTx,
    runId: string,
    from: string[],
    to: 'expired' | 'cancelled',
  ): Promise<RunPauseRow | undefined> {
    const [row] = await db
      .update(chatRunPauses)
      .set({ status: to, updatedAt: sql`now()` })
      .where(and(eq(chatRunPauses.runId, runId), inArray(chatRunPauses.status, from)))
      .returning();
    return row;
  }

  /** Pauses waiting past their expiry (the reaper ends them). */
  async expiredPauses(db: DbOrTx, now: Date, limit: number): Promise<string[]> {
    const rows = await db
      .select({ runId: chatRunPauses.runId })
      .from(chatRunPauses)
      .where(
        and(
          inArray(chatRunPauses.status, ['pausing', 'waiting']),
          sql`${chatRunPauses.expiresAt} < ${now.toISOString()}::timestamptz`,
        ),
      )
      .limit(limit);
    return rows.map((r) => r.runId);
  }

  async expirePending(db: DbOrTx, runId: string) {
    await db
      .update(chatRunApprovals)
      .set({ status: 'expired', decidedAt: sql`now()` })
      .where(and(eq(chatRunApprovals.runId, runId), eq(chatRunApprovals.status, 'pending')));
  }

  async forRun(db: DbOrTx, runId: string): Promise<ApprovalRow[]> {
    return db
      .select()
      .from(chatRunApprovals)
      .where(eq(chatRunApprovals.runId, runId))
      .orderBy(asc(chatRunApprovals.requestedAt), asc(chatRunApprovals.callId));
  }

  async listOwned(
    db: DbOrTx,
    tenantId: string,
    userId: string,
    filter: { status?: string; conversationId?: string },
  ): Promise<ApprovalRow[]> {
    return db
      .select()
      .from(chatRunApprovals)
      .where(
        and(
          eq(chatRunApprovals.tenantId, tenantId),
          eq(chatRunApprovals.userId, userId),
          filter.status ? eq(chatRunApprovals.status, filter.status) : undefined,
          filter.conversationId ? eq(chatRunApprovals.conversationId, filter.conversationId) : undefined,
        ),
      )
      .orderBy(asc(chatRunApprovals.requestedAt))
      .limit(200);
  }

  async findOwned(
    db: DbOrTx,
    tenantId: string,
    userId: string,
    runId: string,
    id: string,
  ): Promise<ApprovalRow | undefined> {
    const [row] = await db
      .select()
      .from(chatRunApprovals)
      .where(
        and(
          eq(chatRunApprovals.tenantId, tenantId),
          eq(chatRunApprovals.userId, userId),
          eq(chatRunApprovals.runId, runId),
          eq(chatRunApprovals.id, id),
        ),
      );
    return row;
  }

  /** Decides a pending approval requested after `notBefore`; undefined when it was not pending (or too old). */
  async decide(
    db: DbOrTx,
    id: string,
    values: { status: 'approved' | 'rejected'; message: string | null },
    notBefore: Date,
  ): Promise<ApprovalRow | undefined> {
    const [row] = await db
      .update(chatRunApprovals)
      .set({ status: values.status, message: values.message, decidedAt: sql`now()` })
      .where(
        and(
          eq(chatRunApprovals.id, id),
          eq(chatRunApprovals.status, 'pending'),
          sql`${chatRunApprovals.requestedAt} > ${notBefore.toISOString()}::timestamptz`,
        ),
      )
      .returning();
    return row;
  }
}
