import type { ConversationDetail, ConversationList, ConversationSummary, Usage } from '@agentry/contracts';
import type { DbOrTx } from '../../platform/db/client.js';
import { ownerIdOf, type Caller } from '../../platform/caller.js';
import { AppError } from '../../platform/errors.js';
import type { ConversationSearch, ConversationSearchHit } from '../agents/run-context.js';
import { decodeCursor, encodeCursor } from './conversation-cursor.js';
import { previewOf, titleFromMessage } from './conversation-title.js';
import type { ConversationRow, ConversationsRepo } from './conversations.repo.js';
import { PostgresSession } from './postgres-session.js';

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

/** Conversations and their transcript. Every method takes the caller: you only ever see your own. */
export class ConversationsService implements ConversationSearch {
  constructor(private readonly repo: ConversationsRepo) {}

  /**
   * Stores the user's message before a run starts: in the caller's conversation (404 when it is
   * not theirs) or a new one titled from the message.
   */
  async startTurn(
    caller: Caller,
    input: { conversationId?: string; agent: string; message: string },
    /** Runs in the same transaction once the conversation is known (chat inserts its run row here). */
    alsoInTransaction?: (tx: DbOrTx, conversationId: string) => Promise<void>,
  ) {
    const owner = ownerIdOf(caller);
    const now = new Date();
    return this.repo.transaction(async (tx) => {
      const conversation = input.conversationId
        ? await this.repo.findOwned(caller.tenantId, owner, input.conversationId, tx)
        : await this.repo.create(tx, {
            tenantId: caller.tenantId, userId: owner, agent: input.agent, title: titleFromMessage(input.message), now, firstMessage: { preview: previewOf(input.message) },
          });
      if (!conversation) throw new AppError('not_found', 'Conversation not found.');
      const message = await this.repo.insertMessage(tx, {
        tenantId: caller.tenantId, conversationId: conversation.id, runId: null, role: 'user', content: input.message, agent: null, now,
      });
      // A new conversation already counts this message (one statement less on the way to the first token).
      if (input.conversationId) await this.repo.touch(tx, caller.tenantId, conversation.id, { messages: 1, preview: previewOf(input.message), now });
      await alsoInTransaction?.(tx, conversation.id);
      return { conversationId: conversation.id, userMessageId: message.id, isNew: !input.conversationId };
    });
  }

  /** The SDK session of a conversation, staging writes until the run's end. */
  sessionFor(caller: Caller, conversationId: string, runId: string, options: { isNew?: boolean } = {}): PostgresSession {
    return new PostgresSession(this.repo, { tenantId: caller.tenantId, conversationId, runId }, { staged: true, knownEmpty: options.isNew });
  }

  /**
   * Writes everything a finished run produced — the assistant message, its tool calls and
   * handoffs, the SDK items and the conversation's counters — in one transaction, and runs
   * `alsoInTransaction` (the chat module's run row) inside it. Returns the assistant message id.
   */
  async recordRunResult(caller: Caller, result: RunResultRecord, alsoInTransaction?: (tx: DbOrTx) => Promise<void>): Promise<string> {
    const now = new Date();
    const tenantId = caller.tenantId;
    return this.repo.transaction(async (tx) => {
      const message = await this.repo.insertMessage(tx, {
        tenantId, conversationId: result.conversationId, runId: result.runId, role: 'assistant', content: result.response, agent: result.agent,
        inputTokens: result.usage.input_tokens, outputTokens: result.usage.output_tokens, now,
      });
      const link = { tenantId, conversationId: result.conversationId, messageId: message.id, runId: result.runId };
      await this.repo.insertToolCalls(tx, result.toolCalls.map((c) => ({ ...link, ...c })));
      await this.repo.insertHandoffs(tx, result.handoffs.map((h) => ({ ...link, fromAgent: h.from, toAgent: h.to })));
      await result.session.flush(tx);
      await this.repo.touch(tx, tenantId, result.conversationId, {
        messages: 1, preview: previewOf(result.response), now, agent: result.agent,
        inputTokens: result.usage.input_tokens, outputTokens: result.usage.output_tokens,
      });
      await alsoInTransaction?.(tx);
      return message.id;
    });
  }

  /**
   * After a failed run: keeps the user's message in the model's memory too (its transcript row is
   * already stored), so the next run sees what the user asked.
   */
  async recordFailedRun(session: PostgresSession, alsoInTransaction?: (tx: DbOrTx) => Promise<void>): Promise<void> {
    await this.repo.transaction(async (tx) => {
      await session.flush(tx, (item) => (item as { role?: string }).role === 'user');
      await alsoInTransaction?.(tx);
    });
  }

  async list(caller: Caller, query: { limit: number; cursor?: string; q?: string }): Promise<ConversationList> {
    const cursor = query.cursor ? decodeCursor(query.cursor) : undefined;
    const rows = await this.repo.list(caller.tenantId, ownerIdOf(caller), { limit: query.limit + 1, cursor, q: query.q });
    const page = rows.slice(0, query.limit);
    const last = page[page.length - 1];
    return {
      items: page.map(toSummary),
      next_cursor: rows.length > query.limit && last ? encodeCursor({ updatedAt: last.updatedAt, id: last.id }) : null,
    };
  }

  async get(caller: Caller, id: string): Promise<ConversationDetail> {
    const row = await this.repo.findOwned(caller.tenantId, ownerIdOf(caller), id);
    if (!row) throw new AppError('not_found', 'Conversation not found.');
    const messages = await this.repo.messagesOf(caller.tenantId, id);
    const calls = await this.repo.toolCallsOf(caller.tenantId, messages.filter((m) => m.role === 'assistant').map((m) => m.id));
    return {
      id: row.id,
      title: row.title,
      agent: row.agent,
      created_at: row.createdAt.toISOString(),
      updated_at: row.updatedAt.toISOString(),
      messages: messages.map((m) => {
        const mine = calls.filter((c) => c.messageId === m.id);
        return {
          id: m.id,
          role: m.role as 'user' | 'assistant',
          content: m.content,
          agent: m.agent,
          created_at: m.createdAt.toISOString(),
          ...(mine.length ? { tool_calls: mine.map((c) => ({ call_id: c.callId, name: c.name, arguments: c.arguments, output: c.output })) } : {}),
        };
      }),
    };
  }

  async rename(caller: Caller, id: string, title: string): Promise<ConversationSummary> {
    const row = await this.repo.rename(caller.tenantId, ownerIdOf(caller), id, title, new Date());
    if (!row) throw new AppError('not_found', 'Conversation not found.');
    return toSummary(row);
  }

  async delete(caller: Caller, id: string): Promise<void> {
    if (!(await this.repo.delete(caller.tenantId, ownerIdOf(caller), id))) throw new AppError('not_found', 'Conversation not found.');
  }

  /** `search_conversations`: full-text over the caller's own conversations in the current tenant. */
  async search(caller: Caller, query: string, limit: number): Promise<ConversationSearchHit[]> {
    const rows = await this.repo.search(caller.tenantId, ownerIdOf(caller), query, Math.min(Math.max(limit, 1), 20));
    return rows.map((r) => ({ conversation_id: r.conversation_id, title: r.title, snippet: r.snippet, updated_at: new Date(r.updated_at).toISOString() }));
  }

  async agentStats(caller: Caller, agent: string) {
    const s = await this.repo.agentStats(caller.tenantId, ownerIdOf(caller), agent);
    return { conversations: s.conversations, last_used_at: s.lastUsedAt ? s.lastUsedAt.toISOString() : null };
  }
}
