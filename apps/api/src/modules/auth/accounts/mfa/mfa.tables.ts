import { bigint, index, pgTable, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { users } from '../accounts.tables.js';

/**
 * A user's TOTP factor: at most one row per user. `secret_sealed` is the base32 secret sealed with
 * `ctx.secrets` (context `mfa.totp:<user id>`); the row exists from enrolment, MFA is on once
 * `enabled_at` is set. `last_used_step` is the last accepted time step: a code of that step or an
 * earlier one is refused (replay).
 */
export const userMfa = pgTable('user_mfa', {
  userId: uuid('user_id')
    .primaryKey()
    .references(() => users.id, { onDelete: 'cascade' }),
  secretSealed: text('secret_sealed').notNull(),
  enabledAt: timestamp('enabled_at', { withTimezone: true }),
  lastUsedStep: bigint('last_used_step', { mode: 'number' }),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
});

/** Single-use recovery codes, stored only as a keyed hash; a new set replaces the old one. */
export const mfaRecoveryCodes = pgTable(
  'mfa_recovery_codes',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    codeHash: text('code_hash').notNull(),
    usedAt: timestamp('used_at', { withTimezone: true }),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    index('mfa_recovery_codes_user_idx').on(t.userId),
    uniqueIndex('mfa_recovery_codes_user_hash_idx').on(t.userId, t.codeHash),
  ],
);

export type UserMfaRow = typeof userMfa.$inferSelect;
