import { sql } from 'drizzle-orm';
import { boolean, index, pgTable, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core';

/** An account. The e-mail is unique case-insensitively; `password_hash` is a peppered bcrypt hash. */
export const users = pgTable(
  'users',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    email: text('email').notNull(),
    passwordHash: text('password_hash').notNull(),
    /** `active` | `locked` (by an operator) | `disabled`. */
    status: text('status').notNull().default('active'),
    /** A platform operator (`agentry users grant-operator`): `platform:operator` in every access token. */
    isOperator: boolean('is_operator').notNull().default(false),
    emailVerifiedAt: timestamp('email_verified_at', { withTimezone: true }),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [uniqueIndex('users_email_lower_idx').on(sql`lower(${t.email})`)],
);

/**
 * What a user shows of themselves, apart from the credentials in `users`: exactly one row per
 * user, created in the same transaction as the user.
 */
export const profiles = pgTable('profiles', {
  userId: uuid('user_id')
    .primaryKey()
    .references(() => users.id, { onDelete: 'cascade' }),
  displayName: text('display_name'),
  avatarUrl: text('avatar_url'),
  /** BCP 47 language tag. */
  locale: text('locale'),
  /** IANA time zone. */
  timezone: text('timezone'),
  updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
});

/** A non-human caller of one tenant with a fixed set of scopes. */
export const serviceAccounts = pgTable(
  'service_accounts',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    tenantId: uuid('tenant_id').notNull(),
    name: text('name').notNull(),
    scopes: text('scopes').array().notNull(),
    /** The user who created it, or null when an operator issued it. */
    createdBy: uuid('created_by'),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    lastUsedAt: timestamp('last_used_at', { withTimezone: true }),
    revokedAt: timestamp('revoked_at', { withTimezone: true }),
  },
  (t) => [index('service_accounts_tenant_idx').on(t.tenantId)],
);

/** Every login attempt, for audit: hashed e-mail and IP, never the raw values. */
export const loginEvents = pgTable(
  'login_events',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    userId: uuid('user_id'),
    emailHash: text('email_hash').notNull(),
    ipHash: text('ip_hash'),
    userAgent: text('user_agent'),
    /** `success` | `failure`. */
    result: text('result').notNull(),
    reason: text('reason'),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index('login_events_user_idx').on(t.userId, t.createdAt)],
);

/** Single-use expiring tokens for e-mail verification, password reset and e-mail change (hashed). */
export const oneTimeTokens = pgTable(
  'one_time_tokens',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    /** `verify_email` | `password_reset` | `email_change`. */
    purpose: text('purpose').notNull(),
    tokenHash: text('token_hash').notNull(),
    /** `email_change`: the address the token moves the account to (null for the other purposes). */
    newEmail: text('new_email'),
    /** `email_change`: the session that asked; it stays open when the change is confirmed. */
    sessionId: uuid('session_id'),
    expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
    usedAt: timestamp('used_at', { withTimezone: true }),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [uniqueIndex('one_time_tokens_hash_idx').on(t.tokenHash)],
);

export type UserRow = typeof users.$inferSelect;
export type ProfileRow = typeof profiles.$inferSelect;
export type ServiceAccountRow = typeof serviceAccounts.$inferSelect;
