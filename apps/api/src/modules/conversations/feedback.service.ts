import type { Feedback } from '@agentry/contracts';
import { ownerIdOf, type Caller } from '../../platform/caller.js';
import type { Database } from '../../platform/db/client.js';
import { AppError } from '../../platform/errors.js';
import type { ConversationsRepo } from './conversations.repo.js';
import type { ConversationsService } from './conversations.service.js';
import type { FeedbackRepo } from './feedback.repo.js';

/**
 * Ratings of assistant answers: a person rates answers in their own conversations (one rating per
 * answer, the last one wins); whoever may read the audit log exports the tenant's ratings with the
 * prompt and the answer, as an evaluation dataset.
 */
export class FeedbackService {
  constructor(
    private readonly deps: {
      database: Database;
      conversations: ConversationsService;
      repo: ConversationsRepo;
      feedback: FeedbackRepo;
    },
  ) {}

  private get db() {
    return this.deps.database.db;
  }

  async rate(
    caller: Caller,
    conversationId: string,
    messageId: string,
    input: { rating: 'up' | 'down'; comment?: string },
  ): Promise<Feedback> {
    await this.assistantMessage(caller, conversationId, messageId);
    const row = await this.deps.feedback.upsert(this.db, {
      tenantId: caller.tenantId,
      conversationId,
      messageId,
      userId: ownerIdOf(caller),
      rating: input.rating,
      comment: input.comment || null,
      now: new Date(),
    });
    return { message_id: row.messageId, rating: row.rating as 'up' | 'down', comment: row.comment };
  }

  async unrate(caller: Caller, conversationId: string, messageId: string): Promise<void> {
    await this.assistantMessage(caller, conversationId, messageId);
    await this.deps.feedback.delete(this.db, caller.tenantId, messageId, ownerIdOf(caller));
  }

  /** The tenant's ratings changed since `since`, oldest first, as NDJSON lines, a page at a time. */
  async *exportNdjson(caller: Caller, since?: Date): AsyncGenerator<string> {
    let after: { updatedAt: Date; messageId: string } | undefined;
    for (;;) {
      const page = await this.deps.feedback.exportPage(this.db, caller.tenantId, { since, after, limit: 500 });
      if (page.length === 0) return;
      yield page
        .map((r) =>
          JSON.stringify({
            conversation_id: r.conversationId,
            message_id: r.messageId,
            rating: r.rating,
            comment: r.comment,
            agent: r.agent,
            prompt: r.prompt,
            response: r.response,
            created_at: r.updatedAt.toISOString(),
          }),
        )
        .join('\n')
        .concat('\n');
      const last = page[page.length - 1];
      after = { updatedAt: last.updatedAt, messageId: last.messageId };
    }
  }

  /** 404 unless the message is in the caller's conversation; 422 unless it is an answer. */
  private async assistantMessage(caller: Caller, conversationId: string, messageId: string) {
    await this.deps.conversations.owned(caller, conversationId);
    const message = await this.deps.repo.findMessage(this.db, caller.tenantId, conversationId, messageId);
    if (!message) throw new AppError('not_found', 'Message not found.');
    if (message.role !== 'assistant')
      throw new AppError('validation_failed', 'Only answers (assistant messages) take feedback.', {
        errors: [{ path: 'message_id', message: 'not an assistant message' }],
      });
    return message;
  }
}
