import { boolean, index, jsonb, pgTable, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { tenants } from '../../tenants/tenants.tables.js';
import { users } from '../accounts/accounts.tables.js';

/**
 * A tenant's OpenID Connect provider: at most one per tenant. `client_secret_sealed` is sealed with
 * `ctx.secrets` under the context `sso.client_secret:<tenant id>` and never leaves the API.
 */
export const ssoConfigs = pgTable('sso_configs', {
  tenantId: uuid('tenant_id')
    .primaryKey()
    .references(() => tenants.id, { onDelete: 'cascade' }),
  issuer: text('issuer').notNull(),
  clientId: text('client_id').notNull(),
  clientSecretSealed: text('client_secret_sealed').notNull(),
  allowedDomains: jsonb('allowed_domains').$type<string[]>().notNull().default([]),
  autoProvision: text('auto_provision').notNull().default('invited'),
  defaultRole: text('default_role').notNull().default('member'),
  enforce: boolean('enforce').notNull().default(false),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
});

/** An identity at an issuer (its `sub`) linked to one user; one user may have several. */
export const ssoIdentities = pgTable(
  'sso_identities',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    issuer: text('issuer').notNull(),
    subject: text('subject').notNull(),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    lastLoginAt: timestamp('last_login_at', { withTimezone: true }),
  },
  (t) => [
    uniqueIndex('sso_identities_issuer_subject_idx').on(t.issuer, t.subject),
    index('sso_identities_user_idx').on(t.userId),
  ],
);

export type SsoConfigRow = typeof ssoConfigs.$inferSelect;
