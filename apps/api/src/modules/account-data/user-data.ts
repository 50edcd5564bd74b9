import { type SQL, sql } from 'drizzle-orm';

/** Whose data: the account, its address, and the lockout key its login events are filed under. */
export interface DataSubject {
  userId: string;
  email: string;
  /** `LoginLockout.accountKey(email)`: failed logins with an unknown user are kept under it. */
  accountKey: string;
}

/** Why a table is left out of the export or the deletion (said once, checked by the coverage test). */
export interface Skip {
  skip: string;
}

export interface UserDataTable {
  /** A SELECT of the user's rows (only the columns worth giving: no hashes, secrets or tokens), or why none. */
  export: ((s: DataSubject) => SQL) | Skip;
  /** The statements that delete (or anonymise) the user's rows when the account is deleted, or why none. */
  erase: ((s: DataSubject) => SQL[]) | Skip;
}

const cascadeFromUsers: Skip = { skip: 'cascades from users (foreign key ON DELETE CASCADE)' };
const ofConversations = (table: string): UserDataTable => ({
  export: (s) =>
    sql`select * from ${sql.identifier(table)} where conversation_id in (select id from conversations where user_id = ${s.userId}) order by created_at`,
  erase: { skip: "cascades from the user's conversations (foreign key ON DELETE CASCADE)" },
});
const tenantLevel = (what: string): UserDataTable => ({
  export: { skip: `${what}: the tenant's, about no single person` },
  erase: { skip: `${what}: the tenant's; deleted with the tenant (tenant deletion job) when it goes` },
});

/**
 * Every table of the schema (every `*.tables.ts`), and what the account export and the account
 * deletion do with it (API.md "Account security"). The tables are read by name, like the tenant
 * deletion does: this is the one place that knows where a person's data lives. A table without an
 * entry fails `account-data.coverage.test.ts`, so a new table must say how it is exported and
 * deleted, or why not.
 */
export const USER_DATA_TABLES: Record<string, UserDataTable> = {
  users: {
    export: (s) =>
      sql`select id, email, status, is_operator, email_verified_at, created_at, updated_at from users where id = ${s.userId}`,
    erase: (s) => [sql`delete from users where id = ${s.userId}`],
  },
  profiles: {
    export: (s) => sql`select * from profiles where user_id = ${s.userId}`,
    erase: cascadeFromUsers,
  },
  one_time_tokens: {
    export: (s) =>
      sql`select id, purpose, new_email, expires_at, used_at, created_at from one_time_tokens where user_id = ${s.userId} order by created_at`,
    erase: cascadeFromUsers,
  },
  user_mfa: {
    export: (s) => sql`select enabled_at, created_at, updated_at from user_mfa where user_id = ${s.userId}`,
    erase: cascadeFromUsers,
  },
  mfa_recovery_codes: {
    export: (s) =>
      sql`select id, used_at, created_at from mfa_recovery_codes where user_id = ${s.userId} order by created_at`,
    erase: cascadeFromUsers,
  },
  login_events: {
    export: (s) =>
      sql`select id, user_agent, result, reason, created_at from login_events where user_id = ${s.userId} or email_hash = ${s.accountKey} order by created_at`,
    erase: (s) => [sql`delete from login_events where user_id = ${s.userId} or email_hash = ${s.accountKey}`],
  },
  sessions: {
    export: (s) =>
      sql`select id, tenant_id, user_agent, ip_masked, created_at, last_used_at, expires_at, revoked_at, revoked_reason from sessions where user_id = ${s.userId} order by created_at`,
    erase: (s) => [sql`delete from sessions where user_id = ${s.userId}`],
  },
  refresh_tokens: {
    export: { skip: 'only keyed hashes of refresh tokens; the sessions they belong to are exported' },
    erase: { skip: 'cascades from sessions (foreign key ON DELETE CASCADE)' },
  },
  service_accounts: {
    export: (s) =>
      sql`select id, tenant_id, name, scopes, created_at, last_used_at, revoked_at from service_accounts where created_by = ${s.userId} order by created_at`,
    // The tenant's integrations keep working; only the link to the person goes.
    erase: (s) => [sql`update service_accounts set created_by = null where created_by = ${s.userId}`],
  },
  memberships: {
    export: (s) =>
      sql`select m.tenant_id, t.name as tenant_name, t.slug as tenant_slug, m.role, m.created_at from memberships m join tenants t on t.id = m.tenant_id where m.user_id = ${s.userId} order by m.created_at`,
    erase: (s) => [sql`delete from memberships where user_id = ${s.userId}`],
  },
  invitations: {
    export: (s) =>
      sql`select id, tenant_id, email, role, invited_by, expires_at, accepted_at, created_at from invitations where invited_by = ${s.userId} or lower(email) = lower(${s.email}) order by created_at`,
    // Invitations to the person's address are theirs (the tenant can invite again); the ones they
    // sent are the tenant's and only lose the link to them.
    erase: (s) => [
      sql`delete from invitations where lower(email) = lower(${s.email})`,
      sql`update invitations set invited_by = null where invited_by = ${s.userId}`,
    ],
  },
  conversations: {
    export: (s) => sql`select * from conversations where user_id = ${s.userId} order by created_at`,
    erase: (s) => [sql`delete from conversations where user_id = ${s.userId}`],
  },
  messages: ofConversations('messages'),
  conversation_items: ofConversations('conversation_items'),
  tool_calls: ofConversations('tool_calls'),
  message_attachments: ofConversations('message_attachments'),
  conversation_summaries: ofConversations('conversation_summaries'),
  handoffs: ofConversations('handoffs'),
  message_feedback: {
    export: (s) => sql`select * from message_feedback where user_id = ${s.userId} order by created_at`,
    erase: (s) => [sql`delete from message_feedback where user_id = ${s.userId}`],
  },
  conversation_shares: {
    export: (s) => sql`select * from conversation_shares where user_id = ${s.userId} order by created_at`,
    erase: (s) => [sql`delete from conversation_shares where user_id = ${s.userId}`],
  },
  chat_runs: {
    export: (s) => sql`select * from chat_runs where user_id = ${s.userId} order by created_at`,
    erase: (s) => [sql`delete from chat_runs where user_id = ${s.userId}`],
  },
  chat_run_approvals: {
    export: (s) =>
      sql`select id, run_id, conversation_id, name, arguments, status, message, requested_at, decided_at from chat_run_approvals where user_id = ${s.userId} order by requested_at`,
    erase: (s) => [sql`delete from chat_run_approvals where user_id = ${s.userId}`],
  },
  chat_run_pauses: {
    // A paused run's saved SDK state: what it holds (the conversation so far) is exported with the
    // conversation's messages and items; the state itself is machinery.
    export: (s) =>
      sql`select run_id, conversation_id, agent, status, expires_at, created_at from chat_run_pauses where user_id = ${s.userId} order by created_at`,
    erase: (s) => [sql`delete from chat_run_pauses where user_id = ${s.userId}`],
  },
  mcp_servers: {
    // The tenant's tool servers; the user is only named as the one who added them.
    export: (s) => sql`select id, tenant_id, name, created_at from mcp_servers where created_by = ${s.userId}`,
    erase: (s) => [sql`update mcp_servers set created_by = null where created_by = ${s.userId}`],
  },
  audit_events: {
    export: (s) =>
      sql`select id, tenant_id, action, actor_type, actor_id, target_type, target_id, ip_masked, user_agent, request_id, metadata, created_at from audit_events where actor_id = ${s.userId} or (target_type = 'user' and target_id = ${s.userId}) order by created_at`,
    // The log is append-only (the tenant's record of what happened, purged after AUDIT_RETENTION_DAYS):
    // the events stay, under the account id only; the address is erased from the actor and from
    // `metadata.email` (an invitation's), the only UPDATE the trigger lets through.
    erase: (s) => [
      sql`select set_config('agentry.audit_erase', 'on', true)`,
      sql`update audit_events set
            actor_email = case when actor_id = ${s.userId} or lower(actor_email) = lower(${s.email}) then null else actor_email end,
            metadata = case when lower(metadata->>'email') = lower(${s.email}) then metadata - 'email' else metadata end
          where actor_id = ${s.userId} or lower(actor_email) = lower(${s.email}) or lower(metadata->>'email') = lower(${s.email})`,
      sql`select set_config('agentry.audit_erase', 'off', true)`,
    ],
  },
  mail_outbox: {
    export: (s) =>
      sql`select id, kind, subject, created_at, sent_at from mail_outbox where lower(to_address) = lower(${s.email}) order by created_at`,
    erase: (s) => [sql`delete from mail_outbox where lower(to_address) = lower(${s.email})`],
  },
  tenants: {
    export: { skip: 'the tenants the user belongs to are named in memberships' },
    erase: { skip: 'a tenant whose only member the user was is deleted by the tenant deletion job; others stay' },
  },
  tenant_guardrails: {
    // The rules are the tenant's; the user is only named as their last editor.
    export: (s) => sql`select tenant_id, updated_at from tenant_guardrails where updated_by = ${s.userId}`,
    erase: (s) => [sql`update tenant_guardrails set updated_by = null where updated_by = ${s.userId}`],
  },
  files: {
    // The export lists the files (the bytes are downloadable from /files/{id}/content while the
    // account lives). Deletion removes the user's chat attachments (the orphan-cleanup job then removes
    // their objects); knowledge files are the tenant's and stay, without the link to the uploader.
    export: (s) =>
      sql`select id, tenant_id, filename, content_type, size_bytes, sha256, purpose, status, created_at from files where uploaded_by = ${s.userId} order by created_at`,
    erase: (s) => [
      sql`delete from files where uploaded_by = ${s.userId} and purpose = 'attachment'`,
      sql`update files set uploaded_by = null where uploaded_by = ${s.userId}`,
    ],
  },
  file_chunks: {
    export: { skip: "the extracted text of the files listed under files (the file's own content)" },
    erase: { skip: 'cascades from files (foreign key ON DELETE CASCADE)' },
  },
  sso_configs: tenantLevel('the single sign-on configuration'),
  sso_identities: {
    export: (s) =>
      sql`select issuer, subject, created_at, last_login_at from sso_identities where user_id = ${s.userId} order by created_at`,
    erase: cascadeFromUsers,
  },
  billing_plans: tenantLevel('the plan catalog'),
  billing_customers: tenantLevel('billing customers'),
  billing_subscriptions: tenantLevel('subscriptions'),
  billing_invoices: tenantLevel('invoices'),
  stripe_events: tenantLevel('Stripe webhook events'),
  usage_records: tenantLevel('metered usage'),
  usage_totals: tenantLevel('usage totals'),
};

export function isSkip(x: unknown): x is Skip {
  return typeof x === 'object' && x !== null && 'skip' in x;
}
