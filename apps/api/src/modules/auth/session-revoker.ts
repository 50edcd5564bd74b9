import type { MemberSessionRevoker } from '../tenants/tenants.service.js';
import type { SessionRevocations } from './revocation.js';
import type { SessionsRepo } from './sessions.repo.js';

/**
 * Ends sessions everywhere at once: in the database (their refresh tokens stop rotating) and on the
 * revoked-session list every replica checks (their access tokens stop on the next request).
 */
export class SessionRevoker implements MemberSessionRevoker {
  constructor(
    private readonly sessions: SessionsRepo,
    private readonly revocations: SessionRevocations,
  ) {}

  async revoke(sessionIds: string[], reason: string): Promise<void> {
    if (sessionIds.length === 0) return;
    await this.sessions.revoke(sessionIds, reason);
    // Publish even for sessions already revoked in the database: a replay is harmless, a miss is not.
    await this.revocations.revoke(sessionIds);
  }

  async liveSessionIdsOfUser(userId: string): Promise<string[]> {
    return this.sessions.liveIdsOfUser(userId);
  }

  async revokeUserSessions(userId: string, reason: string): Promise<void> {
    await this.revoke(await this.sessions.liveIdsOfUser(userId), reason);
  }

  async revokeMemberSessions(tenantId: string, userId: string, reason: string): Promise<void> {
    await this.revoke(await this.sessions.liveIdsOfUser(userId, tenantId), reason);
  }

  async revokeServiceAccountSessions(tenantId: string, serviceAccountId: string, reason: string): Promise<void> {
    await this.revoke(await this.sessions.liveIdsOfServiceAccount(tenantId, serviceAccountId), reason);
  }
}
