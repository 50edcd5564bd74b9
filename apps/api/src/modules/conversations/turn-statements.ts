import { type SQL, sql } from 'drizzle-orm';
import type { StatementPart } from '../../platform/db/statement.js';
import {
  conversationItems,
  conversations,
  handoffs,
  messageAttachments,
  messages,
  toolCalls,
} from './conversations.tables.js';

/**
 * The SQL of a turn's writes, as parts of one statement each (platform/db/statement.ts): the start
 * of a turn (user message, conversation, attachments — and the run row chat adds) and the end of a
 * run (answer, tool calls, handoffs, model memory, counters — and the run row's end and the usage
 * chat and billing add). Ids are made by the caller, so the parts need not read each other's rows.
 */

const at = (d: Date) => sql`${d.toISOString()}::timestamptz`;
const uuidOrNull = (id: string | null) => (id === null ? sql`null::uuid` : sql`${id}::uuid`);

export interface AttachmentValues {
  fileId: string;
  filename: string;
  contentType: string;
  sizeBytes: number;
}

/** The user message of a turn: `turn_message` (its id, parent and conversation) when stored. */
export interface UserMessageValues {
  id: string;
  tenantId: string;
  conversationId: string;
  content: string;
  now: Date;
  attachments: AttachmentValues[];
}

/** Selects a row when the turn's user message was stored (what other parts of the turn wait on). */
export const TURN_STORED: SQL = sql`select 1 from turn_message`;

function attachmentsCte(m: UserMessageValues): SQL {
  if (!m.attachments.length) return sql``;
  const rows = sql.join(
    m.attachments.map(
      (a, position) =>
        sql`(${position}::int, ${a.fileId}::uuid, ${a.filename}::text, ${a.contentType}::text, ${a.sizeBytes}::bigint)`,
    ),
    sql`, `,
  );
  return sql`, turn_attachments as (
    insert into ${messageAttachments} (tenant_id, conversation_id, message_id, position, file_id, filename, content_type, size_bytes, created_at)
    select ${m.tenantId}::uuid, ${m.conversationId}::uuid, t.id, a.position, a.file_id, a.filename, a.content_type, a.size_bytes, ${at(m.now)}
    from turn_message t cross join (values ${rows}) a(position, file_id, filename, content_type, size_bytes))`;
}

/**
 * A new conversation (titled from the message) with its first message: the branch's root and end.
 * `allows`: a precondition (a GuardPart's) — when false, nothing is written.
 */
export function newConversationTurn(
  m: UserMessageValues,
  conversation: { userId: string; agent: string; title: string; preview: string },
  allows: SQL = sql`true`,
): StatementPart {
  return {
    ctes: sql`turn_conversation as (
      insert into ${conversations} (id, tenant_id, user_id, agent, title, message_count, last_message_preview, current_leaf_id, created_at, updated_at)
      select ${m.conversationId}::uuid, ${m.tenantId}::uuid, ${conversation.userId}::uuid, ${conversation.agent}, ${conversation.title},
        1, ${conversation.preview}, ${m.id}::uuid, ${at(m.now)}, ${at(m.now)}
      where ${allows}
      returning id, current_leaf_id),
    turn_message as (
      insert into ${messages} (id, tenant_id, conversation_id, parent_id, role, content, created_at)
      select ${m.id}::uuid, ${m.tenantId}::uuid, ${m.conversationId}::uuid, null, 'user', ${m.content}, ${at(m.now)}
      where ${allows}
      returning id, parent_id, conversation_id)${attachmentsCte(m)}`,
    returns: sql`json_build_object('found', true, 'stored', exists (select 1 from turn_message), 'parent_id', null)`,
  };
}

/**
 * The next message of the owner's conversation: the conversation row is locked (`for update`, so
 * concurrent turns extend the branch one after the other, each reading the end the other left),
 * the message continues the current branch — or, with `editOf`, is a new version of that user
 * message (its sibling) — and becomes the branch's end. Returns whether the conversation was found,
 * the edited message's role (null: not in the conversation) and whether the message was stored.
 * `allows`: a precondition (a GuardPart's) — when false, the conversation is not read and nothing is written.
 */
export function nextTurn(
  m: UserMessageValues,
  owner: { userId: string; preview: string; editOf?: string },
  allows: SQL = sql`true`,
): StatementPart {
  const edited = owner.editOf
    ? sql`, turn_edited as (
        select parent_id, role from ${messages}
        where tenant_id = ${m.tenantId}::uuid and conversation_id = ${m.conversationId}::uuid and id = ${owner.editOf}::uuid)`
    : sql``;
  const parent = owner.editOf
    ? sql`select c.id, e.parent_id from turn_conversation c join turn_edited e on e.role = 'user'`
    : sql`select c.id, c.current_leaf_id as parent_id from turn_conversation c`;
  return {
    ctes: sql`turn_conversation as (
      select id, current_leaf_id from ${conversations}
      where tenant_id = ${m.tenantId}::uuid and user_id = ${owner.userId}::uuid and id = ${m.conversationId}::uuid
        and ${allows}
      for update)${edited},
    turn_message as (
      insert into ${messages} (id, tenant_id, conversation_id, parent_id, role, content, created_at)
      select ${m.id}::uuid, ${m.tenantId}::uuid, p.id, p.parent_id, 'user', ${m.content}, ${at(m.now)} from (${parent}) p
      returning id, parent_id, conversation_id),
    turn_touch as (
      update ${conversations} set message_count = message_count + 1, last_message_preview = ${owner.preview},
        updated_at = ${at(m.now)}, current_leaf_id = ${m.id}::uuid
      where tenant_id = ${m.tenantId}::uuid and id in (select conversation_id from turn_message))${attachmentsCte(m)}`,
    returns: sql`json_build_object(
      'found', exists (select 1 from turn_conversation),
      'stored', exists (select 1 from turn_message),
      'parent_id', (select parent_id from turn_message)
      ${owner.editOf ? sql`, 'edited_role', (select role from turn_edited)` : sql``})`,
  };
}

/** How a turn statement went (what `newConversationTurn` and `nextTurn` return). */
export interface TurnStatementResult {
  found: boolean;
  stored: boolean;
  parent_id: string | null;
  edited_role?: string | null;
}

/** A model memory item and the message it belongs to. */
export interface ItemValues {
  messageId: string;
  schemaVersion: number;
  item: unknown;
}

/**
 * A run's model memory items, in order (positions follow it). Those of the turn's user message
 * are left out when that message has items already (a regenerated answer reuses its question's).
 */
export function itemsPart(
  scope: { tenantId: string; conversationId: string; runId: string | null; userMessageId: string },
  items: ItemValues[],
  allows: SQL = sql`true`,
): StatementPart | undefined {
  if (!items.length) return undefined;
  const rows = sql.join(
    items.map(
      (r, ord) => sql`(${ord}::int, ${r.messageId}::uuid, ${r.schemaVersion}::int, ${JSON.stringify(r.item)}::jsonb)`,
    ),
    sql`, `,
  );
  return {
    ctes: sql`turn_items as (
      insert into ${conversationItems} (tenant_id, conversation_id, run_id, message_id, schema_version, item)
      select ${scope.tenantId}::uuid, ${scope.conversationId}::uuid, ${uuidOrNull(scope.runId)}, v.message_id, v.schema_version, v.item
      from (values ${rows}) v(ord, message_id, schema_version, item)
      where (v.message_id <> ${scope.userMessageId}::uuid or not exists (
        select 1 from ${conversationItems} x where x.tenant_id = ${scope.tenantId}::uuid and x.message_id = ${scope.userMessageId}::uuid))
        and ${allows}
      order by v.ord)`,
  };
}

/** What a finished run adds to its conversation, besides its memory items. */
export interface AnswerValues {
  id: string;
  tenantId: string;
  conversationId: string;
  runId: string;
  parentId: string;
  content: string;
  agent: string;
  preview: string;
  inputTokens: number;
  outputTokens: number;
  now: Date;
  toolCalls: { callId: string; name: string; arguments: string; output: string | null }[];
  handoffs: { from: string; to: string }[];
  /** An automatic title (a new conversation's first run): set unless the owner renamed it. */
  title?: string;
}

/**
 * The answer message, its tool calls and handoffs (each one batched insert) and the conversation's
 * counters: the answer ends the current branch (also when the person looked at another one meanwhile).
 * With `title`, the automatic title too (returns whether it was set). `allows`: a precondition (a
 * GuardPart's, the run still holding its lease) — when false, nothing is written.
 */
export function answerPart(a: AnswerValues, allows: SQL = sql`true`): StatementPart {
  const retitle =
    a.title === undefined
      ? sql``
      : sql`, title = case when ${conversations.titleSource} = 'auto' then ${a.title} else ${conversations.title} end`;
  const link = sql`${a.tenantId}::uuid, ${a.conversationId}::uuid, ${a.id}::uuid, ${a.runId}::uuid`;
  const calls = a.toolCalls.length
    ? sql`, turn_tool_calls as (
        insert into ${toolCalls} (tenant_id, conversation_id, message_id, run_id, call_id, name, arguments, output)
        select * from (values ${sql.join(
          a.toolCalls.map((c) => sql`(${link}, ${c.callId}, ${c.name}, ${c.arguments}, ${c.output})`),
          sql`, `,
        )}) v where ${allows})`
    : sql``;
  const handed = a.handoffs.length
    ? sql`, turn_handoffs as (
        insert into ${handoffs} (tenant_id, conversation_id, message_id, run_id, from_agent, to_agent)
        select * from (values ${sql.join(
          a.handoffs.map((h) => sql`(${link}, ${h.from}, ${h.to})`),
          sql`, `,
        )}) v where ${allows})`
    : sql``;
  return {
    ctes: sql`turn_answer as (
      insert into ${messages} (id, tenant_id, conversation_id, parent_id, run_id, role, content, agent, input_tokens, output_tokens, created_at)
      select ${a.id}::uuid, ${a.tenantId}::uuid, ${a.conversationId}::uuid, ${a.parentId}::uuid, ${a.runId}::uuid, 'assistant',
        ${a.content}, ${a.agent}, ${a.inputTokens}::int, ${a.outputTokens}::int, ${at(a.now)}
      where ${allows}),
    turn_answer_touch as (
      update ${conversations} set current_leaf_id = ${a.id}::uuid, message_count = message_count + 1,
        input_tokens = input_tokens + ${a.inputTokens}, output_tokens = output_tokens + ${a.outputTokens},
        last_message_preview = ${a.preview}, updated_at = ${at(a.now)}, agent = ${a.agent}${retitle}
      where tenant_id = ${a.tenantId}::uuid and id = ${a.conversationId}::uuid and ${allows}
      returning title_source)${calls}${handed}`,
    // Whether the automatic title was set (false: the owner's title stays).
    ...(a.title === undefined ? {} : { returns: sql`(select title_source = 'auto' from turn_answer_touch)` }),
  };
}
