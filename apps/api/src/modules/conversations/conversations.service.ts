import {
  CONVERSATION_MESSAGES_PAGE,
  type ConversationDetail,
  type ConversationList,
  type ConversationSummary,
  type Message,
  type MessageAttachment,
  type MessagePage,
  type Usage,
} from '@agentry/contracts';
import { randomUUID } from 'node:crypto';
import type { Database, DbOrTx } from '../../platform/db/client.js';
import { ownerIdOf, type Caller } from '../../platform/caller.js';
import { AppError } from '../../platform/errors.js';
import { decodeCursor, encodeCursor } from './conversation-cursor.js';
import { previewOf, titleFromMessage } from './conversation-title.js';
import type { AttachmentRow, ConversationRow, ConversationsRepo, MessageRow } from './conversations.repo.js';
import type { FeedbackRepo } from './feedback.repo.js';
import type { ConversationAssistant, ConversationMemory } from './conversation-memory.js';
import { PostgresSession, type SessionImages } from './postgres-session.js';

/** What a finished run leaves in the conversation, written in one transaction. */
export interface RunResultRecord {
  conversationId: string;
  runId: string;
  agent: string;
  response: string;
  usage: Usage;
  toolCalls: { callId: string; name: string; arguments: string; output: string | null }[];
  handoffs: { from: string; to: string }[];
  session: PostgresSession;
}

/** Where a run's turn sits in the message tree (`startTurn`). */
export interface Turn {
  conversationId: string;
  /** The user message the run answers (new, or the one answered again when regenerating). */
  userMessageId: string;
  /** Its parent: the end of the branch the model sees before it (null: nothing before). */
  historyTipId: string | null;
  /** The text the run sends the model. */
  message: string;
  /** The files of the user message (stored now, or the regenerated question's). */
  attachments: MessageAttachment[];
  isNew: boolean;
}

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
  /** The model's bounded memory (AGENT_MEMORY_MAX_TOKENS); without it, runs see the whole session. */
  memory?: ConversationMemory;
}

/**
 * Conversations and their transcript. Every method takes the caller: you only ever see your own.
 * The methods chat calls inside its own unit of work (`startTurn`, `recordRunResult`,
 * `recordFailedRun`) take chat's transaction first; the others run on the database.
 */
export class ConversationsService {
  constructor(private readonly deps: ConversationsServiceDeps) {}

  private get db() {
    return this.deps.database.db;
  }

  /**
   * Stores the user's turn before a run starts, in `tx`: in the caller's conversation (404 when it
   * is not theirs) or in a new one titled from the message. The message continues the current
   * branch; with `editOf` it is a new version of that user message (its sibling) and becomes the
   * current branch's end; with `regenerate` nothing is stored and the run answers the current
   * branch's last user message again. Returns where the turn sits in the tree.
   */
  async startTurn(
    tx: DbOrTx,
    caller: Caller,
    input: {
      conversationId?: string;
      agent: string;
      message?: string;
      editOf?: string;
      regenerate?: boolean;
      /** Files the new message carries (already checked to be the caller's tenant's and ready). */
      attachments?: MessageAttachment[];
    },
  ): Promise<Turn> {
    const { repo } = this.deps;
    const owner = ownerIdOf(caller);
    const now = new Date();
    const attachments = input.attachments ?? [];
    const attach = (conversationId: string, messageId: string) =>
      repo.insertAttachments(
        tx,
        attachments.map((a, position) => ({
          tenantId: caller.tenantId,
          conversationId,
          messageId,
          position,
          fileId: a.file_id,
          filename: a.filename,
          contentType: a.content_type,
          sizeBytes: a.size_bytes,
          createdAt: now,
        })),
      );
    if (!input.conversationId) {
      const message = input.message ?? '';
      const messageId = randomUUID();
      const conversation = await repo.create(tx, {
        tenantId: caller.tenantId,
        userId: owner,
        agent: input.agent,
        title: titleFromMessage(message),
        now,
        firstMessage: { preview: previewOf(message), id: messageId },
      });
      await repo.insertMessage(tx, {
        id: messageId,
        tenantId: caller.tenantId,
        conversationId: conversation.id,
        runId: null,
        parentId: null,
        role: 'user',
        content: message,
        agent: null,
        now,
      });
      await attach(conversation.id, messageId);
      return {
        conversationId: conversation.id,
        userMessageId: messageId,
        historyTipId: null,
        message,
        attachments,
        isNew: true,
      };
    }
    const conversation = await repo.findOwned(tx, caller.tenantId, owner, input.conversationId, { lock: true });
    if (!conversation) throw new AppError('not_found', 'Conversation not found.');
    if (input.regenerate) {
      const question = await repo.lastUserMessage(tx, caller.tenantId, conversation.id, conversation.currentLeafId);
      if (!question) throw new AppError('conflict', 'There is no question to answer again in this conversation.');
      return {
        conversationId: conversation.id,
        userMessageId: question.id,
        historyTipId: question.parentId,
        message: question.content,
        attachments: (await repo.attachmentsOf(tx, caller.tenantId, [question.id])).map(toAttachment),
        isNew: false,
      };
    }
    let parentId = conversation.currentLeafId;
    if (input.editOf) {
      const edited = await repo.findMessage(tx, caller.tenantId, conversation.id, input.editOf);
      if (!edited || edited.role !== 'user')
        throw new AppError('validation_failed', 'Only your own messages of this conversation can be edited.', {
          errors: [
            { path: 'edit_of', message: edited ? 'not a user message' : 'no such message in this conversation' },
          ],
        });
      parentId = edited.parentId;
    }
    const message = input.message ?? '';
    const row = await repo.insertMessage(tx, {
      tenantId: caller.tenantId,
      conversationId: conversation.id,
      runId: null,
      parentId,
      role: 'user',
      content: message,
      agent: null,
      now,
    });
    await repo.touch(tx, caller.tenantId, conversation.id, {
      messages: 1,
      preview: previewOf(message),
      now,
      leafId: row.id,
    });
    await attach(conversation.id, row.id);
    return {
      conversationId: conversation.id,
      userMessageId: row.id,
      historyTipId: parentId,
      message,
      attachments,
      isNew: false,
    };
  }

  /**
   * The SDK session of a turn: the model sees the branch up to the turn's user message; writes are
   * staged until the run's final transaction. `images`: the run's image attachments (stored as
   * references to their files) and how earlier ones are loaded again.
   */
  sessionFor(caller: Caller, turn: Turn, runId: string, images?: SessionImages): PostgresSession {
    return new PostgresSession(
      this.deps.repo,
      this.db,
      {
        tenantId: caller.tenantId,
        conversationId: turn.conversationId,
        runId,
        turn: { userMessageId: turn.userMessageId, historyTipId: turn.historyTipId },
      },
      {
        staged: true,
        knownEmpty: turn.historyTipId === null,
        memory: this.deps.memory,
        ...(images ? { images } : {}),
      },
    );
  }

  /**
   * Before a run: summarizes what no longer fits the model's memory budget (stored, reused by
   * later runs). Returns how many messages the new summary stands for, or null when none was made.
   */
  async compactMemory(
    caller: Caller,
    conversationId: string,
    historyTipId: string | null,
    assistant: ConversationAssistant,
    signal: AbortSignal,
  ): Promise<{ summarizedMessages: number } | null> {
    if (!this.deps.memory || !historyTipId) return null;
    return this.deps.memory.compact(this.db, caller.tenantId, conversationId, historyTipId, assistant, signal);
  }

  /** After a conversation's first run: its automatic title, unless its owner renamed it. True when set. */
  async setAutoTitle(caller: Caller, conversationId: string, title: string): Promise<boolean> {
    return this.deps.repo.setAutoTitle(this.db, caller.tenantId, conversationId, title);
  }

  /**
   * Writes everything a finished run produced, in `tx`: the assistant message, its tool calls and
   * handoffs, the SDK items staged in `result.session` and the conversation's counters. Returns
   * the assistant message id.
   */
  async recordRunResult(tx: DbOrTx, caller: Caller, result: RunResultRecord): Promise<string> {
    const { repo } = this.deps;
    const now = new Date();
    const tenantId = caller.tenantId;
    const message = await repo.insertMessage(tx, {
      tenantId,
      conversationId: result.conversationId,
      runId: result.runId,
      parentId: result.session.userMessageId,
      role: 'assistant',
      content: result.response,
      agent: result.agent,
      inputTokens: result.usage.input_tokens,
      outputTokens: result.usage.output_tokens,
      now,
    });
    const link = { tenantId, conversationId: result.conversationId, messageId: message.id, runId: result.runId };
    await repo.insertToolCalls(
      tx,
      result.toolCalls.map((c) => ({ ...link, ...c })),
    );
    await repo.insertHandoffs(
      tx,
      result.handoffs.map((h) => ({ ...link, fromAgent: h.from, toAgent: h.to })),
    );
    await result.session.flush(tx, message.id);
    // The answer ends the current branch (also when the person looked at another one meanwhile).
    await repo.touch(tx, tenantId, result.conversationId, {
      leafId: message.id,
      messages: 1,
      preview: previewOf(result.response),
      now,
      agent: result.agent,
      inputTokens: result.usage.input_tokens,
      outputTokens: result.usage.output_tokens,
    });
    return message.id;
  }

  /**
   * After a failed run, in `tx`: keeps the user's message in the model's memory too (its
   * transcript row is already stored), so the next run sees what the user asked.
   */
  async recordFailedRun(tx: DbOrTx, session: PostgresSession): Promise<void> {
    await session.flush(tx, null);
  }

  async list(caller: Caller, query: { limit: number; cursor?: string; q?: string }): Promise<ConversationList> {
    const cursor = query.cursor ? decodeCursor(query.cursor) : undefined;
    const rows = await this.deps.repo.list(this.db, caller.tenantId, ownerIdOf(caller), {
      limit: query.limit + 1,
      cursor,
      q: query.q,
    });
    const page = rows.slice(0, query.limit);
    const last = page[page.length - 1];
    return {
      items: page.map(toSummary),
      next_cursor: rows.length > query.limit && last ? encodeCursor({ updatedAt: last.updatedAt, id: last.id }) : null,
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
    const calls = await this.deps.repo.toolCallsOf(this.db, caller.tenantId, answers);
    const ratings = await this.deps.feedback.ofMessages(this.db, caller.tenantId, ownerIdOf(caller), answers);
    const files = await this.deps.repo.attachmentsOf(
      this.db,
      caller.tenantId,
      rows.filter((m) => m.role === 'user').map((m) => m.id),
    );
    const siblings = await this.deps.repo.siblingsOf(
      this.db,
      caller.tenantId,
      rows.map((m) => m.id),
    );
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
