import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../../../test/harness.js';
import { logIn, NO_LOGIN_THROTTLE, signUp, uniqueEmail } from '../../../../test/factories.js';
import { auditEvents } from '../../audit/audit.tables.js';
import { MAIL_BUDGET } from '../../mail/mailer.js';
import { mailOutbox } from '../../mail/mail.tables.js';
import { oneTimeTokens, users } from './accounts.tables.js';

/** API.md "Account security": `POST /auth/email/change` and `/auth/email/change/confirm`. */
let t: TestApp;
beforeAll(async () => {
  t = await createTestApp({ ...NO_LOGIN_THROTTLE, AUTH_LOCKOUT_THRESHOLD: '3', AUTH_LOCKOUT_DURATION_SECONDS: '60' });
});
afterAll(async () => t?.close());

const post = (url: string, payload: unknown, headers: Record<string, string> = {}) =>
  t.app.inject({ method: 'POST', url, payload: payload as object, headers });

async function mails(to: string, kind: string) {
  return (await t.database.db.select().from(mailOutbox).where(eq(mailOutbox.toAddress, to)))
    .filter((r) => r.kind === kind)
    .sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime());
}
async function tokenMailedTo(to: string): Promise<string> {
  const rows = await mails(to, 'email_change');
  expect(rows.length).toBeGreaterThan(0);
  return decodeURIComponent(/token=([^\s&]+)/.exec(rows.at(-1)!.bodyText)![1]);
}

describe('e-mail change', () => {
  it('mails a link to the new address and a notice to the old; confirming moves the account and ends other sessions', async () => {
    const u = await signUp(t.app);
    const other = await logIn(t.app, u);
    const next = uniqueEmail('moved');
    const asked = await post('/api/v1/auth/email/change', { new_email: next, password: u.password }, u.headers);
    expect(asked.statusCode).toBe(202);
    expect(await mails(u.email, 'email_change_notice')).toHaveLength(1);
    expect((await mails(u.email, 'email_change_notice'))[0].bodyText).not.toMatch(/token=/);
    const token = await tokenMailedTo(next);
    // Stored only as a keyed hash: the plaintext token is nowhere in the tokens table.
    const stored = await t.database.db.select().from(oneTimeTokens).where(eq(oneTimeTokens.purpose, 'email_change'));
    expect(JSON.stringify(stored)).not.toContain(token);
    // Nothing changes before the link is used.
    await logIn(t.app, u);

    expect((await post('/api/v1/auth/email/change/confirm', { token })).statusCode).toBe(204);
    const [row] = await t.database.db.select().from(users).where(eq(users.email, next));
    expect(row.emailVerifiedAt).not.toBeNull();
    // The old address no longer signs in, the new one does.
    expect((await post('/api/v1/auth/token', { email: u.email, password: u.password })).statusCode).toBe(401);
    await logIn(t.app, { email: next, password: u.password });
    // The other session's refresh token is dead, the requesting session lives on.
    const refreshed = await post('/api/v1/auth/refresh', { refresh_token: other.session.refresh_token });
    expect(refreshed.statusCode).toBe(401);
    expect((await t.app.inject({ method: 'GET', url: '/api/v1/auth/me', headers: u.headers })).json().user.email).toBe(
      next,
    );
    // Audit: requested and changed, without the token.
    const events = await t.database.db.select().from(auditEvents).where(eq(auditEvents.actorId, row.id));
    const actions = events.map((e) => e.action);
    expect(actions).toContain('auth.email_change_requested');
    expect(actions).toContain('auth.email_changed');
    expect(JSON.stringify(events)).not.toContain(token);
  });

  it('attack: the link is single use and a made-up token is refused (400 invalid_token)', async () => {
    const u = await signUp(t.app);
    const next = uniqueEmail('once');
    await post('/api/v1/auth/email/change', { new_email: next, password: u.password }, u.headers);
    const token = await tokenMailedTo(next);
    expect((await post('/api/v1/auth/email/change/confirm', { token })).statusCode).toBe(204);
    const again = await post('/api/v1/auth/email/change/confirm', { token });
    expect([again.statusCode, again.json().code]).toEqual([400, 'invalid_token']);
    const forged = await post('/api/v1/auth/email/change/confirm', { token: 'ec_made-up' });
    expect([forged.statusCode, forged.json().code]).toEqual([400, 'invalid_token']);
    // A reset token is not an e-mail change token.
    const empty = await post('/api/v1/auth/email/change/confirm', { token: '' });
    expect(empty.statusCode).toBe(422);
  });

  it('a newer request kills the older link', async () => {
    const u = await signUp(t.app);
    const first = uniqueEmail('first');
    const second = uniqueEmail('second');
    await post('/api/v1/auth/email/change', { new_email: first, password: u.password }, u.headers);
    await post('/api/v1/auth/email/change', { new_email: second, password: u.password }, u.headers);
    const stale = await post('/api/v1/auth/email/change/confirm', { token: await tokenMailedTo(first) });
    expect([stale.statusCode, stale.json().code]).toEqual([400, 'invalid_token']);
    expect((await post('/api/v1/auth/email/change/confirm', { token: await tokenMailedTo(second) })).statusCode).toBe(
      204,
    );
  });

  it('409 email_taken for an address another account holds (also when it was taken after the request)', async () => {
    const u = await signUp(t.app);
    const other = await signUp(t.app);
    const taken = await post(
      '/api/v1/auth/email/change',
      { new_email: other.email.toUpperCase(), password: u.password },
      u.headers,
    );
    expect([taken.statusCode, taken.json().code]).toEqual([409, 'email_taken']);
    const later = uniqueEmail('race');
    await post('/api/v1/auth/email/change', { new_email: later, password: u.password }, u.headers);
    const token = await tokenMailedTo(later);
    await signUp(t.app, { email: later });
    const lost = await post('/api/v1/auth/email/change/confirm', { token });
    expect([lost.statusCode, lost.json().code]).toEqual([409, 'email_taken']);
  });

  it('attack: a stolen access token guesses the password — failures count into the lockout', async () => {
    const u = await signUp(t.app);
    for (let i = 0; i < 3; i++) {
      const wrong = await post(
        '/api/v1/auth/email/change',
        { new_email: uniqueEmail('thief'), password: `wrong-${i}-Xy` },
        u.headers,
      );
      expect([wrong.statusCode, wrong.json().code]).toEqual([401, 'invalid_credentials']);
    }
    const right = await post(
      '/api/v1/auth/email/change',
      { new_email: uniqueEmail('thief'), password: u.password },
      u.headers,
    );
    expect([right.statusCode, right.json().code]).toEqual([423, 'account_locked']);
    expect(await mails(u.email, 'email_change_notice')).toHaveLength(0);
  });

  it('attack: mail flooding — the per-recipient budget refuses with 429', async () => {
    const victim = uniqueEmail('victim');
    let last = 0;
    for (let i = 0; i <= MAIL_BUDGET.perRecipientPerHour; i++) {
      const u = await signUp(t.app);
      last = (await post('/api/v1/auth/email/change', { new_email: victim, password: u.password }, u.headers))
        .statusCode;
      if (i < MAIL_BUDGET.perRecipientPerHour) expect(last).toBe(202);
    }
    expect(last).toBe(429);
    expect(await mails(victim, 'email_change')).toHaveLength(MAIL_BUDGET.perRecipientPerHour);
  });

  it('hostile input → 422, no 5xx; unauthenticated → 401', async () => {
    const u = await signUp(t.app);
    for (const body of [{}, { new_email: 'not-an-email', password: 'x' }, { new_email: 'a@b.test' }, [1, 2]]) {
      const res = await post('/api/v1/auth/email/change', body, u.headers);
      expect(res.statusCode, JSON.stringify(body)).toBe(422);
    }
    expect((await post('/api/v1/auth/email/change', { new_email: 'a@b.test', password: 'x' })).statusCode).toBe(401);
    expect((await post('/api/v1/auth/email/change/confirm', { token: 'x'.repeat(5000) })).statusCode).toBe(422);
  });
});
