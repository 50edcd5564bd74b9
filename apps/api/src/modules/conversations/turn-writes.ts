import type { MessageAttachment, Usage } from '@agentry/contracts';
import { randomUUID } from 'node:crypto';
import { type SQL, sql } from 'drizzle-orm';
import type { Database, DbOrTx } from '../../platform/db/client.js';
import { jsonValue, runParts, type GuardPart, type StatementPart } from '../../platform/db/statement.js';
import { ownerIdOf, type Caller } from '../../platform/caller.js';
import { AppError } from '../../platform/errors.js';
import { previewOf, titleFromMessage } from './conversation-title.js';
import type { ConversationAssistant, ConversationMemory } from './conversation-memory.js';
import type { ConversationItemsRepo } from './conversation-items.repo.js';
import type { AttachmentRow, ConversationsRepo } from './conversations.repo.js';
import { PostgresSession, type SessionImages } from './postgres-session.js';
import {
  answerPart,
  newConversationTurn,
  nextTurn,
  TURN_STORED,
  type TurnStatementResult,
  type UserMessageValues,
} from './turn-statements.js';

/** What a finished run leaves in the conversation, written in one statement with the run's end. */
export interface RunResultRecord {
  conversationId: string;
  runId: string;
  agent: string;
  response: string;
  usage: Usage;
  toolCalls: { callId: string; name: string; arguments: string; output: string | null }[];
  handoffs: { from: string; to: string }[];
  session: PostgresSession;
  /** The new conversation's automatic title, when it is ready by then (stored unless the owner renamed it). */
  title?: string;
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

export interface TurnInput {
  conversationId?: string;
  agent: string;
  message?: string;
  editOf?: string;
  regenerate?: boolean;
  /** Files the new message carries (already checked to be the caller's tenant's and ready). */
  attachments?: MessageAttachment[];
}

/** What the caller's own module adds to a turn's statement (chat: the run row), given the turn. */
export type TurnExtra = (turn: { conversationId: string; stored: SQL }) => StatementPart;

function toAttachment(row: AttachmentRow): MessageAttachment {
  return { file_id: row.fileId, filename: row.filename, content_type: row.contentType, size_bytes: row.sizeBytes };
}

export interface TurnWritesDeps {
  database: Database;
  repo: ConversationsRepo;
  /** The SDK session items a run's session reads and writes. */
  items: ConversationItemsRepo;
  /** The model's bounded memory (AGENT_MEMORY_MAX_TOKENS); without it, runs see the whole session. */
  memory?: ConversationMemory;
}

/**
 * What a chat run writes into its conversation: the user's turn before the run (one statement,
 * with the run row chat adds), the model's session during it (staged), and the run's result after
 * it (one statement, with the run row's end and the usage chat and billing add). Reads what the
 * model remembers; compacts it when it grows past the budget. Every write is scoped to the caller's tenant.
 */
export class TurnWrites {
  constructor(private readonly deps: TurnWritesDeps) {}

  /**
   * Stores the user's turn before a run starts: in the caller's conversation (404 when it is not
   * theirs) or in a new one titled from the message. The message continues the current branch;
   * with `editOf` it is a new version of that user message (its sibling) and becomes the current
   * branch's end; with `regenerate` nothing is stored and the run answers the current branch's last
   * user message again. `extra` is written in the same statement, only when the turn is; `guard`
   * (the plan's limits) is checked in it, and when it refuses, its error is thrown and nothing is
   * written. Returns where the turn sits in the tree.
   */
  async startTurn(caller: Caller, input: TurnInput, extra: TurnExtra, guard?: GuardPart): Promise<Turn> {
    if (input.conversationId && input.regenerate)
      return this.regenerateTurn(caller, input.conversationId, extra, guard);
    const attachments = input.attachments ?? [];
    const message = input.message ?? '';
    const values: UserMessageValues = {
      id: randomUUID(),
      tenantId: caller.tenantId,
      conversationId: input.conversationId ?? randomUUID(),
      content: message,
      now: new Date(),
      attachments: attachments.map((a) => ({
        fileId: a.file_id,
        filename: a.filename,
        contentType: a.content_type,
        sizeBytes: a.size_bytes,
      })),
    };
    const owner = ownerIdOf(caller);
    const turn = input.conversationId
      ? nextTurn(values, { userId: owner, preview: previewOf(message), editOf: input.editOf }, guard?.allows)
      : newConversationTurn(
          values,
          { userId: owner, agent: input.agent, title: titleFromMessage(message), preview: previewOf(message) },
          guard?.allows,
        );
    const parts = [turn, extra({ conversationId: values.conversationId, stored: TURN_STORED })];
    // The guard's CTEs come first (the turn's read its value); a refusal is its error, before any other.
    const returned = await runParts(this.db, guard ? [guard, ...parts] : parts);
    if (guard) guard.check(returned.shift());
    const [value] = returned;
    const result = jsonValue<TurnStatementResult>(value, { found: false, stored: false, parent_id: null });
    if (!result.found) throw new AppError('not_found', 'Conversation not found.');
    if (!result.stored)
      throw new AppError('validation_failed', 'Only your own messages of this conversation can be edited.', {
        errors: [
          {
            path: 'edit_of',
            message: result.edited_role ? 'not a user message' : 'no such message in this conversation',
          },
        ],
      });
    return {
      conversationId: values.conversationId,
      userMessageId: values.id,
      historyTipId: result.parent_id,
      message,
      attachments,
      isNew: !input.conversationId,
    };
  }

  /** `regenerate`: reads the question to answer again (conversation locked), then writes `extra`. */
  private regenerateTurn(caller: Caller, conversationId: string, extra: TurnExtra, guard?: GuardPart): Promise<Turn> {
    const { repo } = this.deps;
    return this.db.transaction(async (tx) => {
      // The guard first, as in one statement: a refused run reads and writes nothing.
      if (guard) guard.check((await runParts(tx, [guard]))[0]);
      const conversation = await repo.findOwned(tx, caller.tenantId, ownerIdOf(caller), conversationId, {
        lock: true,
      });
      if (!conversation) throw new AppError('not_found', 'Conversation not found.');
      const question = await repo.lastUserMessage(tx, caller.tenantId, conversation.id, conversation.currentLeafId);
      if (!question) throw new AppError('conflict', 'There is no question to answer again in this conversation.');
      const attachments = (await repo.attachmentsOf(tx, caller.tenantId, [question.id])).map(toAttachment);
      await runParts(tx, [extra({ conversationId: conversation.id, stored: sql`select 1` })]);
      return {
        conversationId: conversation.id,
        userMessageId: question.id,
        historyTipId: question.parentId,
        message: question.content,
        attachments,
        isNew: false,
      };
    });
  }

  /**
   * The SDK session of a turn: the model sees the branch up to the turn's user message; writes are
   * staged until the run's final statement. `images`: the run's image attachments (stored as
   * references to their files) and how earlier ones are loaded again.
   */
  sessionFor(caller: Caller, turn: Turn, runId: string, images?: SessionImages): PostgresSession {
    return new PostgresSession(
      this.deps.items,
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

  /**
   * Writes everything a finished run produced in one statement: the assistant message, its tool
   * calls and handoffs, the SDK items staged in `result.session`, the conversation's counters and
   * `extra` (the run row's end, the usage) and, with `result.title`, the automatic title. `guard`
   * (the run still holding its lease) conditions every write of the statement, the extra parts'
   * too (built with its `allows`); refused, its error is thrown. Returns the assistant message id,
   * what each extra part returned and whether the title was set.
   */
  async recordRunResult(
    caller: Caller,
    result: RunResultRecord,
    extra: StatementPart[],
    guard?: GuardPart,
  ): Promise<{ messageId: string; returned: unknown[]; titled: boolean }> {
    const messageId = randomUUID();
    const answer = answerPart(
      {
        id: messageId,
        tenantId: caller.tenantId,
        conversationId: result.conversationId,
        runId: result.runId,
        parentId: result.session.userMessageId,
        content: result.response,
        agent: result.agent,
        preview: previewOf(result.response),
        inputTokens: result.usage.input_tokens,
        outputTokens: result.usage.output_tokens,
        now: new Date(),
        toolCalls: result.toolCalls,
        handoffs: result.handoffs,
        ...(result.title === undefined ? {} : { title: result.title }),
      },
      guard?.allows,
    );
    const items = result.session.stagedPart(messageId, guard?.allows);
    const parts = [answer, ...(items ? [items] : []), ...extra];
    // The guard's CTEs come first (the others read its `allows`); refused, it throws and nothing was written.
    const returned = await runParts(this.db, guard ? [guard, ...parts] : parts);
    if (guard) guard.check(returned.shift());
    return { messageId, returned: returned.slice(items ? 2 : 1), titled: returned[0] === true };
  }

  /**
   * After a failed run, in one statement with `extra` (the run row's end, the usage): keeps the
   * user's message in the model's memory too (its transcript row is already stored), so the next
   * run sees what the user asked. Returns what each extra part returned.
   */
  async recordFailedRun(session: PostgresSession, extra: StatementPart[]): Promise<unknown[]> {
    const items = session.stagedPart(null);
    const returned = await runParts(this.db, [...(items ? [items] : []), ...extra]);
    return returned.slice(items ? 1 : 0);
  }

  /** The failed run's memory items, in the caller's transaction (a paused run that ended). */
  async keepUserItems(tx: DbOrTx, session: PostgresSession): Promise<void> {
    await session.flush(tx, null);
  }

  private get db() {
    return this.deps.database.db;
  }
}
