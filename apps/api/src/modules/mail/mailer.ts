import { randomUUID } from 'node:crypto';
import { createRequire } from 'node:module';
import type { Transporter } from 'nodemailer';
import type { PlatformContext } from '../../platform/context.js';
import { keyedHash } from '../../platform/crypto.js';
import { AppError } from '../../platform/errors.js';
import { maskEmail } from '../../platform/logger.js';
import type { MailOutboxRepo } from './mail.repo.js';
import type { MailRow } from './mail.tables.js';

export const MAIL_DELIVER_JOB = 'mail.deliver';

export interface OutgoingMail {
  to: string;
  subject: string;
  text: string;
  /** `verify_email`, `password_reset`, `invitation`, … */
  kind: string;
}

/**
 * Sends product e-mail through an outbox: every mail is first a row of `mail_outbox` (so nothing is
 * lost and `agentry mail outbox` can show it); with `SMTP_URL` a job delivers it by SMTP off the
 * request path, so a request's latency never depends on the mail server (or reveals whether a mail
 * was sent at all, as forgot-password must not).
 */
// nodemailer (CommonJS) is loaded when SMTP is configured, not at import: a start without SMTP
// (mail logged) never pays for it.
const require = createRequire(import.meta.url);
const nodemailer = () => require('nodemailer') as typeof import('nodemailer');

/**
 * Hourly budgets for the mail a signed-in user can make the product send (verification resends,
 * invitations): per sending user and per recipient address, so neither one account nor many can
 * flood one mailbox. A refused attempt counts too.
 */
export const MAIL_BUDGET = { perSenderPerHour: 20, perRecipientPerHour: 5, windowSeconds: 3600 } as const;

export class Mailer {
  private readonly transport: Transporter | undefined;
  private readonly sent;

  constructor(
    private readonly ctx: Pick<PlatformContext, 'config' | 'database' | 'ports' | 'metrics' | 'logger'>,
    private readonly outbox: MailOutboxRepo,
  ) {
    this.transport = ctx.config.mail.smtpUrl ? nodemailer().createTransport(ctx.config.mail.smtpUrl) : undefined;
    this.sent = ctx.metrics.counter('mail_sent_total', 'E-mails handed to the outbox or delivered by SMTP', [
      'kind',
      'result',
    ]);
  }

  private get db() {
    return this.ctx.database.db;
  }

  /** Registers the delivery worker (processes with the `worker` role). */
  registerWorker(): void {
    this.ctx.ports.jobs.process<{ id: string }>(MAIL_DELIVER_JOB, async (job) => this.deliver(job.data.id), {
      onFailed: (job, err) =>
        this.ctx.logger.warn({ err, event: 'mail.delivery_failed', mail_id: job.data.id }, 'mail delivery failed'),
    });
  }

  async send(mail: OutgoingMail): Promise<void> {
    const id = await this.outbox.add(this.db, {
      toAddress: mail.to,
      subject: mail.subject,
      bodyText: mail.text,
      kind: mail.kind,
    });
    this.ctx.logger.info({ event: 'mail.queued', kind: mail.kind, to: maskEmail(mail.to), mail_id: id }, 'mail queued');
    if (this.transport)
      await this.ctx.ports.jobs.enqueue(
        MAIL_DELIVER_JOB,
        { id },
        { jobId: `mail_${id}`, attempts: 5, backoffMs: 2000 },
      );
    else this.sent.inc({ kind: mail.kind, result: 'outbox' });
  }

  /**
   * `send` to the user `userId` if that user exists, with the same work when not (the conditional
   * insert runs either way, and with SMTP a delivery job is queued either way: for no row it is a
   * no-op). For answers that must not reveal whether an account exists (forgot-password).
   */
  async sendIfUser(userId: string, mail: OutgoingMail): Promise<void> {
    const id = await this.outbox.addIfUser(this.db, userId, {
      toAddress: mail.to,
      subject: mail.subject,
      bodyText: mail.text,
      kind: mail.kind,
    });
    if (id)
      this.ctx.logger.info(
        { event: 'mail.queued', kind: mail.kind, to: maskEmail(mail.to), mail_id: id },
        'mail queued',
      );
    const jobRef = id ?? randomUUID();
    if (this.transport)
      await this.ctx.ports.jobs.enqueue(
        MAIL_DELIVER_JOB,
        { id: jobRef },
        { jobId: `mail_${jobRef}`, attempts: 5, backoffMs: 2000 },
      );
    else if (id) this.sent.inc({ kind: mail.kind, result: 'outbox' });
  }

  /**
   * Spends one unit of the sender's and the recipient's hourly budget (`MAIL_BUDGET`), or refuses
   * with 429 `rate_limited` and `Retry-After`. Call before any work the mail is for.
   */
  async spendBudget(input: { sender: string; recipient: string; kind: string }): Promise<void> {
    const { perSenderPerHour, perRecipientPerHour, windowSeconds } = MAIL_BUDGET;
    const recipientKey = keyedHash(this.ctx.config.auth.ipPepper, `mail-to:${input.recipient.trim().toLowerCase()}`);
    const checks = [
      { quota: 'mail_per_sender', key: `mail:budget:sender:${input.sender}`, limit: perSenderPerHour },
      { quota: 'mail_per_recipient', key: `mail:budget:recipient:${recipientKey}`, limit: perRecipientPerHour },
    ];
    for (const check of checks) {
      const { value, ttlMs } = await this.ctx.ports.counters.increment(check.key, { ttlSeconds: windowSeconds });
      if (value > check.limit) {
        this.ctx.logger.info({ event: 'mail.budget_exceeded', kind: input.kind, quota: check.quota }, 'mail refused');
        throw new AppError('rate_limited', 'Too many e-mails of this kind; try again later.', {
          headers: { 'retry-after': String(Math.max(1, Math.ceil((ttlMs > 0 ? ttlMs : windowSeconds * 1000) / 1000))) },
          details: { quota: check.quota, limit: check.limit, window_seconds: windowSeconds },
        });
      }
    }
  }

  /** Sends one outbox row by SMTP; marks it sent. Throws on failure so the job retries. */
  async deliver(id: string): Promise<void> {
    if (!this.transport) return;
    const row = await this.outbox.get(this.db, id);
    if (!row || row.sentAt) return;
    try {
      await this.transport.sendMail({
        from: this.ctx.config.mail.from,
        to: row.toAddress,
        subject: row.subject,
        text: row.bodyText,
      });
    } catch (err) {
      await this.outbox.markFailed(this.db, id, String((err as Error).message));
      this.sent.inc({ kind: row.kind, result: 'error' });
      throw err;
    }
    await this.outbox.markSent(this.db, id);
    this.sent.inc({ kind: row.kind, result: 'smtp' });
  }

  async recent(limit = 20): Promise<MailRow[]> {
    return this.outbox.recent(this.db, limit);
  }

  close(): void {
    this.transport?.close();
  }
}
