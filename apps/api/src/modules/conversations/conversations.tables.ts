import { sql } from 'drizzle-orm';
import {
  type AnyPgColumn,
  bigint,
  bigserial,
  index,
  integer,
  jsonb,
  pgTable,
  primaryKey,
  text,
  timestamp,
  uuid,
} from 'drizzle-orm/pg-core';

/**
 * A chat thread of one principal in one tenant. `user_id` is the caller's principal id (a user,
 * or a service account for `service:` callers). Timestamps are kept to the millisecond so the
 * list's `(updated_at, id)` cursor round-trips exactly through JavaScript dates.
 */
export const conversations = pgTable(
  'conversations',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    tenantId: uuid('tenant_id').notNull(),
    userId: uuid('user_id').notNull(),
    /** The agent of the last run (the entry agent before any run finished). */
    agent: text('agent').notNull(),
    title: text('title').notNull(),
    /** `auto` (from the first message, then the title agent) | `user` (renamed: never overwritten). */
    titleSource: text('title_source').notNull().default('auto'),
    messageCount: integer('message_count').notNull().default(0),
    inputTokens: integer('input_tokens').notNull().default(0),
    outputTokens: integer('output_tokens').notNull().default(0),
    lastMessagePreview: text('last_message_preview'),
    /**
     * The last message of the current branch (messages form a tree through `parent_id`): the
     * branch is the path from a root to it. Null for a conversation without messages.
     */
    currentLeafId: uuid('current_leaf_id'),
    createdAt: timestamp('created_at', { withTimezone: true, precision: 3 }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true, precision: 3 }).notNull().defaultNow(),
  },
  (t) => [
    index('conversations_owner_updated_idx').on(t.tenantId, t.userId, t.updatedAt, t.id),
    index('conversations_tenant_agent_idx').on(t.tenantId, t.agent),
  ],
);

/**
 * The visible transcript, a tree: each message's `parent_id` is the message it follows (null for
 * the first). An edit adds a sibling of a user message, a regenerated answer a sibling of an
 * answer; messages are never changed. `position` orders siblings (oldest first).
 */
export const messages = pgTable(
  'messages',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    position: bigserial('position', { mode: 'number' }).notNull(),
    tenantId: uuid('tenant_id').notNull(),
    conversationId: uuid('conversation_id')
      .notNull()
      .references(() => conversations.id, { onDelete: 'cascade' }),
    parentId: uuid('parent_id').references((): AnyPgColumn => messages.id, { onDelete: 'cascade' }),
    runId: uuid('run_id'),
    /** `user` | `assistant`. */
    role: text('role').notNull(),
    content: text('content').notNull(),
    /** The agent that wrote an assistant message. */
    agent: text('agent'),
    inputTokens: integer('input_tokens').notNull().default(0),
    outputTokens: integer('output_tokens').notNull().default(0),
    createdAt: timestamp('created_at', { withTimezone: true, precision: 3 }).notNull().defaultNow(),
  },
  (t) => [
    index('messages_conversation_position_idx').on(t.conversationId, t.position),
    index('messages_conversation_parent_idx').on(t.conversationId, t.parentId, t.position),
    index('messages_content_fts_idx').using('gin', sql`to_tsvector('simple', ${t.content})`),
  ],
);

/**
 * The SDK's view of the conversation (the `Session` store): each `AgentInputItem` as the SDK
 * produced it, tagged with `schema_version` so a later SDK can migrate old items instead of
 * misreading them.
 */
export const conversationItems = pgTable(
  'conversation_items',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    position: bigserial('position', { mode: 'number' }).notNull(),
    tenantId: uuid('tenant_id').notNull(),
    conversationId: uuid('conversation_id')
      .notNull()
      .references(() => conversations.id, { onDelete: 'cascade' }),
    runId: uuid('run_id'),
    /**
     * The message whose turn produced the item (the user's input item: their message; the
     * model's items: its answer). The model's memory is the items of the current branch's messages.
     */
    messageId: uuid('message_id').references(() => messages.id, { onDelete: 'cascade' }),
    schemaVersion: integer('schema_version').notNull(),
    item: jsonb('item').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    index('conversation_items_conversation_position_idx').on(t.conversationId, t.position),
    index('conversation_items_message_idx').on(t.messageId, t.position),
  ],
);

/** Tool calls made while writing an assistant message. */
export const toolCalls = pgTable(
  'tool_calls',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    position: bigserial('position', { mode: 'number' }).notNull(),
    tenantId: uuid('tenant_id').notNull(),
    conversationId: uuid('conversation_id')
      .notNull()
      .references(() => conversations.id, { onDelete: 'cascade' }),
    messageId: uuid('message_id')
      .notNull()
      .references(() => messages.id, { onDelete: 'cascade' }),
    runId: uuid('run_id').notNull(),
    callId: text('call_id').notNull(),
    name: text('name').notNull(),
    arguments: text('arguments').notNull(),
    output: text('output'),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index('tool_calls_message_idx').on(t.messageId)],
);

/**
 * The files a user message carried, in the order sent. Name, type and size are copied from the
 * file when the message is stored: the message keeps showing what was sent after the file is
 * deleted (`file_id` then leads nowhere; no foreign key into the files module's table).
 */
export const messageAttachments = pgTable(
  'message_attachments',
  {
    tenantId: uuid('tenant_id').notNull(),
    conversationId: uuid('conversation_id')
      .notNull()
      .references(() => conversations.id, { onDelete: 'cascade' }),
    messageId: uuid('message_id')
      .notNull()
      .references(() => messages.id, { onDelete: 'cascade' }),
    position: integer('position').notNull(),
    fileId: uuid('file_id').notNull(),
    filename: text('filename').notNull(),
    contentType: text('content_type').notNull(),
    sizeBytes: bigint('size_bytes', { mode: 'number' }).notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.messageId, t.position] }), index('message_attachments_file_idx').on(t.fileId)],
);

/** Handoffs between agents during a run. */
export const handoffs = pgTable(
  'handoffs',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    tenantId: uuid('tenant_id').notNull(),
    conversationId: uuid('conversation_id')
      .notNull()
      .references(() => conversations.id, { onDelete: 'cascade' }),
    messageId: uuid('message_id')
      .notNull()
      .references(() => messages.id, { onDelete: 'cascade' }),
    runId: uuid('run_id').notNull(),
    fromAgent: text('from_agent').notNull(),
    toAgent: text('to_agent').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index('handoffs_conversation_idx').on(t.conversationId)],
);

/** A person's rating of an assistant message (one per message and rater; a second rating replaces it). */
export const messageFeedback = pgTable(
  'message_feedback',
  {
    tenantId: uuid('tenant_id').notNull(),
    messageId: uuid('message_id')
      .notNull()
      .references(() => messages.id, { onDelete: 'cascade' }),
    conversationId: uuid('conversation_id')
      .notNull()
      .references(() => conversations.id, { onDelete: 'cascade' }),
    userId: uuid('user_id').notNull(),
    /** `up` | `down`. */
    rating: text('rating').notNull(),
    comment: text('comment'),
    createdAt: timestamp('created_at', { withTimezone: true, precision: 3 }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true, precision: 3 }).notNull().defaultNow(),
  },
  (t) => [
    primaryKey({ columns: [t.messageId, t.userId] }),
    index('message_feedback_tenant_updated_idx').on(t.tenantId, t.updatedAt),
  ],
);

/**
 * A public, read-only link to a conversation as it was when shared. `id` is the link itself (128
 * random bits, base64url). Messages are never edited, so the share stores the last message of
 * the branch that was current (`leaf_message_id`; `last_position` its position) and the title
 * instead of a copy: later messages and other branches never leak, and a share costs one row. Revoking deletes the row, so the link answers 404.
 */
export const conversationShares = pgTable(
  'conversation_shares',
  {
    id: text('id').primaryKey(),
    tenantId: uuid('tenant_id').notNull(),
    conversationId: uuid('conversation_id')
      .notNull()
      .references(() => conversations.id, { onDelete: 'cascade' }),
    userId: uuid('user_id').notNull(),
    title: text('title').notNull(),
    lastPosition: bigint('last_position', { mode: 'number' }).notNull(),
    /** The last message of the branch that was current at share time: the share shows the path to it. */
    leafMessageId: uuid('leaf_message_id'),
    createdAt: timestamp('created_at', { withTimezone: true, precision: 3 }).notNull().defaultNow(),
  },
  (t) => [index('conversation_shares_conversation_idx').on(t.conversationId)],
);

/**
 * The model's memory of what is older than its budget (AGENT_MEMORY_MAX_TOKENS): one summary of
 * the session items up to `covers_position` (a `conversation_items.position`), computed once and
 * reused by later runs until the recent items outgrow the budget again. The newest row is the one
 * in use; the transcript itself is never shortened.
 */
export const conversationSummaries = pgTable(
  'conversation_summaries',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    tenantId: uuid('tenant_id').notNull(),
    conversationId: uuid('conversation_id')
      .notNull()
      .references(() => conversations.id, { onDelete: 'cascade' }),
    /** The last message the summary covers: it is reused only on branches through that message. */
    coversMessageId: uuid('covers_message_id')
      .notNull()
      .references(() => messages.id, { onDelete: 'cascade' }),
    /** The position of the last session item it covers. */
    coversPosition: bigint('covers_position', { mode: 'number' }).notNull(),
    /** How many user and assistant messages the summary stands for (all earlier summaries included). */
    summarizedMessages: integer('summarized_messages').notNull(),
    text: text('text').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true, precision: 3 }).notNull().defaultNow(),
  },
  (t) => [index('conversation_summaries_message_idx').on(t.coversMessageId, t.coversPosition)],
);
