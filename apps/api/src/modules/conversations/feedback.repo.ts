import { and, asc, eq, gt, gte, inArray, or, sql } from 'drizzle-orm';
import type { DbOrTx } from '../../platform/db/client.js';
import { messageFeedback, messages } from './conversations.tables.js';

export type FeedbackRow = typeof messageFeedback.$inferSelect;

/** One exported rating: the answer rated and the user message it answered. */
export interface FeedbackExportRow {
  conversationId: string;
  messageId: string;
  rating: string;
  comment: string | null;
  agent: string | null;
  prompt: string | null;
  response: string;
  updatedAt: Date;
}

/** SQL of message feedback; `db` first, like every repo. */
export class FeedbackRepo {
  async upsert(
    db: DbOrTx,
    values: {
      tenantId: string;
      conversationId: string;
      messageId: string;
      userId: string;
      rating: string;
      comment: string | null;
      now: Date;
    },
  ): Promise<FeedbackRow> {
    const [row] = await db
      .insert(messageFeedback)
      .values({ ...values, createdAt: values.now, updatedAt: values.now })
      .onConflictDoUpdate({
        target: [messageFeedback.messageId, messageFeedback.userId],
        set: { rating: values.rating, comment: values.comment, updatedAt: values.now },
      })
      .returning();
    return row;
  }

  async delete(db: DbOrTx, tenantId: string, messageId: string, userId: string): Promise<boolean> {
    const rows = await db
      .delete(messageFeedback)
      .where(
        and(
          eq(messageFeedback.tenantId, tenantId),
          eq(messageFeedback.messageId, messageId),
          eq(messageFeedback.userId, userId),
        ),
      )
      .returning({ id: messageFeedback.messageId });
    return rows.length > 0;
  }

  /** The rater's feedback on these messages. */
  async ofMessages(db: DbOrTx, tenantId: string, userId: string, messageIds: string[]): Promise<FeedbackRow[]> {
    if (messageIds.length === 0) return [];
    return db
      .select()
      .from(messageFeedback)
      .where(
        and(
          eq(messageFeedback.tenantId, tenantId),
          eq(messageFeedback.userId, userId),
          inArray(messageFeedback.messageId, messageIds),
        ),
      );
  }

  /**
   * A page of the tenant's feedback changed since `since`, in `(updated_at, message_id)` order
   * after `after`, with each rated answer and the user message it answers (its parent in the message tree: its prompt).
   */
  async exportPage(
    db: DbOrTx,
    tenantId: string,
    options: { since?: Date; after?: { updatedAt: Date; messageId: string }; limit: number },
  ): Promise<FeedbackExportRow[]> {
    const conditions = [eq(messageFeedback.tenantId, tenantId)];
    if (options.since) conditions.push(gte(messageFeedback.updatedAt, options.since));
    if (options.after)
      conditions.push(
        or(
          gt(messageFeedback.updatedAt, options.after.updatedAt),
          and(
            eq(messageFeedback.updatedAt, options.after.updatedAt),
            gt(messageFeedback.messageId, options.after.messageId),
          ),
        )!,
      );
    const prompt = sql<string | null>`(select p.content from ${messages} p
      where p.tenant_id = ${messages.tenantId} and p.id = ${messages.parentId} and p.role = 'user')`;
    return db
      .select({
        conversationId: messageFeedback.conversationId,
        messageId: messageFeedback.messageId,
        rating: messageFeedback.rating,
        comment: messageFeedback.comment,
        agent: messages.agent,
        prompt,
        response: messages.content,
        updatedAt: messageFeedback.updatedAt,
      })
      .from(messageFeedback)
      .innerJoin(messages, eq(messages.id, messageFeedback.messageId))
      .where(and(...conditions))
      .orderBy(asc(messageFeedback.updatedAt), asc(messageFeedback.messageId))
      .limit(options.limit);
  }
}
