/**
 * Every drizzle table, gathered for the query builder. Each module keeps its tables in its own
 * `<module>.tables.ts`; drizzle-kit reads the same files (drizzle.config.ts).
 */
export * from '../../modules/auth/sessions/sessions.tables.js';
export * from '../../modules/auth/accounts/accounts.tables.js';
export * from '../../modules/tenants/tenants.tables.js';
export * from '../../modules/mail/mail.tables.js';
export * from '../../modules/billing/billing.tables.js';
export * from '../../modules/conversations/conversations.tables.js';
export * from '../../modules/chat/chat.tables.js';
