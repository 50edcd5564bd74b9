import { and, eq, isNotNull, isNull, lt, or, sql } from 'drizzle-orm';
import type { DbOrTx } from '../../../../platform/db/client.js';
import { mfaRecoveryCodes, userMfa, type UserMfaRow } from './mfa.tables.js';

/** SQL for TOTP factors and recovery codes. Every method takes the connection first. */
export class MfaRepo {
  async find(db: DbOrTx, userId: string): Promise<UserMfaRow | undefined> {
    const [row] = await db.select().from(userMfa).where(eq(userMfa.userId, userId));
    return row;
  }

  async isEnabled(db: DbOrTx, userId: string): Promise<boolean> {
    const [row] = await db
      .select({ userId: userMfa.userId })
      .from(userMfa)
      .where(and(eq(userMfa.userId, userId), isNotNull(userMfa.enabledAt)));
    return !!row;
  }

  /** Starts (or restarts) an enrolment; false when MFA is already on (the row is left alone). */
  async savePending(db: DbOrTx, userId: string, secretSealed: string): Promise<boolean> {
    const rows = await db
      .insert(userMfa)
      .values({ userId, secretSealed })
      .onConflictDoUpdate({
        target: userMfa.userId,
        set: { secretSealed, lastUsedStep: null, updatedAt: sql`now()` },
        setWhere: isNull(userMfa.enabledAt),
      })
      .returning({ userId: userMfa.userId });
    return rows.length === 1;
  }

  /**
   * Accepts `step` for the user when it is later than the last accepted one: atomic, so one code
   * succeeds once however many requests carry it. `enable` also turns MFA on (enrolment's verify).
   */
  async acceptStep(db: DbOrTx, userId: string, step: number, options: { enable?: boolean } = {}): Promise<boolean> {
    const rows = await db
      .update(userMfa)
      .set({
        lastUsedStep: step,
        updatedAt: sql`now()`,
        ...(options.enable ? { enabledAt: sql`now()` } : {}),
      })
      .where(
        and(
          eq(userMfa.userId, userId),
          options.enable ? isNull(userMfa.enabledAt) : isNotNull(userMfa.enabledAt),
          or(isNull(userMfa.lastUsedStep), lt(userMfa.lastUsedStep, step)),
        ),
      )
      .returning({ userId: userMfa.userId });
    return rows.length === 1;
  }

  /** Replaces the user's recovery codes with `hashes`. */
  async replaceRecoveryCodes(db: DbOrTx, userId: string, hashes: string[]): Promise<void> {
    await db.delete(mfaRecoveryCodes).where(eq(mfaRecoveryCodes.userId, userId));
    await db.insert(mfaRecoveryCodes).values(hashes.map((codeHash) => ({ userId, codeHash })));
  }

  /** Marks an unused code used; false when it does not exist or was used (atomic: one use). */
  async consumeRecoveryCode(db: DbOrTx, userId: string, codeHash: string): Promise<boolean> {
    const rows = await db
      .update(mfaRecoveryCodes)
      .set({ usedAt: sql`now()` })
      .where(
        and(
          eq(mfaRecoveryCodes.userId, userId),
          eq(mfaRecoveryCodes.codeHash, codeHash),
          isNull(mfaRecoveryCodes.usedAt),
        ),
      )
      .returning({ id: mfaRecoveryCodes.id });
    return rows.length === 1;
  }

  async remainingRecoveryCodes(db: DbOrTx, userId: string): Promise<number> {
    const [row] = await db
      .select({ n: sql<number>`count(*)::int` })
      .from(mfaRecoveryCodes)
      .where(and(eq(mfaRecoveryCodes.userId, userId), isNull(mfaRecoveryCodes.usedAt)));
    return row?.n ?? 0;
  }

  /** Turns MFA off: the factor and every recovery code go. */
  async remove(db: DbOrTx, userId: string): Promise<void> {
    await db.delete(mfaRecoveryCodes).where(eq(mfaRecoveryCodes.userId, userId));
    await db.delete(userMfa).where(eq(userMfa.userId, userId));
  }
}
