import { and, asc, eq, sql } from 'drizzle-orm';
import type { DbOrTx } from '../../platform/db/client.js';
import { conversationItems, conversationSummaries, messages } from './conversations.tables.js';

/**
 * The SDK session items of each conversation (the model's memory: what `PostgresSession` reads
 * and writes) and the summaries that stand in for a long branch's older items. Apart from the
 * transcript (ConversationsRepo): these rows are the model's input, never shown to a person.
 */
export class ConversationItemsRepo {
  /**
   * The items of the branch ending at `tipId` (the model's memory before a turn), in branch order
   * (then write order within a message); the last `limit` when given. None when `tipId` is null.
   */
  async branchItems(db: DbOrTx, tenantId: string, conversationId: string, tipId: string | null, limit?: number) {
    if (!tipId) return [];
    const result = await db.execute<{ schema_version: number; item: unknown }>(sql`
      ${this.branchWalk(tenantId, conversationId, tipId)}
      select * from (
        select ci.schema_version, ci.item, u.depth, ci.position from ${conversationItems} ci join up u on ci.message_id = u.id
        where ci.tenant_id = ${tenantId} and ci.conversation_id = ${conversationId}
        order by u.depth asc, ci.position desc
        ${limit === undefined ? sql`` : sql`limit ${limit}`}
      ) newest order by depth desc, position asc`);
    return result.rows.map((r) => ({ schemaVersion: Number(r.schema_version), item: r.item }));
  }

  /** Every item of the conversation, oldest first (bench/conversations' baseline: a whole-session read). */
  async items(db: DbOrTx, tenantId: string, conversationId: string) {
    return db
      .select()
      .from(conversationItems)
      .where(and(eq(conversationItems.tenantId, tenantId), eq(conversationItems.conversationId, conversationId)))
      .orderBy(asc(conversationItems.position));
  }

  /**
   * The message ids of the branch ending at `tipId`, as a recursive walk up the parent links that
   * stops at `stopAtId` (included): the SQL the bounded memory's reads share. Along a branch, item
   * positions grow from the root to the tip (a message's items are written after its ancestors').
   */
  private branchWalk(tenantId: string, conversationId: string, tipId: string, stopAtId?: string) {
    return sql`with recursive up(id, parent_id, depth) as (
        select m.id, m.parent_id, 1 from ${messages} m
        where m.tenant_id = ${tenantId} and m.conversation_id = ${conversationId} and m.id = ${tipId}
        union all
        select m.id, m.parent_id, u.depth + 1 from ${messages} m join up u on m.id = u.parent_id
        where m.tenant_id = ${tenantId} and m.conversation_id = ${conversationId}
        ${stopAtId ? sql`and u.id <> ${stopAtId}` : sql``}
      )`;
  }

  /**
   * Up to `limit` items of the branch ending at `tipId`, newest first, after `afterPosition` and
   * before `beforePosition` (both exclusive, optional): how the model's bounded memory reads the
   * tail of a long branch. `stopAtId` (the summary's last message) ends the walk up the branch.
   */
  async branchItemsNewestFirst(
    db: DbOrTx,
    tenantId: string,
    conversationId: string,
    range: { tipId: string; stopAtId?: string; afterPosition?: number; beforePosition?: number; limit: number },
  ) {
    const result = await db.execute<{ message_id: string; position: number | string; item: unknown }>(sql`
      ${this.branchWalk(tenantId, conversationId, range.tipId, range.stopAtId)}
      select ci.message_id, ci.position, ci.item from ${conversationItems} ci join up u on ci.message_id = u.id
      where ci.tenant_id = ${tenantId} and ci.conversation_id = ${conversationId}
        ${range.afterPosition !== undefined ? sql`and ci.position > ${range.afterPosition}` : sql``}
        ${range.beforePosition !== undefined ? sql`and ci.position < ${range.beforePosition}` : sql``}
      order by ci.position desc limit ${range.limit}`);
    return result.rows.map((r) => ({ messageId: r.message_id, position: Number(r.position), item: r.item }));
  }

  /** Up to `limit` items of the branch ending at `tipId`, oldest first, between two positions (exclusive). */
  async branchItemsBetween(
    db: DbOrTx,
    tenantId: string,
    conversationId: string,
    range: { tipId: string; stopAtId?: string; afterPosition: number; beforePosition: number; limit: number },
  ) {
    const result = await db.execute<{ message_id: string; position: number | string; item: unknown }>(sql`
      ${this.branchWalk(tenantId, conversationId, range.tipId, range.stopAtId)}
      select ci.message_id, ci.position, ci.item from ${conversationItems} ci join up u on ci.message_id = u.id
      where ci.tenant_id = ${tenantId} and ci.conversation_id = ${conversationId}
        and ci.position > ${range.afterPosition} and ci.position < ${range.beforePosition}
      order by ci.position asc limit ${range.limit}`);
    return result.rows.map((r) => ({ messageId: r.message_id, position: Number(r.position), item: r.item }));
  }

  /**
   * The summary in use on the branch ending at `tipId`: the newest one whose last summarized
   * message is on that branch (a summary made on another branch is never reused).
   */
  async branchSummary(db: DbOrTx, tenantId: string, conversationId: string, tipId: string) {
    const result = await db.execute<{
      covers_message_id: string;
      covers_position: number | string;
      summarized_messages: number;
      text: string;
    }>(sql`
      ${this.branchWalk(tenantId, conversationId, tipId)}
      select s.covers_message_id, s.covers_position, s.summarized_messages, s.text
      from ${conversationSummaries} s join up u on s.covers_message_id = u.id
      where s.tenant_id = ${tenantId} and s.conversation_id = ${conversationId}
      order by s.covers_position desc limit 1`);
    const row = result.rows[0];
    return row
      ? {
          coversMessageId: row.covers_message_id,
          coversPosition: Number(row.covers_position),
          summarizedMessages: Number(row.summarized_messages),
          text: row.text,
        }
      : undefined;
  }

  async insertSummary(db: DbOrTx, row: typeof conversationSummaries.$inferInsert) {
    await db.insert(conversationSummaries).values(row);
  }

  async insertItems(
    db: DbOrTx,
    rows: {
      tenantId: string;
      conversationId: string;
      runId: string | null;
      messageId: string | null;
      schemaVersion: number;
      item: unknown;
    }[],
  ) {
    if (rows.length) await db.insert(conversationItems).values(rows);
  }

  async popItem(db: DbOrTx, tenantId: string, conversationId: string) {
    const [row] = await db
      .execute<{ item: unknown; schema_version: number }>(sql`
      delete from ${conversationItems} where id = (
        select id from ${conversationItems} where tenant_id = ${tenantId} and conversation_id = ${conversationId}
        order by position desc limit 1)
      returning item, schema_version`)
      .then((r) => r.rows);
    return row;
  }

  async clearItems(db: DbOrTx, tenantId: string, conversationId: string) {
    await db
      .delete(conversationItems)
      .where(and(eq(conversationItems.tenantId, tenantId), eq(conversationItems.conversationId, conversationId)));
  }
}
