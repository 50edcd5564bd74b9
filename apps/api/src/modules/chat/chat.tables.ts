import { sql } from 'drizzle-orm';
import { index, integer, jsonb, pgTable, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core';

/**
 * One chat run: who started it, where, and how it ended. The events themselves live in the run
 * event log (ports.streams); this row lets any replica authorize `/runs/{id}/events` and cancel.
 */
export const chatRuns = pgTable(
  'chat_runs',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    tenantId: uuid('tenant_id').notNull(),
    /** The caller's principal id (user or service account). */
    userId: uuid('user_id').notNull(),
    conversationId: uuid('conversation_id').notNull(),
    agent: text('agent').notNull(),
    /** `running` | `paused` (waiting for approvals) | `completed` | `failed`. */
    status: text('status').notNull().default('running'),
    errorCode: text('error_code'),
    inputTokens: integer('input_tokens').notNull().default(0),
    outputTokens: integer('output_tokens').notNull().default(0),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    finishedAt: timestamp('finished_at', { withTimezone: true }),
    /** Refreshed by the replica running the run; a `running` run whose heartbeat is stale was lost (the reaper ends it). */
    heartbeatAt: timestamp('heartbeat_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    index('chat_runs_tenant_user_idx').on(t.tenantId, t.userId, t.createdAt),
    index('chat_runs_running_heartbeat_idx').on(t.heartbeatAt).where(sql`status = 'running'`),
  ],
);

/**
 * A run paused for approval: the SDK run state (serialized), what the run had produced so far, and
 * where its event log goes on. The run holds no memory anywhere while paused; any replica resumes it.
 * `status`: `pausing` (its events are still being written) → `waiting` → `resuming` (claimed by one
 * resume, conditionally) → `done`; or `expired` / `cancelled`.
 */
export const chatRunPauses = pgTable(
  'chat_run_pauses',
  {
    runId: uuid('run_id').primaryKey(),
    tenantId: uuid('tenant_id').notNull(),
    userId: uuid('user_id').notNull(),
    conversationId: uuid('conversation_id').notNull(),
    /** The user message the run answers and its parent: the branch a resume writes to and reads. */
    userMessageId: uuid('user_message_id').notNull(),
    historyTipId: uuid('history_tip_id'),
    /** The agent the run started with (RunState.fromString needs it). */
    agent: text('agent').notNull(),
    status: text('status').notNull().default('pausing'),
    /** RunState.toString(). */
    state: text('state').notNull(),
    /** The caller the run runs as (no secrets: ids, role, scopes). */
    caller: jsonb('caller').notNull(),
    /** The SDK session items staged so far (written with the run's result, at its end). */
    stagedItems: jsonb('staged_items').notNull(),
    /** Text, tool calls, handoffs and agent so far. */
    transcript: jsonb('transcript').notNull(),
    /** The id the next event of the run's log takes. */
    nextEventId: integer('next_event_id').notNull(),
    expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index('chat_run_pauses_waiting_idx').on(t.expiresAt).where(sql`status in ('pausing', 'waiting')`)],
);

/** One tool call waiting for (or given) a person's decision. */
export const chatRunApprovals = pgTable(
  'chat_run_approvals',
  {
    id: uuid('id').primaryKey(),
    tenantId: uuid('tenant_id').notNull(),
    userId: uuid('user_id').notNull(),
    conversationId: uuid('conversation_id').notNull(),
    runId: uuid('run_id').notNull(),
    callId: text('call_id').notNull(),
    name: text('name').notNull(),
    arguments: text('arguments').notNull(),
    /** `pending` | `approved` | `rejected` | `expired`. */
    status: text('status').notNull().default('pending'),
    /** The optional message given with the decision (a rejection's text reaches the model). */
    message: text('message'),
    requestedAt: timestamp('requested_at', { withTimezone: true }).notNull().defaultNow(),
    decidedAt: timestamp('decided_at', { withTimezone: true }),
  },
  (t) => [
    uniqueIndex('chat_run_approvals_run_call_idx').on(t.runId, t.callId),
    index('chat_run_approvals_owner_idx').on(t.tenantId, t.userId, t.status, t.requestedAt),
  ],
);
