import { desc, eq, sql } from 'drizzle-orm';
import type { DbOrTx } from '../../platform/db/client.js';
import { mailOutbox, type MailRow } from './mail.tables.js';

/** What a delivered mail's `body_text` becomes (its links must not outlive delivery in the database). */
export const PURGED_BODY = '[delivered; body purged]';

/**
 * SQL for the outbox. Every method takes the connection first — the caller's transaction or the
 * database; the repository holds none and never opens a transaction.
 */
export class MailOutboxRepo {
  async add(db: DbOrTx, mail: { toAddress: string; subject: string; bodyText: string; kind: string }): Promise<string> {
    const [row] = await db.insert(mailOutbox).values(mail).returning({ id: mailOutbox.id });
    return row.id;
  }

  /**
   * Queues a mail to the user `userId` only if that user exists, in one statement either way (so a
   * caller can run it for an unknown address without a different code path). The row's id, or null.
   */
  async addIfUser(
    db: DbOrTx,
    userId: string,
    mail: { toAddress: string; subject: string; bodyText: string; kind: string },
  ): Promise<string | null> {
    const result = await db.execute(sql`
      insert into ${mailOutbox} (to_address, subject, body_text, kind)
      select ${mail.toAddress}, ${mail.subject}, ${mail.bodyText}, ${mail.kind}
      where exists (select 1 from users where id = ${userId})
      returning id`);
    const rows = (result as unknown as { rows: { id: string }[] }).rows;
    return rows[0]?.id ?? null;
  }

  async get(db: DbOrTx, id: string): Promise<MailRow | undefined> {
    const [row] = await db.select().from(mailOutbox).where(eq(mailOutbox.id, id));
    return row;
  }

  /**
   * Marks a row delivered and purges its body: bodies carry live reset, verification and invitation
   * links, and a delivered mail's body has no further use, so a database dump must not yield them.
   */
  async markSent(db: DbOrTx, id: string): Promise<void> {
    await db
      .update(mailOutbox)
      .set({
        sentAt: sql`now()`,
        attempts: sql`${mailOutbox.attempts} + 1`,
        lastError: null,
        bodyText: PURGED_BODY,
      })
      .where(eq(mailOutbox.id, id));
  }

  async markFailed(db: DbOrTx, id: string, error: string): Promise<void> {
    await db
      .update(mailOutbox)
      .set({ attempts: sql`${mailOutbox.attempts} + 1`, lastError: error.slice(0, 500) })
      .where(eq(mailOutbox.id, id));
  }

  /** The latest mails, newest first. */
  async recent(db: DbOrTx, limit: number): Promise<MailRow[]> {
    return db.select().from(mailOutbox).orderBy(desc(mailOutbox.createdAt)).limit(limit);
  }
}
