import type { Database } from '../../../platform/db/client.js';
import type { SessionRevocations } from './revocation.js';
import type { SessionsRepo } from './sessions.repo.js';

/**
 * Ends sessions everywhere at once: in the database (their refresh tokens stop rotating) and on the
 * revoked-session list every replica checks (their access tokens stop on the next request). Each
 * call is its own unit of work: the list is published only after the database has committed.
 */
export class SessionRevoker {
  constructor(private readonly deps: { database: Database; sessions: SessionsRepo; revocations: SessionRevocations }) {}

  async revoke(sessionIds: string[], reason: string): Promise<void> {
    if (sessionIds.length === 0) return;
    await this.deps.database.db.transaction((tx) => this.deps.sessions.revoke(tx, sessionIds, reason));
    // Publish even for sessions already revoked in the database: a replay is harmless, a miss is not.
    await this.deps.revocations.revoke(sessionIds);
  }

  /** Every live session of the user, in all tenants, except `keep` (the caller's own, on a password change). */
  async revokeUserSessions(userId: string, reason: string, options: { keep?: string } = {}): Promise<void> {
    const ids = await this.deps.sessions.liveIdsOfUser(this.deps.database.db, userId);
    await this.revoke(
      ids.filter((id) => id !== options.keep),
      reason,
    );
  }

  async revokeMemberSessions(tenantId: string, userId: string, reason: string): Promise<void> {
    await this.revoke(await this.deps.sessions.liveIdsOfUser(this.deps.database.db, userId, tenantId), reason);
  }

  /** Every live session of the tenant (a suspension). */
  async revokeTenantSessions(tenantId: string, reason: string): Promise<void> {
    await this.revoke(await this.deps.sessions.liveIdsOfTenant(this.deps.database.db, tenantId), reason);
  }

  async revokeServiceAccountSessions(tenantId: string, serviceAccountId: string, reason: string): Promise<void> {
    await this.revoke(
      await this.deps.sessions.liveIdsOfServiceAccount(this.deps.database.db, tenantId, serviceAccountId),
      reason,
    );
  }
}
