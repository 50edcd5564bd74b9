import { sql } from 'drizzle-orm';
import { index, integer, pgTable, text, timestamp, uuid } from 'drizzle-orm/pg-core';

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
    /** `running` | `completed` | `failed`. */
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
