import { and, eq, gt, isNull, sql } from 'drizzle-orm';
import type { DbOrTx } from '../../platform/db/client.js';
import { loginEvents, oneTimeTokens, users, type UserRow } from './auth.tables.js';

export type UserStatus = 'active' | 'locked' | 'disabled';
export type OneTimePurpose = 'verify_email' | 'password_reset';

/** SQL for accounts, login events and single-use tokens. Accounts are global; memberships tie them to tenants. */
export class UsersRepo {
  constructor(private readonly db: DbOrTx) {}

  with(tx: DbOrTx) {
    return new UsersRepo(tx);
  }

  async findByEmail(email: string): Promise<UserRow | undefined> {
    const [row] = await this.db.select().from(users).where(eq(sql`lower(${users.email})`, email.toLowerCase()));
    return row;
  }

  async findById(id: string): Promise<UserRow | undefined> {
    const [row] = await this.db.select().from(users).where(eq(users.id, id));
    return row;
  }

  /** Inserts a user; null when the e-mail is taken (case-insensitively). */
  async create(input: { email: string; passwordHash: string; displayName: string | null }): Promise<UserRow | null> {
    const rows = await this.db.insert(users).values(input).onConflictDoNothing().returning();
    return rows[0] ?? null;
  }

  async setPasswordHash(userId: string, passwordHash: string): Promise<void> {
    await this.db.update(users).set({ passwordHash, updatedAt: sql`now()` }).where(eq(users.id, userId));
  }

  async setStatus(userId: string, status: UserStatus): Promise<void> {
    await this.db.update(users).set({ status, updatedAt: sql`now()` }).where(eq(users.id, userId));
  }

  async markEmailVerified(userId: string): Promise<void> {
    await this.db.update(users).set({ emailVerifiedAt: sql`coalesce(${users.emailVerifiedAt}, now())`, updatedAt: sql`now()` }).where(eq(users.id, userId));
  }

  async recordLogin(event: { userId: string | null; emailHash: string; ipHash: string | null; userAgent: string | null; result: 'success' | 'failure'; reason: string | null }) {
    await this.db.insert(loginEvents).values(event);
  }

  async createOneTimeToken(input: { userId: string; purpose: OneTimePurpose; tokenHash: string; expiresAt: Date }) {
    await this.db.insert(oneTimeTokens).values(input);
  }

  /** Uses a pending, unexpired token of `purpose` atomically; returns its user id or null. */
  async consumeOneTimeToken(purpose: OneTimePurpose, tokenHash: string): Promise<string | null> {
    const [row] = await this.db
      .update(oneTimeTokens)
      .set({ usedAt: sql`now()` })
      .where(and(eq(oneTimeTokens.tokenHash, tokenHash), eq(oneTimeTokens.purpose, purpose), isNull(oneTimeTokens.usedAt), gt(oneTimeTokens.expiresAt, sql`now()`)))
      .returning({ userId: oneTimeTokens.userId });
    return row?.userId ?? null;
  }
}
