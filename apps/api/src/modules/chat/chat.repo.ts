import { and, eq, inArray, type SQL, sql } from 'drizzle-orm';
import type { DbOrTx } from '../../platform/db/client.js';
import { runParts, type StatementPart } from '../../platform/db/statement.js';
import { chatRuns } from './chat.tables.js';

export type ChatRunRow = typeof chatRuns.$inferSelect;

/**
 * SQL of chat runs. Every method takes the connection first (a transaction or the database) and
 * the tenant, except the two system ones of the run lifecycle (`heartbeat`, `reapStale`), which act
 * on runs by id or across tenants for the replicas and the reaper.
 */
export class ChatRepo {
  /**
   * The run row, as a part of the turn's statement: inserted only when `stored` (a select of the
   * turn's CTEs) finds a row, so a turn refused inside the statement leaves no run behind.
   */
  insertRunPart(
    values: { id: string; tenantId: string; userId: string; conversationId: string; agent: string },
    stored: SQL,
  ): StatementPart {
    return {
      ctes: sql`chat_runs_new as (
        insert into ${chatRuns} (id, tenant_id, user_id, conversation_id, agent)
        select ${values.id}::uuid, ${values.tenantId}::uuid, ${values.userId}::uuid, ${values.conversationId}::uuid, ${values.agent}
        where exists (${stored}))`,
    };
  }

  async findOwned(db: DbOrTx, tenantId: string, userId: string, id: string): Promise<ChatRunRow | undefined> {
    const [row] = await db
      .select()
      .from(chatRuns)
      .where(and(eq(chatRuns.tenantId, tenantId), eq(chatRuns.userId, userId), eq(chatRuns.id, id)));
    return row;
  }

  /**
   * Refreshes the heartbeat of these runs; returns those the reaper ended (`run_lost`). A run that
   * is no longer `running` because this replica recorded its end or its pause is not lost: it may
   * still be appending its last events (a title, `run.completed`, `run.paused`).
   */
  async heartbeat(db: DbOrTx, ids: string[]): Promise<string[]> {
    if (ids.length === 0) return [];
    const beaten = await db
      .update(chatRuns)
      .set({ heartbeatAt: sql`now()` })
      .where(and(inArray(chatRuns.id, ids), eq(chatRuns.status, 'running')))
      .returning({ id: chatRuns.id });
    const running = new Set(beaten.map((r) => r.id));
    const ended = ids.filter((id) => !running.has(id));
    if (ended.length === 0) return [];
    const lost = await db
      .select({ id: chatRuns.id })
      .from(chatRuns)
      .where(and(inArray(chatRuns.id, ended), eq(chatRuns.status, 'failed'), eq(chatRuns.errorCode, 'run_lost')));
    return lost.map((r) => r.id);
  }

  /**
   * Marks up to `limit` runs whose heartbeat is older than `staleBefore` as failed (`run_lost`) and
   * returns them. One statement with SKIP LOCKED, so two reapers never end the same run twice.
   */
  async reapStale(
    db: DbOrTx,
    staleBefore: Date,
    limit: number,
  ): Promise<{ id: string; tenantId: string; inputTokens: number; outputTokens: number }[]> {
    const stale = db
      .select({ id: chatRuns.id })
      .from(chatRuns)
      .where(
        and(eq(chatRuns.status, 'running'), sql`${chatRuns.heartbeatAt} < ${staleBefore.toISOString()}::timestamptz`),
      )
      .limit(limit)
      .for('update', { skipLocked: true });
    return db
      .update(chatRuns)
      .set({ status: 'failed', errorCode: 'run_lost', finishedAt: sql`now()` })
      .where(and(inArray(chatRuns.id, stale), eq(chatRuns.status, 'running')))
      .returning({
        id: chatRuns.id,
        tenantId: chatRuns.tenantId,
        inputTokens: chatRuns.inputTokens,
        outputTokens: chatRuns.outputTokens,
      });
  }

  /** `running` → `paused`, with the tokens used so far. */
  async pauseRun(db: DbOrTx, tenantId: string, id: string, tokens: { inputTokens: number; outputTokens: number }) {
    await db
      .update(chatRuns)
      .set({ status: 'paused', ...tokens })
      .where(and(eq(chatRuns.tenantId, tenantId), eq(chatRuns.id, id), eq(chatRuns.status, 'running')));
  }

  /** `paused` → `running` (a resume took it), heartbeat fresh. */
  async resumeRun(db: DbOrTx, id: string) {
    await db
      .update(chatRuns)
      .set({ status: 'running', heartbeatAt: sql`now()` })
      .where(and(eq(chatRuns.id, id), eq(chatRuns.status, 'paused')));
  }

  async findById(db: DbOrTx, id: string): Promise<ChatRunRow | undefined> {
    const [row] = await db.select().from(chatRuns).where(eq(chatRuns.id, id));
    return row;
  }

  /**
   * Ends a run that has not ended yet (running or paused); false when it already had (the reaper
   * ended it as `run_lost` meanwhile: its lease is gone and the row keeps the reaper's outcome).
   */
  async finishRun(
    db: DbOrTx,
    tenantId: string,
    id: string,
    values: { status: 'completed' | 'failed'; errorCode?: string; inputTokens: number; outputTokens: number },
  ): Promise<boolean> {
    const [ended] = await runParts(db, [this.finishRunPart(tenantId, id, values)]);
    return ended === true;
  }

  /**
   * The run's end (status, tokens, `finished_at`), as a part of the run's final statement; only a
   * run still running or paused ends (one the reaper ended stays as it left it). Returns whether it
   * ended; `allows` is the same, for the statement's other writes.
   */
  finishRunPart(
    tenantId: string,
    id: string,
    values: { status: 'completed' | 'failed'; errorCode?: string; inputTokens: number; outputTokens: number },
  ): StatementPart & { allows: SQL } {
    return {
      ctes: sql`chat_runs_end as (
        update ${chatRuns} set status = ${values.status}, error_code = ${values.errorCode ?? null},
          input_tokens = ${values.inputTokens}, output_tokens = ${values.outputTokens},
          finished_at = ${new Date().toISOString()}::timestamptz
        where tenant_id = ${tenantId}::uuid and id = ${id}::uuid and status in ('running', 'paused')
        returning id)`,
      returns: sql`exists (select 1 from chat_runs_end)`,
      // The rest of the statement's writes, conditioned on this end (a reaped run's result is not kept).
      allows: sql`exists (select 1 from chat_runs_end)`,
    };
  }
}
