import { jsonb, pgTable, timestamp, uuid } from 'drizzle-orm/pg-core';

/**
 * A tenant's guardrail rules (API.md "Guardrails"), stored whole as the validated list. No row means
 * the defaults of a new tenant (DEFAULT_RULES); a stored empty list means the tenant turned them off.
 */
export const tenantGuardrails = pgTable('tenant_guardrails', {
  tenantId: uuid('tenant_id').primaryKey(),
  rules: jsonb('rules').notNull(),
  updatedBy: uuid('updated_by'),
  updatedAt: timestamp('updated_at', { withTimezone: true, precision: 3 }).notNull().defaultNow(),
});
