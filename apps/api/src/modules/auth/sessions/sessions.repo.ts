import { and, desc, eq, inArray, isNull, sql } from 'drizzle-orm';
import type { DbOrTx } from '../../../platform/db/client.js';
import { refreshTokens, sessions, type SessionRow } from './sessions.tables.js';

export type RotateResult =
  | { outcome: 'rotated'; session: SessionRow }
  | { outcome: 'reused'; sessionId: string }
  | { outcome: 'expired' | 'revoked' | 'unknown' };

/**
 * SQL for sessions (refresh-token families) and their refresh tokens (keyed hashes only). Every
 * method takes the connection first — the caller's transaction or the database; the repository
 * holds none and never opens a transaction.
 */
export class SessionsRepo {
  async create(
    db: DbOrTx,
    input: {
      tenantId: string;
      userId: string | null;
      serviceAccountId: string | null;
      userAgent: string | null;
      ipMasked: string | null;
      expiresAt: Date;
    },
  ): Promise<SessionRow> {
    const [row] = await db.insert(sessions).values(input).returning();
    return row;
  }

  async addRefreshToken(db: DbOrTx, sessionId: string, tokenHash: string, expiresAt: Date): Promise<void> {
    await db.insert(refreshTokens).values({ sessionId, tokenHash, expiresAt });
    await db.update(sessions).set({ expiresAt }).where(eq(sessions.id, sessionId));
  }

  /**
   * Marks the token used in one conditional UPDATE, so of two concurrent refreshes with one token
   * exactly one changes the row (PostgreSQL re-checks `status = 'active'` after the row lock).
   * The loser — and any later presenter — sees a rotated token: reuse.
   */
  async rotate(db: DbOrTx, tokenHash: string): Promise<RotateResult> {
    const [used] = await db
      .update(refreshTokens)
      .set({ status: 'rotated', usedAt: sql`now()` })
      .where(
        and(
          eq(refreshTokens.tokenHash, tokenHash),
          eq(refreshTokens.status, 'active'),
          sql`${refreshTokens.expiresAt} > now()`,
        ),
      )
      .returning({ sessionId: refreshTokens.sessionId });
    if (used) {
      const [session] = await db
        .update(sessions)
        .set({ lastUsedAt: sql`now()` })
        .where(and(eq(sessions.id, used.sessionId), isNull(sessions.revokedAt)))
        .returning();
      return session ? { outcome: 'rotated', session } : { outcome: 'revoked' };
    }
    const [row] = await db.select().from(refreshTokens).where(eq(refreshTokens.tokenHash, tokenHash));
    if (!row) return { outcome: 'unknown' };
    if (row.status === 'rotated') return { outcome: 'reused', sessionId: row.sessionId };
    if (row.status === 'revoked') return { outcome: 'revoked' };
    return { outcome: 'expired' };
  }

  /** Revokes sessions and every still-active refresh token of them; returns the ids newly revoked. */
  async revoke(db: DbOrTx, sessionIds: string[], reason: string): Promise<string[]> {
    if (sessionIds.length === 0) return [];
    const rows = await db
      .update(sessions)
      .set({ revokedAt: sql`now()`, revokedReason: reason })
      .where(and(inArray(sessions.id, sessionIds), isNull(sessions.revokedAt)))
      .returning({ id: sessions.id });
    await db
      .update(refreshTokens)
      .set({ status: 'revoked' })
      .where(and(inArray(refreshTokens.sessionId, sessionIds), eq(refreshTokens.status, 'active')));
    return rows.map((r) => r.id);
  }

  /** Sessions revoked after `since`, with when (to rebuild an in-process revocation list). */
  async revokedSince(db: DbOrTx, since: Date): Promise<{ id: string; revokedAt: Date }[]> {
    const rows = await db
      .select({ id: sessions.id, revokedAt: sessions.revokedAt })
      .from(sessions)
      .where(sql`${sessions.revokedAt} > ${since.toISOString()}`);
    return rows.map((r) => ({ id: r.id, revokedAt: r.revokedAt! }));
  }

  async get(db: DbOrTx, sessionId: string): Promise<SessionRow | undefined> {
    const [row] = await db.select().from(sessions).where(eq(sessions.id, sessionId));
    return row;
  }

  /** Live sessions of a user in one tenant, newest first. */
  async listForUser(db: DbOrTx, tenantId: string, userId: string): Promise<SessionRow[]> {
    return db
      .select()
      .from(sessions)
      .where(
        and(
          eq(sessions.tenantId, tenantId),
          eq(sessions.userId, userId),
          isNull(sessions.revokedAt),
          sql`${sessions.expiresAt} > now()`,
        ),
      )
      .orderBy(desc(sessions.createdAt));
  }

  /** Every live session of the tenant (users and service accounts), for a suspension. */
  async liveIdsOfTenant(db: DbOrTx, tenantId: string): Promise<string[]> {
    const rows = await db
      .select({ id: sessions.id })
      .from(sessions)
      .where(and(eq(sessions.tenantId, tenantId), isNull(sessions.revokedAt)));
    return rows.map((r) => r.id);
  }

  async liveIdsOfUser(db: DbOrTx, userId: string, tenantId?: string): Promise<string[]> {
    const rows = await db
      .select({ id: sessions.id })
      .from(sessions)
      .where(
        and(
          eq(sessions.userId, userId),
          isNull(sessions.revokedAt),
          tenantId ? eq(sessions.tenantId, tenantId) : undefined,
        ),
      );
    return rows.map((r) => r.id);
  }

  async liveIdsOfServiceAccount(db: DbOrTx, tenantId: string, serviceAccountId: string): Promise<string[]> {
    const rows = await db
      .select({ id: sessions.id })
      .from(sessions)
      .where(
        and(
          eq(sessions.tenantId, tenantId),
          eq(sessions.serviceAccountId, serviceAccountId),
          isNull(sessions.revokedAt),
        ),
      );
    return rows.map((r) => r.id);
  }
}
