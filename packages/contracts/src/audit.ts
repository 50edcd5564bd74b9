import { z } from 'zod';
import { Timestamp, Uuid } from './common.js';

/** The actions the audit log records (API.md "Tenant operations and audit"). */
export const AUDIT_ACTIONS = [
  'auth.login',
  'auth.login_failed',
  'auth.logout',
  'auth.password_changed',
  'auth.password_reset',
  'auth.mfa_enabled',
  'auth.mfa_disabled',
  'auth.recovery_code_used',
  'auth.recovery_codes_regenerated',
  'auth.email_changed',
  'auth.email_change_requested',
  'auth.account_deleted',
  'member.invited',
  'member.joined',
  'member.role_changed',
  'member.removed',
  'service_account.created',
  'service_account.deleted',
  'subscription.changed',
  'sso.configured',
  'file.uploaded',
  'file.deleted',
  'mcp_server.created',
  'mcp_server.updated',
  'mcp_server.deleted',
  'approval.decided',
  'guardrails.updated',
  'tenant.suspended',
  'tenant.reactivated',
] as const;
export const AuditAction = z.enum(AUDIT_ACTIONS);
export type AuditAction = z.infer<typeof AuditAction>;

export const AuditActorType = z.enum(['user', 'service', 'operator', 'system']);

export const AuditEvent = z.object({
  id: Uuid,
  action: z.string(),
  actor: z.object({ type: AuditActorType, id: Uuid.nullable(), email: z.string().nullable() }),
  target: z.object({ type: z.string(), id: z.string().nullable() }).nullable(),
  /** IPv4 with its last octet zeroed, IPv6 cut to its /48. */
  ip_masked: z.string().nullable(),
  user_agent: z.string().nullable(),
  request_id: z.string().nullable(),
  metadata: z.record(z.string(), z.unknown()),
  created_at: Timestamp,
});
export type AuditEvent = z.infer<typeof AuditEvent>;

export const AuditEventPage = z.object({ items: z.array(AuditEvent), next_cursor: z.string().nullable() });
export type AuditEventPage = z.infer<typeof AuditEventPage>;

export const AuditEventQuery = z.object({
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: z.string().max(200).optional(),
  action: AuditAction.optional(),
  actor_id: Uuid.optional(),
  since: Timestamp.optional(),
});
export type AuditEventQuery = z.infer<typeof AuditEventQuery>;

export const AuditExportQuery = z.object({
  format: z.enum(['ndjson', 'csv']).default('ndjson'),
  since: Timestamp.optional(),
  action: AuditAction.optional(),
});
export type AuditExportQuery = z.infer<typeof AuditExportQuery>;
