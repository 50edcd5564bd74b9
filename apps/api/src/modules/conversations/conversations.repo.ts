import { and, asc, desc, eq, gt, inArray, lt, sql } from 'drizzle-orm';
import type { ConversationSummary } from '@agentry/contracts';
import type { Database, DbOrTx } from '../../platform/db/client.js';
import { listConversations } from './conversation-list.js';
import { conversations, messageAttachments, messages, toolCalls } from './conversations.tables.js';

export type ConversationRow = typeof conversations.$inferSelect;
export type MessageRow = typeof messages.$inferSelect;
export type ToolCallRow = typeof toolCalls.$inferSelect;
export type AttachmentRow = typeof messageAttachments.$inferSelect;

/** Where a message sits among its siblings (the messages with the same parent). */
export interface SiblingInfo {
  /** 1-based, in the order the siblings were written. */
  index: number;
  count: number;
  previousId: string | null;
  nextId: string | null;
}

const idList = (ids: string[]) =>
  sql.join(
    ids.map((id) => sql`${id}::uuid`),
    sql`, `,
  );

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
  /** `lock`: `FOR UPDATE`, so concurrent turns of one conversation extend its branch one after the other. */
  async findOwned(
    db: DbOrTx,
    tenantId: string,
    userId: string,
    id: string,
    options: { lock?: boolean } = {},
  ): Promise<ConversationRow | undefined> {
    const query = db
      .select()
      .from(conversations)
      .where(and(eq(conversations.tenantId, tenantId), eq(conversations.userId, userId), eq(conversations.id, id)));
    const [row] = options.lock ? await query.for('update') : await query;
    return row;
  }

  /**
   * One page of the owner's conversations, newest activity first, as summaries: fixed SQL run by
   * name (conversation-list.ts), so the hottest read builds no query. On the pool, never in a transaction.
   */
  async list(
    database: Database,
    tenantId: string,
    userId: string,
    options: { limit: number; cursor?: ListCursor; q?: string },
  ): Promise<ConversationSummary[]> {
    return listConversations(database, tenantId, userId, options);
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

  /** The attachments of these messages, each message's in the order sent. */
  async attachmentsOf(db: DbOrTx, tenantId: string, messageIds: string[]): Promise<AttachmentRow[]> {
    if (messageIds.length === 0) return [];
    return db
      .select()
      .from(messageAttachments)
      .where(and(eq(messageAttachments.tenantId, tenantId), inArray(messageAttachments.messageId, messageIds)))
      .orderBy(asc(messageAttachments.messageId), asc(messageAttachments.position));
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

  // ── The message tree ────────────────────────────────────────────────────────────────────────

  /**
   * Up to `limit` messages of a branch ending at `fromId` (included), oldest first: `fromId` and
   * its ancestors. A recursive walk up the parent links that stops after `limit` steps, so a read
   * never loads more of a long transcript than it returns.
   */
  async branchPage(
    db: DbOrTx,
    tenantId: string,
    conversationId: string,
    options: { fromId: string | null; limit: number },
  ): Promise<MessageRow[]> {
    if (!options.fromId) return [];
    const result = await db.execute<{ id: string; depth: number }>(sql`
      with recursive up(id, parent_id, depth) as (
        select m.id, m.parent_id, 1 from ${messages} m
        where m.tenant_id = ${tenantId} and m.conversation_id = ${conversationId} and m.id = ${options.fromId}
        union all
        select m.id, m.parent_id, u.depth + 1 from ${messages} m join up u on m.id = u.parent_id
        where m.tenant_id = ${tenantId} and m.conversation_id = ${conversationId} and u.depth < ${options.limit}
      ) select id, depth from up`);
    const depthOf = new Map(result.rows.map((r) => [r.id, Number(r.depth)]));
    if (depthOf.size === 0) return [];
    const rows = await db
      .select()
      .from(messages)
      .where(and(eq(messages.tenantId, tenantId), inArray(messages.id, [...depthOf.keys()])));
    return rows.sort((a, b) => (depthOf.get(b.id) ?? 0) - (depthOf.get(a.id) ?? 0));
  }

  /** The ids of the branch ending at `leafId`, root first (ids only: exports then read them a page at a time). */
  async branchIds(db: DbOrTx, tenantId: string, conversationId: string, leafId: string | null): Promise<string[]> {
    if (!leafId) return [];
    const result = await db.execute<{ id: string }>(sql`
      with recursive up(id, parent_id, depth) as (
        select m.id, m.parent_id, 1 from ${messages} m
        where m.tenant_id = ${tenantId} and m.conversation_id = ${conversationId} and m.id = ${leafId}
        union all
        select m.id, m.parent_id, u.depth + 1 from ${messages} m join up u on m.id = u.parent_id
        where m.tenant_id = ${tenantId} and m.conversation_id = ${conversationId}
      ) select id from up order by depth desc`);
    return result.rows.map((r) => r.id);
  }

  /** These messages (of one tenant), in the order of `ids`. */
  async messagesByIds(db: DbOrTx, tenantId: string, ids: string[]): Promise<MessageRow[]> {
    if (ids.length === 0) return [];
    const rows = await db
      .select()
      .from(messages)
      .where(and(eq(messages.tenantId, tenantId), inArray(messages.id, ids)));
    const order = new Map(ids.map((id, i) => [id, i]));
    return rows.sort((a, b) => (order.get(a.id) ?? 0) - (order.get(b.id) ?? 0));
  }

  /** Index, count and neighbours of each message among its siblings (one statement for a page). */
  async siblingsOf(db: DbOrTx, tenantId: string, ids: string[]): Promise<Map<string, SiblingInfo>> {
    if (ids.length === 0) return new Map();
    // Two forms, so each lookup uses the (conversation_id, parent_id, position) index: first
    // messages (no parent) and the others.
    const roots = sql`s.tenant_id = m.tenant_id and s.conversation_id = m.conversation_id and s.parent_id is null`;
    const children = sql`s.tenant_id = m.tenant_id and s.conversation_id = m.conversation_id and s.parent_id = m.parent_id`;
    const either = (f: (sib: typeof roots) => ReturnType<typeof sql>) =>
      sql`case when m.parent_id is null then ${f(roots)} else ${f(children)} end`;
    const result = await db.execute<{
      id: string;
      idx: number;
      n: number;
      prev: string | null;
      next: string | null;
    }>(sql`
      select m.id,
        ${either((sib) => sql`(select count(*) from ${messages} s where ${sib} and s.position <= m.position)`)}::int as idx,
        ${either((sib) => sql`(select count(*) from ${messages} s where ${sib})`)}::int as n,
        ${either((sib) => sql`(select s.id from ${messages} s where ${sib} and s.position < m.position order by s.position desc limit 1)`)} as prev,
        ${either((sib) => sql`(select s.id from ${messages} s where ${sib} and s.position > m.position order by s.position limit 1)`)} as next
      from ${messages} m where m.tenant_id = ${tenantId} and m.id in (${idList(ids)})`);
    return new Map(
      result.rows.map((r) => [
        r.id,
        { index: Number(r.idx), count: Number(r.n), previousId: r.prev ?? null, nextId: r.next ?? null },
      ]),
    );
  }

  /** The end of the branch through `messageId`: from it, the most recent child, again and again. */
  async deepestLeaf(db: DbOrTx, tenantId: string, conversationId: string, messageId: string): Promise<string> {
    const result = await db.execute<{ id: string }>(sql`
      with recursive down(id, depth) as (
        select ${messageId}::uuid, 1
        union all
        select c.id, d.depth + 1 from down d cross join lateral (
          select x.id from ${messages} x
          where x.tenant_id = ${tenantId} and x.conversation_id = ${conversationId} and x.parent_id = d.id
          order by x.position desc limit 1) c
      ) select id from down order by depth desc limit 1`);
    return result.rows[0]?.id ?? messageId;
  }

  /** The last user message of the branch ending at `leafId` (walking up until one), or undefined. */
  async lastUserMessage(
    db: DbOrTx,
    tenantId: string,
    conversationId: string,
    leafId: string | null,
  ): Promise<MessageRow | undefined> {
    if (!leafId) return undefined;
    const result = await db.execute<{ id: string }>(sql`
      with recursive up(id, parent_id, role) as (
        select m.id, m.parent_id, m.role from ${messages} m
        where m.tenant_id = ${tenantId} and m.conversation_id = ${conversationId} and m.id = ${leafId}
        union all
        select m.id, m.parent_id, m.role from ${messages} m join up u on m.id = u.parent_id
        where m.tenant_id = ${tenantId} and m.conversation_id = ${conversationId} and u.role <> 'user'
      ) select id from up where role = 'user' limit 1`);
    const id = result.rows[0]?.id;
    return id ? this.findMessage(db, tenantId, conversationId, id) : undefined;
  }

  /** Makes `leafId` the end of the conversation's current branch. */
  async setLeaf(db: DbOrTx, tenantId: string, conversationId: string, leafId: string) {
    await db
      .update(conversations)
      .set({ currentLeafId: leafId })
      .where(and(eq(conversations.tenantId, tenantId), eq(conversations.id, conversationId)));
  }
}
