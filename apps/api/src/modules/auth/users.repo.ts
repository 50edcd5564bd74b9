import { and, eq, gt, isNull, sql } from 'drizzle-orm';
import type { DbOrTx } from '../../platform/db/client.js';
import { loginEvents, oneTimeTokens, profiles, users, type ProfileRow, type UserRow } from './auth.tables.js';

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

  /**
   * Inserts a user and its profile together (a savepoint when already inside a transaction, so a
   * user never exists without a profile); null when the e-mail is taken (case-insensitively).
   */
  async create(input: { email: string; passwordHash: string; displayName: string | null }): Promise<UserRow | null> {
    return this.db.transaction(async (tx) => {
      const [user] = await tx.insert(users).values({ email: input.email, passwordHash: input.passwordHash }).onConflictDoNothing().returning();
      if (!user) return null;
      await tx.insert(profiles).values({ userId: user.id, displayName: input.displayName });
      return user;
    });
  }

  async findProfile(userId: string): Promise<ProfileRow | undefined> {
    const [row] = await this.db.select().from(profiles).where(eq(profiles.userId, userId));
    return row;
  }

  /** Sets the given profile fields (`null` clears one); returns the new profile. */
  async updateProfile(userId: string, patch: Partial<Pick<ProfileRow, 'displayName' | 'avatarUrl' | 'locale' | 'timezone'>>): Promise<ProfileRow | undefined> {
    const [row] = await this.db.update(profiles).set({ ...patch, updatedAt: sql`now()` }).where(eq(profiles.userId, userId)).returning();
    return row;
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
