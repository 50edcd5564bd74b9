import { sql } from 'drizzle-orm';
import type { Logger } from 'pino';
import type { Database, DbOrTx } from '../../platform/db/client.js';
import { currentAuditRequest, type AuditEvent, type AuditLog } from '../../platform/audit.js';
import type { AuditRepo } from './audit.repo.js';
import { maskIp, scrubMetadata, truncateUserAgent } from './audit-scrub.js';

/**
 * The stored audit log: each event is a row of `audit_events`, written in the transaction of the
 * change it describes when the caller passes one (it commits or rolls back with it). The request's
 * IP (masked), user agent (truncated) and request id come from the request being served; metadata
 * is scrubbed of anything that names or looks like a secret before it is stored.
 */
export class StoredAuditLog implements AuditLog {
  constructor(private readonly deps: { database: Database; repo: AuditRepo; logger: Logger; now?: () => Date }) {}

  async record(db: DbOrTx | null, event: AuditEvent): Promise<void> {
    const request = currentAuditRequest();
    const target = db ?? this.deps.database.db;
    const row = {
      tenantId: event.tenantId,
      action: event.action,
      actorType: event.actor.type,
      actorId: event.actor.id,
      actorEmail: event.actor.email ?? (await this.emailOf(target, event)),
      targetType: event.target?.type ?? null,
      targetId: event.target?.id ?? null,
      ipMasked: maskIp(request.ip),
      userAgent: truncateUserAgent(request.userAgent),
      requestId: request.requestId,
      metadata: scrubMetadata(event.metadata),
      ...(this.deps.now ? { createdAt: this.deps.now() } : {}),
    };
    if (db) {
      // In the caller's transaction: a failure rolls the change back with it.
      await this.deps.repo.insert(db, row);
      return;
    }
    try {
      await this.deps.repo.insert(this.deps.database.db, row);
    } catch (err) {
      // On its own (a failed login, a logout): the action already happened; log the loss loudly.
      this.deps.logger.error({ err, event: 'audit.record_failed', action: event.action }, 'audit event not stored');
    }
  }

  /** The actor's e-mail as it is now, kept with the event (the log outlives later changes). */
  private async emailOf(db: DbOrTx, event: AuditEvent): Promise<string | null> {
    if (event.actor.email !== undefined || !event.actor.id || event.actor.type === 'service') return null;
    try {
      const result = await db.execute(sql`select email from users where id = ${event.actor.id}`);
      return ((result.rows[0] as { email?: string } | undefined)?.email ?? null) || null;
    } catch {
      return null;
    }
  }
}
