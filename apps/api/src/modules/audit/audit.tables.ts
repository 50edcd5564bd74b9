import { index, jsonb, pgTable, text, timestamp, uuid } from 'drizzle-orm/pg-core';

/**
 * The audit log (API.md "Tenant operations and audit"): one row per recorded action, append-only.
 * A trigger (migration) refuses UPDATE, TRUNCATE, and DELETE unless the transaction set
 * `agentry.audit_purge` to `on` (the retention purge, audit-retention.ts). No foreign key to the
 * tenant: the log outlives nothing, and a cascade would be a DELETE the trigger refuses.
 * Timestamps are kept to the millisecond so the `(created_at, id)` cursor round-trips exactly.
 */
export const auditEvents = pgTable(
  'audit_events',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    tenantId: uuid('tenant_id').notNull(),
    action: text('action').notNull(),
    actorType: text('actor_type').notNull(),
    actorId: uuid('actor_id'),
    actorEmail: text('actor_email'),
    targetType: text('target_type'),
    targetId: text('target_id'),
    ipMasked: text('ip_masked'),
    userAgent: text('user_agent'),
    requestId: text('request_id'),
    metadata: jsonb('metadata').$type<Record<string, unknown>>().notNull().default({}),
    createdAt: timestamp('created_at', { withTimezone: true, precision: 3 }).notNull().defaultNow(),
  },
  (t) => [
    index('audit_events_tenant_created_idx').on(t.tenantId, t.createdAt, t.id),
    index('audit_events_tenant_action_created_idx').on(t.tenantId, t.action, t.createdAt),
    index('audit_events_created_idx').on(t.createdAt),
  ],
);
