import { and, asc, desc, eq, gt, inArray, lt, or, sql } from 'drizzle-orm';
import type { DbOrTx } from '../../platform/db/client.js';
import {
  conversationItems,
  conversationSummaries,
  conversations,
  handoffs,
  messages,
  toolCalls,
} from './conversations.tables.js';

export type ConversationRow = typeof conversations.$inferSelect;
export type MessageRow = typeof messages.$inferSelect;
export type ToolCallRow = typeof toolCalls.$inferSelect;

/** A position in the list: the last row of the previous page. */
export interface ListCursor {
  updatedAt: Date;
  id: string;
}

/**
 * SQL of the conversations module. Every method takes the connection first — the service's open
 * transaction or the database — and the tenant; owner checks take the user too. Holds no
 * connection and never opens a transaction: the service that owns the unit of work does.
 */
export class ConversationsRepo {
  /** A new conversation; `firstMessage` counts its first message in the same statement (no `touch` needed). */
  async create(
    db: DbOrTx,
    values: {
      tenantId: string;
      userId: string;
      agent: string;
      title: string;
      now: Date;
      firstMessage?: { preview: string };
    },
  ): Promise<ConversationRow> {
    const [row] = await db
      .insert(conversations)
      .values({
        tenantId: values.tenantId,
        userId: values.userId,
        agent: values.agent,
        title: values.title,
        createdAt: values.now,
        updatedAt: values.now,
        ...(values.firstMessage ? { messageCount: 1, lastMessagePreview: values.firstMessage.preview } : {}),
      })
      .returning();
    return row;
  }

  async findOwned(db: DbOrTx, tenantId: string, userId: string, id: string): Promise<ConversationRow | undefined> {
    const [row] = await db
      .select()
      .from(conversations)
      .where(and(eq(conversations.tenantId, tenantId), eq(conversations.userId, userId), eq(conversations.id, id)));
    return row;
  }

  async list(
    db: DbOrTx,
    tenantId: string,
    userId: string,
    options: { limit: number; cursor?: ListCursor; q?: string },
  ): Promise<ConversationRow[]> {
    const conditions = [eq(conversations.tenantId, tenantId), eq(conversations.userId, userId)];
    if (options.cursor) {
      const { updatedAt, id } = options.cursor;
      conditions.push(
        or(
          lt(conversations.updatedAt, updatedAt),
          and(eq(conversations.updatedAt, updatedAt), lt(conversations.id, id)),
        )!,
      );
    }
    if (options.q) {
      conditions.push(sql`(exists (select 1 from ${messages} m where m.conversation_id = ${conversations.id} and m.tenant_id = ${tenantId}
        and to_tsvector('simple', m.content) @@ websearch_to_tsquery('simple', ${options.q}))
        or to_tsvector('simple', ${conversations.title}) @@ websearch_to_tsquery('simple', ${options.q}))`);
    }
    return db
      .select()
      .from(conversations)
      .where(and(...conditions))
      .orderBy(desc(conversations.updatedAt), desc(conversations.id))
      .limit(options.limit);
  }

  /** Full-text search for the search_conversations tool: one best message per conversation. */
  async search(db: DbOrTx, tenantId: string, userId: string, query: string, limit: number) {
    const result = await db.execute<{
      conversation_id: string;
      title: string;
      snippet: string;
      updated_at: Date | string;
    }>(sql`
      select conversation_id, title, snippet, updated_at from (
        select distinct on (c.id) c.id as conversation_id, c.title, c.updated_at,
          ts_headline('simple', m.content, q, 'MaxWords=24, MinWords=8, StartSel="", StopSel=""') as snippet,
          ts_rank(to_tsvector('simple', m.content), q) as rank
        from ${conversations} c
        join ${messages} m on m.conversation_id = c.id and m.tenant_id = ${tenantId}
        cross join websearch_to_tsquery('simple', ${query}) q
        where c.tenant_id = ${tenantId} and c.user_id = ${userId}
          and to_tsvector('simple', m.content) @@ q
        order by c.id, rank desc
      ) hits order by rank desc, updated_at desc limit ${limit}`);
    return result.rows;
  }

  async insertMessage(
    db: DbOrTx,
    values: {
      tenantId: string;
      conversationId: string;
      runId: string | null;
      role: 'user' | 'assistant';
      content: string;
      agent: string | null;
      inputTokens?: number;
      outputTokens?: number;
      now: Date;
    },
  ): Promise<MessageRow> {
    const [row] = await db
      .insert(messages)
      .values({ ...values, createdAt: values.now })
      .returning();
    return row;
  }

  /** Adds a message to the conversation's counters and moves it to the top of the list. */
  async touch(
    db: DbOrTx,
    tenantId: string,
    id: string,
    change: {
      messages: number;
      preview: string;
      now: Date;
      agent?: string;
      inputTokens?: number;
      outputTokens?: number;
    },
  ) {
    await db
      .update(conversations)
      .set({
        messageCount: sql`${conversations.messageCount} + ${change.messages}`,
        inputTokens: sql`${conversations.inputTokens} + ${change.inputTokens ?? 0}`,
        outputTokens: sql`${conversations.outputTokens} + ${change.outputTokens ?? 0}`,
        lastMessagePreview: change.preview,
        updatedAt: change.now,
        ...(change.agent ? { agent: change.agent } : {}),
      })
      .where(and(eq(conversations.tenantId, tenantId), eq(conversations.id, id)));
  }

  /**
   * One page of a conversation's messages, oldest first: the newest `limit` of those older than
   * `beforePosition` (the newest overall without it). Reads never load the whole transcript.
   */
  async messagePage(
    db: DbOrTx,
    tenantId: string,
    conversationId: string,
    options: { limit: number; beforePosition?: number },
  ): Promise<MessageRow[]> {
    const conditions = [eq(messages.tenantId, tenantId), eq(messages.conversationId, conversationId)];
    if (options.beforePosition !== undefined) conditions.push(lt(messages.position, options.beforePosition));
    const rows = await db
      .select()
      .from(messages)
      .where(and(...conditions))
      .orderBy(desc(messages.position))
      .limit(options.limit);
    return rows.reverse();
  }

  /** Up to `limit` messages after `afterPosition`, oldest first (exports walk the transcript with it). */
  async messagesAfter(
    db: DbOrTx,
    tenantId: string,
    conversationId: string,
    options: { afterPosition: number; limit: number },
  ): Promise<MessageRow[]> {
    return db
      .select()
      .from(messages)
      .where(
        and(
          eq(messages.tenantId, tenantId),
          eq(messages.conversationId, conversationId),
          gt(messages.position, options.afterPosition),
        ),
      )
      .orderBy(asc(messages.position))
      .limit(options.limit);
  }

  /** The position of a message of this conversation (a page cursor), or undefined. */
  async messagePosition(db: DbOrTx, tenantId: string, conversationId: string, messageId: string) {
    const [row] = await db
      .select({ position: messages.position })
      .from(messages)
      .where(
        and(eq(messages.tenantId, tenantId), eq(messages.conversationId, conversationId), eq(messages.id, messageId)),
      );
    return row?.position;
  }

  async findMessage(db: DbOrTx, tenantId: string, conversationId: string, messageId: string) {
    const [row] = await db
      .select()
      .from(messages)
      .where(
        and(eq(messages.tenantId, tenantId), eq(messages.conversationId, conversationId), eq(messages.id, messageId)),
      );
    return row as MessageRow | undefined;
  }

  async toolCallsOf(db: DbOrTx, tenantId: string, messageIds: string[]): Promise<ToolCallRow[]> {
    if (messageIds.length === 0) return [];
    return db
      .select()
      .from(toolCalls)
      .where(and(eq(toolCalls.tenantId, tenantId), inArray(toolCalls.messageId, messageIds)))
      .orderBy(asc(toolCalls.position));
  }

  async insertToolCalls(db: DbOrTx, rows: (typeof toolCalls.$inferInsert)[]) {
    if (rows.length) await db.insert(toolCalls).values(rows);
  }

  async insertHandoffs(db: DbOrTx, rows: (typeof handoffs.$inferInsert)[]) {
    if (rows.length) await db.insert(handoffs).values(rows);
  }

  async rename(
    db: DbOrTx,
    tenantId: string,
    userId: string,
    id: string,
    title: string,
    now: Date,
  ): Promise<ConversationRow | undefined> {
    const [row] = await db
      .update(conversations)
      .set({ title, titleSource: 'user', updatedAt: now })
      .where(and(eq(conversations.tenantId, tenantId), eq(conversations.userId, userId), eq(conversations.id, id)))
      .returning();
    return row;
  }

  /** Sets an automatic title unless the owner renamed the conversation (their title wins). True when set. */
  async setAutoTitle(db: DbOrTx, tenantId: string, id: string, title: string): Promise<boolean> {
    const rows = await db
      .update(conversations)
      .set({ title })
      .where(and(eq(conversations.tenantId, tenantId), eq(conversations.id, id), eq(conversations.titleSource, 'auto')))
      .returning({ id: conversations.id });
    return rows.length > 0;
  }

  async delete(db: DbOrTx, tenantId: string, userId: string, id: string): Promise<boolean> {
    const rows = await db
      .delete(conversations)
      .where(and(eq(conversations.tenantId, tenantId), eq(conversations.userId, userId), eq(conversations.id, id)))
      .returning({ id: conversations.id });
    return rows.length > 0;
  }

  async agentStats(
    db: DbOrTx,
    tenantId: string,
    userId: string,
    agent: string,
  ): Promise<{ conversations: number; lastUsedAt: Date | null }> {
    const [row] = await db
      .select({ count: sql<number>`count(*)::int`, last: sql<Date | string | null>`max(${conversations.updatedAt})` })
      .from(conversations)
      .where(
        and(eq(conversations.tenantId, tenantId), eq(conversations.userId, userId), eq(conversations.agent, agent)),
      );
    return { conversations: Number(row?.count ?? 0), lastUsedAt: row?.last ? new Date(row.last) : null };
  }

  // ── SDK session items ───────────────────────────────────────────────────────────────────────

  /** The last `limit` items (all when undefined), oldest first. */
  async items(db: DbOrTx, tenantId: string, conversationId: string, limit?: number) {
    const where = and(eq(conversationItems.tenantId, tenantId), eq(conversationItems.conversationId, conversationId));
    if (limit === undefined) {
      return db.select().from(conversationItems).where(where).orderBy(asc(conversationItems.position));
    }
    const rows = await db
      .select()
      .from(conversationItems)
      .where(where)
      .orderBy(desc(conversationItems.position))
      .limit(limit);
    return rows.reverse();
  }

  /**
   * Up to `limit` items newest first, after `afterPosition` and before `beforePosition` (both
   * exclusive, optional): how the model's bounded memory reads the tail of a long session.
   */
  async itemsNewestFirst(
    db: DbOrTx,
    tenantId: string,
    conversationId: string,
    range: { afterPosition?: number; beforePosition?: number; limit: number },
  ) {
    return db
      .select()
      .from(conversationItems)
      .where(
        and(
          eq(conversationItems.tenantId, tenantId),
          eq(conversationItems.conversationId, conversationId),
          range.afterPosition !== undefined ? gt(conversationItems.position, range.afterPosition) : undefined,
          range.beforePosition !== undefined ? lt(conversationItems.position, range.beforePosition) : undefined,
        ),
      )
      .orderBy(desc(conversationItems.position))
      .limit(range.limit);
  }

  /** Up to `limit` items oldest first, after `afterPosition` and before `beforePosition` (exclusive). */
  async itemsBetween(
    db: DbOrTx,
    tenantId: string,
    conversationId: string,
    range: { afterPosition: number; beforePosition: number; limit: number },
  ) {
    return db
      .select()
      .from(conversationItems)
      .where(
        and(
          eq(conversationItems.tenantId, tenantId),
          eq(conversationItems.conversationId, conversationId),
          gt(conversationItems.position, range.afterPosition),
          lt(conversationItems.position, range.beforePosition),
        ),
      )
      .orderBy(asc(conversationItems.position))
      .limit(range.limit);
  }

  /** The summary in use (the newest), if any. */
  async latestSummary(db: DbOrTx, tenantId: string, conversationId: string) {
    const [row] = await db
      .select()
      .from(conversationSummaries)
      .where(
        and(eq(conversationSummaries.tenantId, tenantId), eq(conversationSummaries.conversationId, conversationId)),
      )
      .orderBy(desc(conversationSummaries.coversPosition))
      .limit(1);
    return row;
  }

  async insertSummary(db: DbOrTx, row: typeof conversationSummaries.$inferInsert) {
    await db.insert(conversationSummaries).values(row);
  }

  async insertItems(
    db: DbOrTx,
    rows: { tenantId: string; conversationId: string; runId: string | null; schemaVersion: number; item: unknown }[],
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
