import {
  CONVERSATION_MESSAGES_PAGE,
  type ConversationDetail,
  type ConversationList,
  type ConversationSummary,
  type Message,
  type MessageAttachment,
  type MessagePage,
} from '@agentry/contracts';
import type { Database } from '../../platform/db/client.js';
import { ownerIdOf, type Caller } from '../../platform/caller.js';
import { AppError } from '../../platform/errors.js';
import { decodeCursor, encodeCursorOf } from './conversation-cursor.js';
import type { AttachmentRow, ConversationRow, ConversationsRepo, MessageRow } from './conversations.repo.js';
import type { FeedbackRepo } from './feedback.repo.js';

/** One hit of `search_conversations`: a conversation and its best-matching snippet. */
export interface ConversationSearchHit {
  conversation_id: string;
  title: string;
  snippet: string;
  updated_at: string;
}

function toAttachment(row: AttachmentRow): MessageAttachment {
  return { file_id: row.fileId, filename: row.filename, content_type: row.contentType, size_bytes: row.sizeBytes };
}

function toSummary(row: ConversationRow): ConversationSummary {
  return {
    id: row.id,
    title: row.title,
    agent: row.agent,
    message_count: row.messageCount,
    last_message_preview: row.lastMessagePreview,
    created_at: row.createdAt.toISOString(),
    updated_at: row.updatedAt.toISOString(),
  };
}

export interface ConversationsServiceDeps {
  database: Database;
  repo: ConversationsRepo;
  feedback: FeedbackRepo;
}

/**
 * Conversations and their transcript. Every method takes the caller: you only ever see your own.
 * What a chat run writes into its conversation is `TurnWrites`' (turn-writes.ts).
 */
export class ConversationsService {
  constructor(private readonly deps: ConversationsServiceDeps) {}

  private get db() {
    return this.deps.database.db;
  }

  /** After a conversation's first run: its automatic title, unless its owner renamed it. True when set. */
  async setAutoTitle(caller: Caller, conversationId: string, title: string): Promise<boolean> {
    return this.deps.repo.setAutoTitle(this.db, caller.tenantId, conversationId, title);
  }

  async list(caller: Caller, query: { limit: number; cursor?: string; q?: string }): Promise<ConversationList> {
    const cursor = query.cursor ? decodeCursor(query.cursor) : undefined;
    const rows = await this.deps.repo.list(this.deps.database, caller.tenantId, ownerIdOf(caller), {
      limit: query.limit + 1,
      cursor,
      q: query.q,
    });
    // One row more than the page: its presence says there is a next page.
    const more = rows.length > query.limit;
    if (more) rows.length = query.limit;
    const last = rows[rows.length - 1];
    return {
      items: rows,
      next_cursor: more && last ? encodeCursorOf(last.updated_at, last.id) : null,
    };
  }

  /** The conversation and the newest 100 messages of its current branch (`has_more` when older ones exist). */
  async get(caller: Caller, id: string): Promise<ConversationDetail> {
    return this.detail(caller, await this.owned(caller, id));
  }

  private async detail(caller: Caller, row: ConversationRow): Promise<ConversationDetail> {
    const page = await this.deps.repo.branchPage(this.db, caller.tenantId, row.id, {
      fromId: row.currentLeafId,
      limit: CONVERSATION_MESSAGES_PAGE + 1,
    });
    const hasMore = page.length > CONVERSATION_MESSAGES_PAGE;
    return {
      id: row.id,
      title: row.title,
      agent: row.agent,
      created_at: row.createdAt.toISOString(),
      updated_at: row.updatedAt.toISOString(),
      messages: await this.present(caller, hasMore ? page.slice(1) : page),
      has_more: hasMore,
    };
  }

  /**
   * Older messages of the branch, a page at a time: the ancestors of the message `before` (the
   * newest of the current branch without it).
   */
  async messages(caller: Caller, id: string, query: { before?: string; limit: number }): Promise<MessagePage> {
    const conversation = await this.owned(caller, id);
    let fromId = conversation.currentLeafId;
    if (query.before) {
      const before = await this.deps.repo.findMessage(this.db, caller.tenantId, id, query.before);
      if (!before) throw new AppError('invalid_cursor', 'No such message in this conversation.');
      fromId = before.parentId;
    }
    const page = await this.deps.repo.branchPage(this.db, caller.tenantId, id, { fromId, limit: query.limit + 1 });
    const hasMore = page.length > query.limit;
    const items = hasMore ? page.slice(1) : page;
    return { items: await this.present(caller, items), next_cursor: hasMore ? (items[0]?.id ?? null) : null };
  }

  /**
   * `POST …/branch`: makes the branch holding `messageId` current — down to its newest end (from
   * the message, the most recent child each time) — and answers the conversation.
   */
  async switchBranch(caller: Caller, id: string, messageId: string): Promise<ConversationDetail> {
    const conversation = await this.owned(caller, id);
    const message = await this.deps.repo.findMessage(this.db, caller.tenantId, id, messageId);
    if (!message)
      throw new AppError('validation_failed', 'No such message in this conversation.', {
        errors: [{ path: 'message_id', message: 'no such message in this conversation' }],
      });
    const leafId = await this.deps.repo.deepestLeaf(this.db, caller.tenantId, id, message.id);
    await this.deps.repo.setLeaf(this.db, caller.tenantId, id, leafId);
    return this.detail(caller, { ...conversation, currentLeafId: leafId });
  }

  /**
   * The caller's conversation (404 when not theirs) and the messages of its current branch,
   * oldest first, a page at a time: exports stream the pages instead of loading the transcript
   * whole (only the branch's ids are read at once).
   */
  async exportOf(
    caller: Caller,
    id: string,
  ): Promise<{ conversation: ConversationRow; pages: AsyncGenerator<Message[]> }> {
    const conversation = await this.owned(caller, id);
    return { conversation, pages: this.pagesOf(caller, conversation) };
  }

  /** The current branch of a conversation already checked to be the caller's, 500 messages at a time. */
  private async *pagesOf(caller: Caller, conversation: ConversationRow): AsyncGenerator<Message[]> {
    const ids = await this.deps.repo.branchIds(this.db, caller.tenantId, conversation.id, conversation.currentLeafId);
    for (let i = 0; i < ids.length; i += 500) {
      const page = await this.deps.repo.messagesByIds(this.db, caller.tenantId, ids.slice(i, i + 500));
      yield this.present(caller, page);
    }
  }

  /** The caller's conversation row, or 404 (also for another person's conversation). */
  async owned(caller: Caller, id: string): Promise<ConversationRow> {
    const row = await this.deps.repo.findOwned(this.db, caller.tenantId, ownerIdOf(caller), id);
    if (!row) throw new AppError('not_found', 'Conversation not found.');
    return row;
  }

  /** The API's messages: tool calls on assistant messages, and the caller's own feedback on them. */
  private async present(caller: Caller, rows: MessageRow[]): Promise<Message[]> {
    const answers = rows.filter((m) => m.role === 'assistant').map((m) => m.id);
    // Four independent reads on the pool: side by side, one round trip of waiting instead of four.
    const [calls, ratings, files, siblings] = await Promise.all([
      this.deps.repo.toolCallsOf(this.db, caller.tenantId, answers),
      this.deps.feedback.ofMessages(this.db, caller.tenantId, ownerIdOf(caller), answers),
      this.deps.repo.attachmentsOf(
        this.db,
        caller.tenantId,
        rows.filter((m) => m.role === 'user').map((m) => m.id),
      ),
      this.deps.repo.siblingsOf(
        this.db,
        caller.tenantId,
        rows.map((m) => m.id),
      ),
    ]);
    return rows.map((m) => {
      const place = siblings.get(m.id);
      const mine = calls.filter((c) => c.messageId === m.id);
      const rating = ratings.find((f) => f.messageId === m.id);
      const attached = files.filter((a) => a.messageId === m.id);
      return {
        id: m.id,
        role: m.role as 'user' | 'assistant',
        content: m.content,
        agent: m.agent,
        created_at: m.createdAt.toISOString(),
        parent_id: m.parentId,
        branch_index: place?.index ?? 1,
        branch_count: place?.count ?? 1,
        previous_sibling_id: place?.previousId ?? null,
        next_sibling_id: place?.nextId ?? null,
        ...(mine.length
          ? {
              tool_calls: mine.map((c) => ({
                call_id: c.callId,
                name: c.name,
                arguments: c.arguments,
                output: c.output,
              })),
            }
          : {}),
        ...(attached.length ? { attachments: attached.map(toAttachment) } : {}),
        ...(m.role === 'assistant'
          ? { feedback: rating ? { rating: rating.rating as 'up' | 'down', comment: rating.comment } : null }
          : {}),
      };
    });
  }

  async rename(caller: Caller, id: string, title: string): Promise<ConversationSummary> {
    const row = await this.deps.repo.rename(this.db, caller.tenantId, ownerIdOf(caller), id, title, new Date());
    if (!row) throw new AppError('not_found', 'Conversation not found.');
    return toSummary(row);
  }

  async delete(caller: Caller, id: string): Promise<void> {
    if (!(await this.deps.repo.delete(this.db, caller.tenantId, ownerIdOf(caller), id)))
      throw new AppError('not_found', 'Conversation not found.');
  }

  /** `search_conversations` (a tool of the agents module): full-text over the caller's own conversations in the current tenant. */
  async search(caller: Caller, query: string, limit: number): Promise<ConversationSearchHit[]> {
    const rows = await this.deps.repo.search(
      this.db,
      caller.tenantId,
      ownerIdOf(caller),
      query,
      Math.min(Math.max(limit, 1), 20),
    );
    return rows.map((r) => ({
      conversation_id: r.conversation_id,
      title: r.title,
      snippet: r.snippet,
      updated_at: new Date(r.updated_at).toISOString(),
    }));
  }

  async agentStats(caller: Caller, agent: string) {
    const s = await this.deps.repo.agentStats(this.db, caller.tenantId, ownerIdOf(caller), agent);
    return { conversations: s.conversations, last_used_at: s.lastUsedAt ? s.lastUsedAt.toISOString() : null };
  }
}
