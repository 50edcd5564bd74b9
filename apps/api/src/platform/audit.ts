import { AsyncLocalStorage } from 'node:async_hooks';
import type { AuditAction } from '@agentry/contracts';
import type { Caller } from './caller.js';
import type { DbOrTx } from './db/client.js';

/**
 * The audit log's one interface (API.md "Tenant operations and audit"). Every module records what
 * people did through `ctx.audit.record(...)`; the audit module provides the stored, append-only
 * implementation. Metadata never holds secrets, tokens or passwords.
 */
export type { AuditAction };

export interface AuditActor {
  type: 'user' | 'service' | 'operator' | 'system';
  id: string | null;
  email?: string | null;
}

export interface AuditEvent {
  tenantId: string;
  action: AuditAction;
  actor: AuditActor;
  target?: { type: string; id: string | null };
  metadata?: Record<string, unknown>;
}

export interface AuditLog {
  /**
   * Records `event`. Pass the transaction of the change it describes when there is one, so the event
   * commits or rolls back with it; `null` records it on its own. The request's IP, user agent and
   * request id are taken from the request being served, not from the caller.
   */
  record(db: DbOrTx | null, event: AuditEvent): Promise<void>;
}

/** The actor of a caller's action. */
export function actorOf(caller: Caller): AuditActor {
  return caller.userId ? { type: 'user', id: caller.userId } : { type: 'service', id: caller.serviceAccountId };
}

/** What an audit event takes from the request being served (never from the caller's input). */
export interface AuditRequestInfo {
  ip: string | null;
  userAgent: string | null;
  requestId: string | null;
}

/**
 * The request being served, for `record()`: the composition root enters it in a `preHandler` hook
 * (after the body is parsed, so the handler and everything it awaits run inside it).
 */
export const auditRequestScope = new AsyncLocalStorage<AuditRequestInfo>();

/** The request info of the current async context; nulls outside a request (CLI, jobs). */
export function currentAuditRequest(): AuditRequestInfo {
  return auditRequestScope.getStore() ?? { ip: null, userAgent: null, requestId: null };
}
