import { and, desc, eq, inArray, isNull, sql } from 'drizzle-orm';
import type { DbOrTx } from '../../platform/db/client.js';
import { refreshTokens, sessions, type SessionRow } from './auth.tables.js';

export type RotateResult =
  | { outcome: 'rotated'; session: SessionRow }
  | { outcome: 'reused'; sessionId: string }
  | { outcome: 'expired' | 'revoked' | 'unknown' };

/** SQL for sessions (refresh-token families) and their refresh tokens (keyed hashes only). */
export class SessionsRepo {
  constructor(private readonly db: DbOrTx) {}

  with(tx: DbOrTx) {
    return new SessionsRepo(tx);
  }

  async create(input: { tenantId: string; userId: string | null; serviceAccountId: string | null; userAgent: string | null; ipMasked: string | null; expiresAt: Date }): Promise<SessionRow> {
    const [row] = await this.db.insert(sessions).values(input).returning();
    return row;
  }

  async addRefreshToken(sessionId: string, tokenHash: string, expiresAt: Date): Promise<void> {
    await this.db.insert(refreshTokens).values({ sessionId, tokenHash, expiresAt });
    await this.db.update(sessions).set({ expiresAt }).where(eq(sessions.id, sessionId));
  }

  /**
   * Marks the token used in one conditional UPDATE, so of two concurrent refreshes with one token
   * exactly one changes the row (PostgreSQL re-checks `status = 'active'` after the row lock).
   * The loser — and any later presenter — sees a rotated token: reuse.
   */
  async rotate(tokenHash: string): Promise<RotateResult> {
    const [used] = await this.db
      .update(refreshTokens)
      .set({ status: 'rotated', usedAt: sql`now()` })
      .where(and(eq(refreshTokens.tokenHash, tokenHash), eq(refreshTokens.status, 'active'), sql`${refreshTokens.expiresAt} > now()`))
      .returning({ sessionId: refreshTokens.sessionId });
    if (used) {
      const [session] = await this.db
        .update(sessions)
        .set({ lastUsedAt: sql`now()` })
        .where(and(eq(sessions.id, used.sessionId), isNull(sessions.revokedAt)))
        .returning();
      return session ? { outcome: 'rotated', session } : { outcome: 'revoked' };
    }
    const [row] = await this.db.select().from(refreshTokens).where(eq(refreshTokens.tokenHash, tokenHash));
    if (!row) return { outcome: 'unknown' };
    if (row.status === 'rotated') return { outcome: 'reused', sessionId: row.sessionId };
    if (row.status === 'revoked') return { outcome: 'revoked' };
    return { outcome: 'expired' };
  }

  /** Revokes sessions and every still-active refresh token of them; returns the ids newly revoked. */
  async revoke(sessionIds: string[], reason: string): Promise<string[]> {
    if (sessionIds.length === 0) return [];
    const rows = await this.db
      .update(sessions)
      .set({ revokedAt: sql`now()`, revokedReason: reason })
      .where(and(inArray(sessions.id, sessionIds), isNull(sessions.revokedAt)))
      .returning({ id: sessions.id });
    await this.db.update(refreshTokens).set({ status: 'revoked' }).where(and(inArray(refreshTokens.sessionId, sessionIds), eq(refreshTokens.status, 'active')));
    return rows.map((r) => r.id);
  }

  /** Sessions revoked after `since`, with when (to rebuild an in-process revocation list). */
  async revokedSince(since: Date): Promise<{ id: string; revokedAt: Date }[]> {
    const rows = await this.db.select({ id: sessions.id, revokedAt: sessions.revokedAt }).from(sessions).where(sql`${sessions.revokedAt} > ${since.toISOString()}`);
    return rows.map((r) => ({ id: r.id, revokedAt: r.revokedAt! }));
  }

  async get(sessionId: string): Promise<SessionRow | undefined> {
    const [row] = await this.db.select().from(sessions).where(eq(sessions.id, sessionId));
    return row;
  }

  /** Live sessions of a user in one tenant, newest first. */
  async listForUser(tenantId: string, userId: string): Promise<SessionRow[]> {
    return this.db
      .select()
      .from(sessions)
      .where(and(eq(sessions.tenantId, tenantId), eq(sessions.userId, userId), isNull(sessions.revokedAt), sql`${sessions.expiresAt} > now()`))
      .orderBy(desc(sessions.createdAt));
  }

  async liveIdsOfUser(userId: string, tenantId?: string): Promise<string[]> {
    const rows = await this.db
      .select({ id: sessions.id })
      .from(sessions)
      .where(and(eq(sessions.userId, userId), isNull(sessions.revokedAt), tenantId ? eq(sessions.tenantId, tenantId) : undefined));
    return rows.map((r) => r.id);
  }

  async liveIdsOfServiceAccount(tenantId: string, serviceAccountId: string): Promise<string[]> {
    const rows = await this.db
      .select({ id: sessions.id })
      .from(sessions)
      .where(and(eq(sessions.tenantId, tenantId), eq(sessions.serviceAccountId, serviceAccountId), isNull(sessions.revokedAt)));
    return rows.map((r) => r.id);
  }
}
