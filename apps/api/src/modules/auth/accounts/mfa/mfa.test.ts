import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { createTestApp, type TestApp } from '../../../../../test/harness.js';
import { bearer, NO_LOGIN_THROTTLE, signUp, type TestUser } from '../../../../../test/factories.js';
import { mfaRecoveryCodes, userMfa } from './mfa.tables.js';
import { totpCode } from './totp.js';

/**
 * TOTP MFA end to end through the HTTP API, on PGlite or PostgreSQL+Redis (test/harness.ts). The
 * clock is moved forward 30 s before each code, so every code is of a fresh time step (a step is
 * accepted once); the server reads the same `Date.now`.
 */
let t: TestApp;
const realNow = Date.now.bind(Date);
let offset = 0;
beforeAll(async () => {
  t = await createTestApp({
    ...NO_LOGIN_THROTTLE,
    AUTH_LOCKOUT_THRESHOLD: '8',
    AUTH_LOCKOUT_WINDOW_SECONDS: '86400',
  });
  vi.spyOn(Date, 'now').mockImplementation(() => realNow() + offset);
});
afterAll(async () => {
  vi.restoreAllMocks();
  await t?.close();
});
beforeEach(() => {
  offset += 60_000;
});

const inject = (method: 'POST' | 'DELETE' | 'GET', url: string, payload?: object, headers: object = {}) =>
  t.app.inject({ method, url, payload, headers: headers as Record<string, string> });
const post = (url: string, payload?: object, headers: object = {}) => inject('POST', url, payload ?? {}, headers);

/** The code of the next time step (moves the clock 30 s). */
function nextCode(secret: string): string {
  offset += 30_000;
  return totpCode(secret, Math.floor(Date.now() / 1000));
}

/** A signed-up user with MFA on: its secret and recovery codes. */
async function withMfa(): Promise<TestUser & { secret: string; recoveryCodes: string[] }> {
  const user = await signUp(t.app);
  const enroll = await post('/api/v1/auth/mfa/totp/enroll', undefined, user.headers);
  expect(enroll.statusCode).toBe(200);
  const { secret } = enroll.json();
  const verify = await post('/api/v1/auth/mfa/totp/verify', { code: nextCode(secret) }, user.headers);
  expect(verify.statusCode).toBe(200);
  return { ...user, secret, recoveryCodes: verify.json().recovery_codes };
}

async function passwordStep(user: { email: string; password: string }): Promise<string> {
  const res = await post('/api/v1/auth/token', { email: user.email, password: user.password });
  expect(res.statusCode).toBe(202);
  return res.json().mfa_token;
}

describe('enrolment', () => {
  it('enroll answers a secret and otpauth URL; a wrong first code is refused; the right one turns MFA on with 10 codes', async () => {
    const user = await signUp(t.app);
    const me = await inject('GET', '/api/v1/auth/me', undefined, user.headers);
    expect(me.json().user.mfa_enabled).toBe(false);
    const enroll = await post('/api/v1/auth/mfa/totp/enroll', undefined, user.headers);
    expect(enroll.statusCode).toBe(200);
    const { secret, otpauth_url } = enroll.json();
    expect(secret).toMatch(/^[A-Z2-7]{32}$/);
    expect(new URL(otpauth_url).searchParams.get('secret')).toBe(secret);
    // Not active until verified: login still answers a session.
    expect((await post('/api/v1/auth/token', { email: user.email, password: user.password })).statusCode).toBe(200);

    const good = nextCode(secret);
    const wrong = good === '000000' ? '111111' : '000000';
    const bad = await post('/api/v1/auth/mfa/totp/verify', { code: wrong }, user.headers);
    expect([bad.statusCode, bad.json().code]).toEqual([401, 'invalid_mfa_code']);
    const ok = await post('/api/v1/auth/mfa/totp/verify', { code: good }, user.headers);
    expect(ok.statusCode).toBe(200);
    const codes: string[] = ok.json().recovery_codes;
    expect(codes).toHaveLength(10);
    expect(new Set(codes).size).toBe(10);
    for (const code of codes) expect(code).toMatch(/^[a-z2-7]{5}-[a-z2-7]{5}$/);
    expect((await inject('GET', '/api/v1/auth/me', undefined, user.headers)).json().user.mfa_enabled).toBe(true);
  });

  it('409 conflict: enroll while MFA is on, and verify twice', async () => {
    const user = await withMfa();
    const again = await post('/api/v1/auth/mfa/totp/enroll', undefined, user.headers);
    expect([again.statusCode, again.json().code]).toEqual([409, 'conflict']);
    const verify = await post('/api/v1/auth/mfa/totp/verify', { code: nextCode(user.secret) }, user.headers);
    expect([verify.statusCode, verify.json().code]).toEqual([409, 'conflict']);
  });

  it('the secret is sealed at rest (bound to the user) and recovery codes are stored only hashed', async () => {
    const user = await withMfa();
    const userId = user.session.user_id;
    const [row] = await t.database.db.select().from(userMfa).where(eq(userMfa.userId, userId));
    expect(row!.secretSealed).not.toContain(user.secret);
    expect(row!.secretSealed).toMatch(/^v\d+\./);
    const stored = await t.database.db.select().from(mfaRecoveryCodes).where(eq(mfaRecoveryCodes.userId, userId));
    expect(stored).toHaveLength(10);
    const dump = JSON.stringify(stored);
    for (const code of user.recoveryCodes) {
      expect(dump).not.toContain(code);
      expect(dump).not.toContain(code.replace('-', ''));
    }
  });

  it('422 for a code that is not 6 digits; service accounts and the unauthenticated are refused', async () => {
    const user = await signUp(t.app);
    const res = await post('/api/v1/auth/mfa/totp/verify', { code: 'abcdef' }, user.headers);
    expect([res.statusCode, res.json().code]).toEqual([422, 'validation_failed']);
    expect((await post('/api/v1/auth/mfa/totp/enroll')).statusCode).toBe(401);
  });
});

describe('login with MFA on', () => {
  it('the password answers 202 with an mfa_token and no session; the code answers the session', async () => {
    const user = await withMfa();
    const res = await post('/api/v1/auth/token', { email: user.email, password: user.password });
    expect(res.statusCode).toBe(202);
    const body = res.json();
    expect(body).toEqual({
      mfa_required: true,
      mfa_token: expect.any(String),
      expires_at: expect.any(String),
      methods: ['totp', 'recovery_code'],
    });
    expect(body.access_token).toBeUndefined();
    const ttl = Date.parse(body.expires_at) - Date.now();
    expect(ttl).toBeGreaterThan(290_000);
    expect(ttl).toBeLessThanOrEqual(300_000);

    const session = await post('/api/v1/auth/mfa/challenge', {
      mfa_token: body.mfa_token,
      code: nextCode(user.secret),
    });
    expect(session.statusCode).toBe(200);
    expect(session.json().user_id).toBe(user.session.user_id);
    const me = await inject('GET', '/api/v1/auth/me', undefined, bearer(session.json().access_token));
    expect([me.statusCode, me.json().user.mfa_enabled]).toEqual([200, true]);
  });

  it('attack: a replayed code (already accepted once) is refused', async () => {
    const user = await withMfa();
    const code = nextCode(user.secret);
    const first = await post('/api/v1/auth/mfa/challenge', { mfa_token: await passwordStep(user), code });
    expect(first.statusCode).toBe(200);
    const replay = await post('/api/v1/auth/mfa/challenge', { mfa_token: await passwordStep(user), code });
    expect([replay.statusCode, replay.json().code]).toEqual([401, 'invalid_mfa_code']);
    // The code of an earlier step than the last accepted one is refused too.
    const earlier = totpCode(user.secret, Math.floor(Date.now() / 1000) - 30);
    const older = await post('/api/v1/auth/mfa/challenge', { mfa_token: await passwordStep(user), code: earlier });
    expect([older.statusCode, older.json().code]).toEqual([401, 'invalid_mfa_code']);
  });

  it('attack: the same code sent concurrently opens one session', async () => {
    const user = await withMfa();
    const code = nextCode(user.secret);
    const tokens = await Promise.all([passwordStep(user), passwordStep(user), passwordStep(user)]);
    const answers = await Promise.all(
      tokens.map((mfa_token) => post('/api/v1/auth/mfa/challenge', { mfa_token, code })),
    );
    expect(answers.map((a) => a.statusCode).sort()).toEqual([200, 401, 401]);
  });

  it('attack: an mfa_token is single use', async () => {
    const user = await withMfa();
    const token = await passwordStep(user);
    expect(
      (await post('/api/v1/auth/mfa/challenge', { mfa_token: token, code: nextCode(user.secret) })).statusCode,
    ).toBe(200);
    const again = await post('/api/v1/auth/mfa/challenge', { mfa_token: token, code: nextCode(user.secret) });
    expect([again.statusCode, again.json().code]).toEqual([401, 'invalid_token']);
    const forged = await post('/api/v1/auth/mfa/challenge', { mfa_token: 'mfa_forged', code: '123456' });
    expect([forged.statusCode, forged.json().code]).toEqual([401, 'invalid_token']);
  });

  it('an mfa_token expires after 5 minutes', async () => {
    const user = await withMfa();
    const token = await passwordStep(user);
    offset += 301_000;
    const late = await post('/api/v1/auth/mfa/challenge', { mfa_token: token, code: nextCode(user.secret) });
    expect([late.statusCode, late.json().code]).toEqual([401, 'invalid_token']);
  });

  it('attack: brute force — the token dies after 5 wrong codes, and wrong codes count into the account lockout', async () => {
    const user = await withMfa();
    const good = () => nextCode(user.secret);
    const wrongFor = (code: string) => String((Number(code) + 500_000) % 1_000_000).padStart(6, '0');
    const token = await passwordStep(user);
    for (let i = 0; i < 5; i++) {
      const res = await post('/api/v1/auth/mfa/challenge', { mfa_token: token, code: wrongFor(good()) });
      expect([res.statusCode, res.json().code]).toEqual([401, 'invalid_mfa_code']);
    }
    const dead = await post('/api/v1/auth/mfa/challenge', { mfa_token: token, code: good() });
    expect([dead.statusCode, dead.json().code]).toEqual([401, 'invalid_token']);

    // A fresh token does not reset the count: 3 more wrong codes reach the lockout threshold (8).
    const second = await passwordStep(user);
    for (let i = 0; i < 3; i++)
      expect(
        (await post('/api/v1/auth/mfa/challenge', { mfa_token: second, code: wrongFor(good()) })).json().code,
      ).toBe('invalid_mfa_code');
    const locked = await post('/api/v1/auth/mfa/challenge', { mfa_token: second, code: good() });
    expect([locked.statusCode, locked.json().code]).toEqual([423, 'account_locked']);
    const login = await post('/api/v1/auth/token', { email: user.email, password: user.password });
    expect([login.statusCode, login.json().code]).toEqual([423, 'account_locked']);
  });

  it('a recovery code logs in once (any case, with or without the hyphen); reused it is refused', async () => {
    const user = await withMfa();
    const [code] = user.recoveryCodes as [string];
    const res = await post('/api/v1/auth/mfa/challenge', {
      mfa_token: await passwordStep(user),
      recovery_code: ` ${code.toUpperCase().replace('-', '')} `,
    });
    expect(res.statusCode).toBe(200);
    const reused = await post('/api/v1/auth/mfa/challenge', {
      mfa_token: await passwordStep(user),
      recovery_code: code,
    });
    expect([reused.statusCode, reused.json().code]).toEqual([401, 'invalid_mfa_code']);
    // Another user's code does not work for this user.
    const other = await withMfa();
    const foreign = await post('/api/v1/auth/mfa/challenge', {
      mfa_token: await passwordStep(user),
      recovery_code: other.recoveryCodes[0],
    });
    expect([foreign.statusCode, foreign.json().code]).toEqual([401, 'invalid_mfa_code']);
  });

  it('422 for both or neither of code and recovery_code', async () => {
    const both = await post('/api/v1/auth/mfa/challenge', {
      mfa_token: 'x',
      code: '123456',
      recovery_code: 'abcde-fghij',
    });
    expect([both.statusCode, both.json().code]).toEqual([422, 'validation_failed']);
    const neither = await post('/api/v1/auth/mfa/challenge', { mfa_token: 'x' });
    expect([neither.statusCode, neither.json().code]).toEqual([422, 'validation_failed']);
  });
});

describe('recovery codes and turning MFA off', () => {
  it('regenerating needs a TOTP code; the old codes stop working, the new ones work', async () => {
    const user = await withMfa();
    const bad = await post('/api/v1/auth/mfa/recovery-codes', { code: '000000' }, user.headers);
    expect([bad.statusCode, bad.json().code]).toEqual([401, 'invalid_mfa_code']);
    const res = await post('/api/v1/auth/mfa/recovery-codes', { code: nextCode(user.secret) }, user.headers);
    expect(res.statusCode).toBe(200);
    const fresh: string[] = res.json().recovery_codes;
    expect(fresh).toHaveLength(10);
    const old = await post('/api/v1/auth/mfa/challenge', {
      mfa_token: await passwordStep(user),
      recovery_code: user.recoveryCodes[1],
    });
    expect([old.statusCode, old.json().code]).toEqual([401, 'invalid_mfa_code']);
    const ok = await post('/api/v1/auth/mfa/challenge', {
      mfa_token: await passwordStep(user),
      recovery_code: fresh[0],
    });
    expect(ok.statusCode).toBe(200);
  });

  it('disable needs the right password and a right code; then login answers a session again', async () => {
    const user = await withMfa();
    const wrongPassword = await inject(
      'DELETE',
      '/api/v1/auth/mfa',
      { password: 'not-the-Passw0rd', code: nextCode(user.secret) },
      user.headers,
    );
    expect([wrongPassword.statusCode, wrongPassword.json().code]).toEqual([401, 'invalid_credentials']);
    const good = nextCode(user.secret);
    const wrongCode = await inject(
      'DELETE',
      '/api/v1/auth/mfa',
      { password: user.password, code: good === '000000' ? '111111' : '000000' },
      user.headers,
    );
    expect([wrongCode.statusCode, wrongCode.json().code]).toEqual([401, 'invalid_mfa_code']);
    const wrongRecovery = await inject(
      'DELETE',
      '/api/v1/auth/mfa',
      { password: user.password, recovery_code: 'aaaaa-aaaaa' },
      user.headers,
    );
    expect([wrongRecovery.statusCode, wrongRecovery.json().code]).toEqual([401, 'invalid_mfa_code']);
    expect((await inject('GET', '/api/v1/auth/me', undefined, user.headers)).json().user.mfa_enabled).toBe(true);

    const off = await inject('DELETE', '/api/v1/auth/mfa', { password: user.password, code: good }, user.headers);
    expect(off.statusCode).toBe(204);
    expect((await inject('GET', '/api/v1/auth/me', undefined, user.headers)).json().user.mfa_enabled).toBe(false);
    expect((await post('/api/v1/auth/token', { email: user.email, password: user.password })).statusCode).toBe(200);
    const again = await inject('DELETE', '/api/v1/auth/mfa', { password: user.password, code: good }, user.headers);
    expect([again.statusCode, again.json().code]).toEqual([409, 'conflict']);
  });

  it('disable with a recovery code (lost device)', async () => {
    const user = await withMfa();
    const off = await inject(
      'DELETE',
      '/api/v1/auth/mfa',
      { password: user.password, recovery_code: user.recoveryCodes[3] },
      user.headers,
    );
    expect(off.statusCode).toBe(204);
  });
});
