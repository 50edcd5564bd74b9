import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { MailOutboxRepo } from '../../mail/mail.repo.js';
import { MAIL_BUDGET } from '../../mail/mailer.js';
import { UsersRepo } from './users.repo.js';
import { createTestApp, type TestApp } from '../../../../test/harness.js';
import { logIn, NO_LOGIN_THROTTLE, signUp, strongPassword, uniqueEmail } from '../../../../test/factories.js';

/** The holes a hostile review of issue 15 found; each test fails without its fix. */
let t: TestApp;
beforeAll(async () => {
  t = await createTestApp({ ...NO_LOGIN_THROTTLE, AUTH_LOCKOUT_THRESHOLD: '3', AUTH_LOCKOUT_DURATION_SECONDS: '60' });
});
afterAll(async () => t?.close());

/** The tokens mailed to `email` for `kind`, oldest first. */
async function mailedTokens(email: string, kind: string): Promise<string[]> {
  const { mailOutbox } = await import('../../mail/mail.tables.js');
  const rows = (await t.database.db.select().from(mailOutbox))
    .filter((r) => r.toAddress === email && r.kind === kind)
    .sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime());
  return rows.map((r) => decodeURIComponent(/token=([^\s&]+)/.exec(r.bodyText)![1]));
}

const post = (url: string, payload: unknown, headers: Record<string, string> = {}) =>
  t.app.inject({ method: 'POST', url, payload: payload as object, headers });

describe('password change', () => {
  it('attack: a stolen access token guesses the password — wrong current passwords count into the lockout', async () => {
    const u = await signUp(t.app);
    for (let i = 0; i < 3; i++) {
      const wrong = await post(
        '/api/v1/auth/password/change',
        { current_password: `wrong-guess-${i}-Xy`, new_password: 'Another-Str0ng-1' },
        u.headers,
      );
      expect([wrong.statusCode, wrong.json().code]).toEqual([401, 'invalid_credentials']);
    }
    // Locked now: even the right current password is refused, and so is a login.
    const right = await post(
      '/api/v1/auth/password/change',
      { current_password: u.password, new_password: 'Another-Str0ng-1' },
      u.headers,
    );
    expect([right.statusCode, right.json().code]).toEqual([423, 'account_locked']);
    expect(Number(right.headers['retry-after'])).toBeGreaterThan(0);
    const login = await post('/api/v1/auth/token', { email: u.email, password: u.password });
    expect([login.statusCode, login.json().code]).toEqual([423, 'account_locked']);
  });

  it('a right current password still works below the threshold', async () => {
    const u = await signUp(t.app);
    const wrong = await post(
      '/api/v1/auth/password/change',
      { current_password: 'wrong-guess-Xy1', new_password: 'Another-Str0ng-1' },
      u.headers,
    );
    expect(wrong.statusCode).toBe(401);
    const ok = await post(
      '/api/v1/auth/password/change',
      { current_password: u.password, new_password: 'Another-Str0ng-1' },
      u.headers,
    );
    expect(ok.statusCode).toBe(204);
    await logIn(t.app, { email: u.email, password: 'Another-Str0ng-1' });
  });
});

describe('password reset', () => {
  it('attack: an older reset link from a leaked mail — issuing a new link kills the older ones', async () => {
    const u = await signUp(t.app);
    expect((await post('/api/v1/auth/password/forgot', { email: u.email })).statusCode).toBe(202);
    expect((await post('/api/v1/auth/password/forgot', { email: u.email })).statusCode).toBe(202);
    const [older, newer] = await mailedTokens(u.email, 'password_reset');
    const stale = await post('/api/v1/auth/password/reset', { token: older, new_password: 'Reset-with-old-Passw0rd' });
    expect([stale.statusCode, stale.json().code]).toEqual([400, 'invalid_token']);
    const ok = await post('/api/v1/auth/password/reset', { token: newer, new_password: 'Reset-with-new-Passw0rd' });
    expect(ok.statusCode).toBe(204);
  });

  it('attack: an older link used after a newer one was used — a reset kills every pending link', async () => {
    const u = await signUp(t.app);
    await post('/api/v1/auth/password/forgot', { email: u.email });
    const [first] = await mailedTokens(u.email, 'password_reset');
    // A link issued and then left behind (e.g. by a race that inserted it) must not outlive a reset.
    const { oneTimeTokens } = await import('./accounts.tables.js');
    const { keyedHash } = await import('../../../platform/crypto.js');
    const [{ userId }] = await t.database.db
      .select({ userId: oneTimeTokens.userId })
      .from(oneTimeTokens)
      .where(
        (await import('drizzle-orm')).eq(
          oneTimeTokens.tokenHash,
          keyedHash(t.config.auth.refreshTokenPepper, `one-time:${first}`),
        ),
      );
    const sibling = `pr_sibling_${Date.now()}`;
    await t.database.db.insert(oneTimeTokens).values({
      userId,
      purpose: 'password_reset',
      tokenHash: keyedHash(t.config.auth.refreshTokenPepper, `one-time:${sibling}`),
      expiresAt: new Date(Date.now() + 3600_000),
    });
    expect(
      (await post('/api/v1/auth/password/reset', { token: first, new_password: 'First-reset-Passw0rd' })).statusCode,
    ).toBe(204);
    const late = await post('/api/v1/auth/password/reset', { token: sibling, new_password: 'Second-reset-Passw0rd' });
    expect([late.statusCode, late.json().code]).toEqual([400, 'invalid_token']);
  });

  it('a weak new password is refused before the token is consumed (the link still works)', async () => {
    const u = await signUp(t.app);
    await post('/api/v1/auth/password/forgot', { email: u.email });
    const [token] = await mailedTokens(u.email, 'password_reset');
    const weak = await post('/api/v1/auth/password/reset', { token, new_password: 'password1234' });
    expect([weak.statusCode, weak.json().code]).toEqual([422, 'validation_failed']);
    expect(
      (await post('/api/v1/auth/password/reset', { token, new_password: 'Strong-after-Passw0rd' })).statusCode,
    ).toBe(204);
  });
});

describe('forgot-password', () => {
  /** The repository calls (SQL statements) a request makes, by method name, in order. */
  async function traced(run: () => Promise<unknown>): Promise<string[]> {
    const calls: string[] = [];
    const spies = [UsersRepo.prototype, MailOutboxRepo.prototype].flatMap((proto) =>
      Object.getOwnPropertyNames(proto)
        .filter((name) => name !== 'constructor')
        .map((name) => {
          const original = (proto as unknown as Record<string, (...a: unknown[]) => unknown>)[name]!;
          const spy = vi.spyOn(proto as unknown as Record<string, (...a: unknown[]) => unknown>, name);
          spy.mockImplementation(function (this: unknown, ...args: unknown[]) {
            calls.push(`${proto.constructor.name}.${name}`);
            return original.apply(this, args);
          });
          return spy;
        }),
    );
    try {
      await run();
    } finally {
      for (const spy of spies) spy.mockRestore();
    }
    return calls;
  }

  it('attack: timing reveals whether an account exists — known and unknown addresses run the same statements', async () => {
    const u = await signUp(t.app);
    const ghost = `ghost-${Date.now()}@example.test`;
    const forKnown = await traced(async () =>
      expect((await post('/api/v1/auth/password/forgot', { email: u.email })).statusCode).toBe(202),
    );
    const forUnknown = await traced(async () =>
      expect((await post('/api/v1/auth/password/forgot', { email: ghost })).statusCode).toBe(202),
    );
    expect(forKnown.length).toBeGreaterThan(2);
    expect(forUnknown).toEqual(forKnown);
    // …and still: a mail and a live token only for the real account.
    expect(await mailedTokens(u.email, 'password_reset')).toHaveLength(1);
    expect(await mailedTokens(ghost, 'password_reset')).toHaveLength(0);
  });
});

describe('REQUIRE_EMAIL_VERIFICATION=true: register, login and refresh answer 403 email_not_verified alike', () => {
  let v: TestApp;
  beforeAll(async () => {
    v = await createTestApp({ ...NO_LOGIN_THROTTLE, REQUIRE_EMAIL_VERIFICATION: 'true' });
  }, 120_000);
  afterAll(async () => v?.close());
  const vpost = (url: string, payload: unknown, headers: Record<string, string> = {}) =>
    v.app.inject({ method: 'POST', url, payload: payload as object, headers });
  async function verifyToken(email: string) {
    const { mailOutbox } = await import('../../mail/mail.tables.js');
    const row = (await v.database.db.select().from(mailOutbox)).find(
      (r) => r.toAddress === email && r.kind === 'verify_email',
    );
    return row ? decodeURIComponent(/token=([^\s&]+)/.exec(row.bodyText)![1]) : null;
  }

  it('attack: register hands an unverified user a working session — now 403, no tokens; login too until verified', async () => {
    const email = uniqueEmail('unverified');
    const password = strongPassword();
    const reg = await vpost('/api/v1/auth/register', { email, password });
    expect([reg.statusCode, reg.json().code]).toEqual([403, 'email_not_verified']);
    expect(reg.body).not.toMatch(/access_token|refresh_token/);
    expect(reg.json().detail).toMatch(/password\/forgot/); // how to get a new link
    const login = await vpost('/api/v1/auth/token', { email, password });
    expect([login.statusCode, login.json().code]).toEqual([403, 'email_not_verified']);
    // The account exists and its verification mail went out: verifying lets the user in.
    const token = await verifyToken(email);
    expect(token).toBeTruthy();
    expect((await vpost('/api/v1/auth/email/verify', { token })).statusCode).toBe(204);
    expect((await vpost('/api/v1/auth/token', { email, password })).statusCode).toBe(200);
  });

  it('attack: refresh keeps an unverified session alive — now 403 email_not_verified and the session ends', async () => {
    const email = uniqueEmail('unverified');
    const password = strongPassword();
    await vpost('/api/v1/auth/register', { email, password });
    await vpost('/api/v1/auth/email/verify', { token: await verifyToken(email) });
    const session = (await vpost('/api/v1/auth/token', { email, password })).json();
    // A session of an address that is (no longer) verified, e.g. opened before the flag was on.
    const { users } = await import('./accounts.tables.js');
    const { eq, sql } = await import('drizzle-orm');
    await v.database.db
      .update(users)
      .set({ emailVerifiedAt: null })
      .where(eq(sql`lower(${users.email})`, email.toLowerCase()));
    const refreshed = await vpost('/api/v1/auth/refresh', { refresh_token: session.refresh_token });
    expect([refreshed.statusCode, refreshed.json().code]).toEqual([403, 'email_not_verified']);
    const me = await v.app.inject({
      method: 'GET',
      url: '/api/v1/auth/me',
      headers: { authorization: `Bearer ${session.access_token}` },
    });
    expect(me.statusCode).toBe(401);
  });
});

describe('mail the product sends on a user request is budgeted', () => {
  it('attack: POST /auth/email/verify/send floods a mailbox — 429 past the per-recipient budget', async () => {
    const u = await signUp(t.app);
    const codes = [];
    for (let i = 0; i <= MAIL_BUDGET.perRecipientPerHour; i++)
      codes.push(
        (await t.app.inject({ method: 'POST', url: '/api/v1/auth/email/verify/send', headers: u.headers })).statusCode,
      );
    expect(codes).toEqual([...Array(MAIL_BUDGET.perRecipientPerHour).fill(202), 429]);
    const refused = await t.app.inject({ method: 'POST', url: '/api/v1/auth/email/verify/send', headers: u.headers });
    expect([refused.statusCode, refused.json().code, refused.json().details.quota]).toEqual([
      429,
      'rate_limited',
      'mail_per_recipient',
    ]);
    expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
  });

  const invite = (headers: Record<string, string>, email: string) =>
    t.app.inject({
      method: 'POST',
      url: '/api/v1/tenants/current/invitations',
      headers,
      payload: { email, role: 'member' },
    });

  it('attack: invitations mail one address over and over (from several tenants) — 429 per recipient', async () => {
    const victim = uniqueEmail('victim');
    const codes = [];
    for (let i = 0; i <= MAIL_BUDGET.perRecipientPerHour; i++) {
      const owner = await signUp(t.app); // a fresh account and tenant each time: only the recipient is shared
      codes.push((await invite(owner.headers, victim)).statusCode);
    }
    expect(codes.at(-1)).toBe(429);
    expect(codes.slice(0, -1)).not.toContain(429);
  });

  it('attack: one user sends invitations to many addresses — 429 per sender', async () => {
    const owner = await signUp(t.app);
    let last = 0;
    for (let i = 0; i <= MAIL_BUDGET.perSenderPerHour; i++)
      last = (await invite(owner.headers, uniqueEmail('target'))).statusCode;
    // (Earlier ones may be refused by the seat limit; they count as attempts all the same.)
    expect(last).toBe(429);
    const res = await invite(owner.headers, uniqueEmail('target'));
    expect(res.json().details.quota).toBe('mail_per_sender');
  });

  it('user-supplied text stays out of subjects: the invitation subject does not carry the tenant name', async () => {
    const owner = await signUp(t.app, { tenant_name: 'URGENT pay invoice at evil.example' });
    const guest = uniqueEmail('guest');
    await invite(owner.headers, guest);
    const { mailOutbox } = await import('../../mail/mail.tables.js');
    const mail = (await t.database.db.select().from(mailOutbox)).find((r) => r.toAddress === guest)!;
    expect(mail.subject).toBe('You are invited to a workspace on Agentry');
    expect(mail.subject).not.toContain('evil');
  });
});
