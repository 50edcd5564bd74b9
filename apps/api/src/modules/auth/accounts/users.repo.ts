import { and, eq, gt, inArray, isNull, sql } from 'drizzle-orm';
import type { DbOrTx } from '../../../platform/db/client.js';
import { loginEvents, oneTimeTokens, profiles, users, type ProfileRow, type UserRow } from './accounts.tables.js';

export type UserStatus = 'active' | 'locked' | 'disabled';
export type OneTimePurpose = 'verify_email' | 'password_reset' | 'email_change';

/**
 * SQL for accounts, their profiles, login events and single-use tokens. Accounts are global;
 * memberships (the tenants module) tie them to tenants. Every method takes the connection first —
 * the caller's transaction or the database; the repository holds none and opens no transaction.
 */
export class UsersRepo {
  async findByEmail(db: DbOrTx, email: string): Promise<UserRow | undefined> {
    const [row] = await db
      .select()
      .from(users)
      .where(eq(sql`lower(${users.email})`, email.toLowerCase()));
    return row;
  }

  async findById(db: DbOrTx, id: string): Promise<UserRow | undefined> {
    const [row] = await db.select().from(users).where(eq(users.id, id));
    return row;
  }

  /**
   * Inserts a user and its profile; null when the e-mail is taken (case-insensitively). Two rows:
   * call it inside the caller's transaction, so a user never exists without a profile.
   */
  async create(
    tx: DbOrTx,
    input: { email: string; passwordHash: string; displayName: string | null },
  ): Promise<UserRow | null> {
    const [user] = await tx
      .insert(users)
      .values({ email: input.email, passwordHash: input.passwordHash })
      .onConflictDoNothing()
      .returning();
    if (!user) return null;
    await tx.insert(profiles).values({ userId: user.id, displayName: input.displayName });
    return user;
  }

  /** E-mail and display name of each of `ids` that exists (for member lists). */
  async describe(db: DbOrTx, ids: string[]): Promise<{ id: string; email: string; displayName: string | null }[]> {
    if (ids.length === 0) return [];
    return db
      .select({ id: users.id, email: users.email, displayName: profiles.displayName })
      .from(users)
      .leftJoin(profiles, eq(profiles.userId, users.id))
      .where(inArray(users.id, ids));
  }

  async findProfile(db: DbOrTx, userId: string): Promise<ProfileRow | undefined> {
    const [row] = await db.select().from(profiles).where(eq(profiles.userId, userId));
    return row;
  }

  /** Sets the given profile fields (`null` clears one); returns the new profile. */
  async updateProfile(
    db: DbOrTx,
    userId: string,
    patch: Partial<Pick<ProfileRow, 'displayName' | 'avatarUrl' | 'locale' | 'timezone'>>,
  ): Promise<ProfileRow | undefined> {
    const [row] = await db
      .update(profiles)
      .set({ ...patch, updatedAt: sql`now()` })
      .where(eq(profiles.userId, userId))
      .returning();
    return row;
  }

  async setPasswordHash(db: DbOrTx, userId: string, passwordHash: string): Promise<void> {
    await db.update(users).set({ passwordHash, updatedAt: sql`now()` }).where(eq(users.id, userId));
  }

  async setStatus(db: DbOrTx, userId: string, status: UserStatus): Promise<void> {
    await db.update(users).set({ status, updatedAt: sql`now()` }).where(eq(users.id, userId));
  }

  async setOperator(db: DbOrTx, userId: string, operator: boolean): Promise<void> {
    await db.update(users).set({ isOperator: operator, updatedAt: sql`now()` }).where(eq(users.id, userId));
  }

  async markEmailVerified(db: DbOrTx, userId: string): Promise<void> {
    await db
      .update(users)
      .set({ emailVerifiedAt: sql`coalesce(${users.emailVerifiedAt}, now())`, updatedAt: sql`now()` })
      .where(eq(users.id, userId));
  }

  async recordLogin(
    db: DbOrTx,
    event: {
      userId: string | null;
      emailHash: string;
      ipHash: string | null;
      userAgent: string | null;
      result: 'success' | 'failure';
      reason: string | null;
    },
  ) {
    await db.insert(loginEvents).values(event);
  }

  async createOneTimeToken(
    db: DbOrTx,
    input: {
      userId: string;
      purpose: OneTimePurpose;
      tokenHash: string;
      expiresAt: Date;
      newEmail?: string;
      sessionId?: string;
    },
  ) {
    await db.insert(oneTimeTokens).values(input);
  }

  /** Uses a pending, unexpired `email_change` token atomically; its user and the address it moves to. */
  async consumeEmailChangeToken(
    db: DbOrTx,
    tokenHash: string,
  ): Promise<{ userId: string; newEmail: string; sessionId: string | null } | null> {
    const [row] = await db
      .update(oneTimeTokens)
      .set({ usedAt: sql`now()` })
      .where(
        and(
          eq(oneTimeTokens.tokenHash, tokenHash),
          eq(oneTimeTokens.purpose, 'email_change'),
          isNull(oneTimeTokens.usedAt),
          gt(oneTimeTokens.expiresAt, sql`now()`),
        ),
      )
      .returning({
        userId: oneTimeTokens.userId,
        newEmail: oneTimeTokens.newEmail,
        sessionId: oneTimeTokens.sessionId,
      });
    return row?.newEmail ? { userId: row.userId, newEmail: row.newEmail, sessionId: row.sessionId } : null;
  }

  /**
   * Moves the account to `email`, verified; false when another account holds the address
   * (case-insensitively: the unique index decides, so a race cannot make two).
   */
  async changeEmail(db: DbOrTx, userId: string, email: string): Promise<boolean> {
    const taken = await this.findByEmail(db, email);
    if (taken && taken.id !== userId) return false;
    try {
      await db
        .update(users)
        .set({ email, emailVerifiedAt: sql`now()`, updatedAt: sql`now()` })
        .where(eq(users.id, userId));
    } catch (err) {
      // Two confirmations for one address at once: the unique index lets one through.
      if ((err as { code?: string }).code === '23505') return false;
      throw err;
    }
    return true;
  }

  /**
   * Creates a token for the user `userId` only if that user exists, in one statement either way
   * (`INSERT … SELECT … FROM users WHERE id = $1`): forgot-password runs it for unknown addresses
   * too (with the nil UUID), so both paths do the same work. True when a token was created.
   */
  async createOneTimeTokenIfUser(
    db: DbOrTx,
    input: { userId: string; purpose: OneTimePurpose; tokenHash: string; expiresAt: Date },
  ): Promise<boolean> {
    const result = await db.execute(sql`
      insert into ${oneTimeTokens} (user_id, purpose, token_hash, expires_at)
      select ${users.id}, ${input.purpose}, ${input.tokenHash}, ${input.expiresAt.toISOString()}::timestamptz
      from ${users} where ${users.id} = ${input.userId}
      returning id`);
    return (result as unknown as { rows: unknown[] }).rows.length > 0;
  }

  /** Retires every pending token of `purpose` for the user (marks it used): a newer one supersedes them. */
  async retireOneTimeTokens(db: DbOrTx, userId: string, purpose: OneTimePurpose): Promise<void> {
    await db
      .update(oneTimeTokens)
      .set({ usedAt: sql`now()` })
      .where(and(eq(oneTimeTokens.userId, userId), eq(oneTimeTokens.purpose, purpose), isNull(oneTimeTokens.usedAt)));
  }

  /** The user of a pending, unexpired token of `purpose`, without using it; null when there is none. */
  async findOneTimeToken(db: DbOrTx, purpose: OneTimePurpose, tokenHash: string): Promise<string | null> {
    const [row] = await db
      .select({ userId: oneTimeTokens.userId })
      .from(oneTimeTokens)
      .where(
        and(
          eq(oneTimeTokens.tokenHash, tokenHash),
          eq(oneTimeTokens.purpose, purpose),
          isNull(oneTimeTokens.usedAt),
          gt(oneTimeTokens.expiresAt, sql`now()`),
        ),
      );
    return row?.userId ?? null;
  }

  /** Uses a pending, unexpired token of `purpose` atomically; returns its user id or null. */
  async consumeOneTimeToken(db: DbOrTx, purpose: OneTimePurpose, tokenHash: string): Promise<string | null> {
    const [row] = await db
      .update(oneTimeTokens)
      .set({ usedAt: sql`now()` })
      .where(
        and(
          eq(oneTimeTokens.tokenHash, tokenHash),
          eq(oneTimeTokens.purpose, purpose),
          isNull(oneTimeTokens.usedAt),
          gt(oneTimeTokens.expiresAt, sql`now()`),
        ),
      )
      .returning({ userId: oneTimeTokens.userId });
    return row?.userId ?? null;
  }
}
