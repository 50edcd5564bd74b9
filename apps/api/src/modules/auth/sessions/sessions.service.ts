import type { SessionItem } from '@agentry/contracts';
import type { Caller } from '../../../platform/caller.js';
import { actorOf, type AuditLog } from '../../../platform/audit.js';
import type { Database } from '../../../platform/db/client.js';
import { AppError } from '../../../platform/errors.js';
import type { SessionRevoker } from './session-revoker.js';
import type { SessionsRepo } from './sessions.repo.js';

/** The caller's own sessions: list them, end one, end this one, end them all. */
export class SessionsService {
  constructor(
    private readonly deps: { database: Database; sessions: SessionsRepo; revoker: SessionRevoker; audit: AuditLog },
  ) {}

  async logout(caller: Caller): Promise<void> {
    await this.deps.revoker.revoke([caller.sessionId], 'logout');
    await this.auditLogout(caller, false);
  }

  async logoutAll(caller: Caller): Promise<void> {
    if (!caller.userId) return this.logout(caller);
    await this.deps.revoker.revokeUserSessions(caller.userId, 'logout_all');
    await this.auditLogout(caller, true);
  }

  private async auditLogout(caller: Caller, all: boolean) {
    await this.deps.audit.record(null, {
      tenantId: caller.tenantId,
      action: 'auth.logout',
      actor: actorOf(caller),
      target: { type: 'session', id: caller.sessionId },
      metadata: { all_sessions: all },
    });
  }

  async list(caller: Caller): Promise<SessionItem[]> {
    if (!caller.userId) return [];
    const rows = await this.deps.sessions.listForUser(this.deps.database.db, caller.tenantId, caller.userId);
    return rows.map((s) => ({
      id: s.id,
      created_at: s.createdAt.toISOString(),
      last_used_at: s.lastUsedAt?.toISOString() ?? null,
      user_agent: s.userAgent,
      ip_masked: s.ipMasked,
      current: s.id === caller.sessionId,
    }));
  }

  async revoke(caller: Caller, sessionId: string): Promise<void> {
    const session = await this.deps.sessions.get(this.deps.database.db, sessionId);
    // Another user's (or tenant's) session is simply not found.
    if (
      !session ||
      !caller.userId ||
      session.userId !== caller.userId ||
      session.tenantId !== caller.tenantId ||
      session.revokedAt
    ) {
      throw new AppError('not_found', 'No such session.');
    }
    await this.deps.revoker.revoke([sessionId], 'revoked_by_user');
  }
}
