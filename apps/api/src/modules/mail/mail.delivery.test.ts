import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, createTestDatabase, services, type TestApp } from '../../../test/harness.js';
import { logIn, NO_LOGIN_THROTTLE, signUp, uniqueEmail } from '../../../test/factories.js';
import { runEntry } from '../../../test/support/production-env.js';
import { startSmtpSink, type ReceivedMail } from '../../../test/support/smtp-sink.js';
import { createDatabase } from '../../platform/db/client.js';
import { PURGED_BODY } from './mail.repo.js';
import { mailOutbox } from './mail.tables.js';

/** The token of the first link in a mail body (`…?token=<token>`). */
function tokenIn(mail: { text: string }): string {
  const match = /[?&]token=([^\s&]+)/.exec(mail.text);
  if (!match) throw new Error(`no token link in: ${mail.text}`);
  return decodeURIComponent(match[1]);
}

describe('with SMTP_URL: mail really goes out over SMTP', () => {
  let sink: Awaited<ReturnType<typeof startSmtpSink>>;
  let t: TestApp;
  beforeAll(async () => {
    sink = await startSmtpSink();
    t = await createTestApp({ ...NO_LOGIN_THROTTLE, SMTP_URL: sink.url, MAIL_FROM: 'Agentry <no-reply@agentry.test>' });
  });
  afterAll(async () => {
    await t?.close();
    await sink?.close();
  });

  const forRecipient = (email: string, subject: string) => (m: ReceivedMail) =>
    m.to.includes(email) && m.subject === subject;

  it('the verification mail arrives, and its link verifies the address', async () => {
    const u = await signUp(t.app);
    const mail = await sink.waitFor(forRecipient(u.email, 'Verify your e-mail address'));
    expect(mail.to).toEqual([u.email]);
    expect(mail.from).toBe('no-reply@agentry.test');
    expect(mail.text).toContain(`${t.config.http.publicWebUrl}/verify-email?token=`);
    const verify = await t.app.inject({
      method: 'POST',
      url: '/api/v1/auth/email/verify',
      payload: { token: tokenIn(mail) },
    });
    expect(verify.statusCode).toBe(204);
    const me = await t.app.inject({ method: 'GET', url: '/api/v1/auth/me', headers: (await logIn(t.app, u)).headers });
    expect(me.json().user.email_verified).toBe(true);
    // Delivered rows are marked sent in the outbox.
    const rows = await t.database.db.select().from(mailOutbox).where(eq(mailOutbox.toAddress, u.email));
    await expect
      .poll(async () => (await t.database.db.select().from(mailOutbox).where(eq(mailOutbox.id, rows[0].id)))[0].sentAt)
      .not.toBeNull();
  });

  it('attack: a database dump yields live links — a delivered mail keeps no body (no token) in mail_outbox', async () => {
    const u = await signUp(t.app);
    const reset = await t.app.inject({
      method: 'POST',
      url: '/api/v1/auth/password/forgot',
      payload: { email: u.email },
    });
    expect(reset.statusCode).toBe(202);
    const mail = await sink.waitFor(forRecipient(u.email, 'Reset your Agentry password'));
    const token = tokenIn(mail);
    await expect
      .poll(async () =>
        (await t.database.db.select().from(mailOutbox).where(eq(mailOutbox.toAddress, u.email))).every((r) => r.sentAt),
      )
      .toBe(true);
    const rows = await t.database.db.select().from(mailOutbox).where(eq(mailOutbox.toAddress, u.email));
    expect(rows.length).toBeGreaterThanOrEqual(2); // verification and reset
    for (const row of rows) {
      expect(row.bodyText).toBe(PURGED_BODY);
      expect(row.bodyText).not.toMatch(/token=/);
    }
    expect(rows.some((r) => r.bodyText.includes(token))).toBe(false);
    // The mailed link itself still works.
    const done = await t.app.inject({
      method: 'POST',
      url: '/api/v1/auth/password/reset',
      payload: { token, new_password: 'Purged-body-Passw0rd' },
    });
    expect(done.statusCode).toBe(204);
  });

  it('the password-reset mail arrives, and its token resets the password end to end', async () => {
    const u = await signUp(t.app);
    expect(
      (
        await t.app.inject({
          method: 'POST',
          url: '/api/v1/auth/password/forgot',
          payload: { email: u.email.toUpperCase() },
        })
      ).statusCode,
    ).toBe(202);
    const mail = await sink.waitFor(forRecipient(u.email, 'Reset your Agentry password'));
    expect(mail.to).toEqual([u.email]);
    expect(mail.text).toContain(`${t.config.http.publicWebUrl}/reset-password?token=`);
    const reset = await t.app.inject({
      method: 'POST',
      url: '/api/v1/auth/password/reset',
      payload: { token: tokenIn(mail), new_password: 'Mailed-reset-Passw0rd' },
    });
    expect(reset.statusCode).toBe(204);
    expect(
      (
        await t.app.inject({
          method: 'POST',
          url: '/api/v1/auth/token',
          payload: { email: u.email, password: u.password },
        })
      ).statusCode,
    ).toBe(401);
    expect(
      (
        await t.app.inject({
          method: 'POST',
          url: '/api/v1/auth/token',
          payload: { email: u.email, password: 'Mailed-reset-Passw0rd' },
        })
      ).statusCode,
    ).toBe(200);
  });

  it('POST /auth/email/verify/send mails a fresh link (202); nothing more once verified', async () => {
    const u = await signUp(t.app);
    const first = await sink.waitFor(forRecipient(u.email, 'Verify your e-mail address'));
    const sent = await t.app.inject({ method: 'POST', url: '/api/v1/auth/email/verify/send', headers: u.headers });
    expect(sent.statusCode).toBe(202);
    const second = await sink.waitFor((m) => m !== first && forRecipient(u.email, 'Verify your e-mail address')(m));
    expect(tokenIn(second)).not.toBe(tokenIn(first));
    expect(
      (await t.app.inject({ method: 'POST', url: '/api/v1/auth/email/verify', payload: { token: tokenIn(second) } }))
        .statusCode,
    ).toBe(204);
    // Once verified, asking again sends nothing more.
    const count = sink.received.filter(forRecipient(u.email, 'Verify your e-mail address')).length;
    expect(
      (await t.app.inject({ method: 'POST', url: '/api/v1/auth/email/verify/send', headers: u.headers })).statusCode,
    ).toBe(202);
    await new Promise((r) => setTimeout(r, 300));
    expect(sink.received.filter(forRecipient(u.email, 'Verify your e-mail address')).length).toBe(count);
  });

  it('the invitation mail arrives, and an existing account joins with the code it carries', async () => {
    const host = await signUp(t.app, { tenant_name: 'Mailed Team' });
    const guest = await signUp(t.app);
    const inv = await t.app.inject({
      method: 'POST',
      url: '/api/v1/tenants/current/invitations',
      headers: host.headers,
      payload: { email: guest.email, role: 'member' },
    });
    expect(inv.statusCode).toBe(201);
    // The tenant name is user-supplied: it is in the body, never in the subject.
    const mail = await sink.waitFor(forRecipient(guest.email, 'You are invited to a workspace on Agentry'));
    expect(mail.text).toContain('Mailed Team');
    expect(mail.text).toContain(`${t.config.http.publicWebUrl}/signup?invite=`);
    const code = /code:\s*(inv_\S+)/.exec(mail.text)![1];
    const accepted = await t.app.inject({
      method: 'POST',
      url: '/api/v1/tenants/invitations/accept',
      headers: guest.headers,
      payload: { token: code },
    });
    expect([accepted.statusCode, accepted.json().tenant.name, accepted.json().role]).toEqual([
      200,
      'Mailed Team',
      'member',
    ]);
  });

  it('no mail for an unknown address, and the same empty 202', async () => {
    const ghost = uniqueEmail('ghost');
    const res = await t.app.inject({ method: 'POST', url: '/api/v1/auth/password/forgot', payload: { email: ghost } });
    expect([res.statusCode, res.body]).toEqual([202, '']);
    await new Promise((r) => setTimeout(r, 300));
    expect(sink.received.some((m) => m.to.includes(ghost))).toBe(false);
  });
});

describe('without SMTP_URL: mail stays in the outbox and `agentry mail outbox` prints it', () => {
  it('the CLI (a real child process) prints the verification and reset mails with working tokens', {
    timeout: 180_000,
  }, async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'agentry-outbox-'));
    // The CLI must reach the same database: a PostgreSQL database by URL, or PGlite on disk under DATA_DIR.
    const pgDatabase = services.databaseUrl ? await createTestDatabase() : undefined;
    const database = pgDatabase ?? (await createDatabase({ poolMax: 1, dataDir: path.join(dataDir, 'pglite') }));
    if (!pgDatabase) await database.migrate();
    const cliEnv = { DATA_DIR: dataDir, ...(pgDatabase ? { DATABASE_URL: pgDatabase.url } : {}) };
    let t = await createTestApp({ DATA_DIR: dataDir }, { database });
    try {
      const u = await signUp(t.app);
      expect(
        (await t.app.inject({ method: 'POST', url: '/api/v1/auth/password/forgot', payload: { email: u.email } }))
          .statusCode,
      ).toBe(202);
      const rows = await database.db.select().from(mailOutbox).where(eq(mailOutbox.toAddress, u.email));
      expect(rows.map((r) => [r.kind, r.sentAt]).sort()).toEqual([
        ['password_reset', null],
        ['verify_email', null],
      ]);
      // PGlite is single-process: let the CLI open the files, then reopen them for the API.
      if (!pgDatabase) {
        await t.close();
        await database.close();
      }
      const out = await runEntry('src/cli/index.ts', ['mail', 'outbox', '--limit', '5'], cliEnv);
      expect(out.code, out.stderr).toBe(0);
      expect(out.stdout).toContain(`verify_email  to ${u.email}  not sent (outbox)`);
      expect(out.stdout).toContain(`password_reset  to ${u.email}  not sent (outbox)`);
      expect(out.stdout).toContain('Subject: Reset your Agentry password');
      const printed = (kind: string) => {
        const block = out.stdout.split('── ').find((b) => b.includes(`${kind}  to ${u.email}`))!;
        return tokenIn({ text: block });
      };
      if (!pgDatabase) {
        const reopened = await createDatabase({ poolMax: 1, dataDir: path.join(dataDir, 'pglite') });
        t = await createTestApp({ DATA_DIR: dataDir }, { database: reopened });
      }
      expect(
        (
          await t.app.inject({
            method: 'POST',
            url: '/api/v1/auth/email/verify',
            payload: { token: printed('verify_email') },
          })
        ).statusCode,
      ).toBe(204);
      const reset = await t.app.inject({
        method: 'POST',
        url: '/api/v1/auth/password/reset',
        payload: { token: printed('password_reset'), new_password: 'Outbox-reset-Passw0rd' },
      });
      expect(reset.statusCode).toBe(204);
      expect(
        (
          await t.app.inject({
            method: 'POST',
            url: '/api/v1/auth/token',
            payload: { email: u.email, password: 'Outbox-reset-Passw0rd' },
          })
        ).statusCode,
      ).toBe(200);
    } finally {
      await t.close();
      await t.database.close();
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
