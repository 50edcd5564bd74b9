import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { createTestApp, type TestApp } from '../../../../../test/harness.js';
import {
  NO_LOGIN_THROTTLE,
  signUp,
  strongPassword,
  type TestUser,
  uniqueEmail,
} from '../../../../../test/factories.js';
import { totpCode } from './totp.js';

/**
 * With MFA on, every sensitive action asks for a second factor besides the password (a stolen
 * access token plus a phished password must not take the account over): password change, e-mail
 * change, account deletion and turning MFA off. On PGlite or PostgreSQL+Redis (test/harness.ts);
 * the clock moves 30 s before each code, so each code is of a fresh time step.
 */
let t: TestApp;
const realNow = Date.now.bind(Date);
let offset = 0;
beforeAll(async () => {
  t = await createTestApp({ ...NO_LOGIN_THROTTLE, AUTH_LOCKOUT_THRESHOLD: '4', AUTH_LOCKOUT_WINDOW_SECONDS: '86400' });
  vi.spyOn(Date, 'now').mockImplementation(() => realNow() + offset);
});
afterAll(async () => {
  vi.restoreAllMocks();
  await t?.close();
});
beforeEach(() => {
  offset += 60_000;
});

const inject = (method: 'POST' | 'DELETE' | 'GET', url: string, payload: object | undefined, headers: object) =>
  t.app.inject({ method, url, payload, headers: headers as Record<string, string> });

function nextCode(secret: string): string {
  offset += 30_000;
  return totpCode(secret, Math.floor(Date.now() / 1000));
}
const wrongOf = (code: string) => (code === '000000' ? '111111' : '000000');

async function withMfa(): Promise<TestUser & { secret: string; recoveryCodes: string[] }> {
  const user = await signUp(t.app);
  const { secret } = (await inject('POST', '/api/v1/auth/mfa/totp/enroll', {}, user.headers)).json();
  const verify = await inject('POST', '/api/v1/auth/mfa/totp/verify', { code: nextCode(secret) }, user.headers);
  expect(verify.statusCode).toBe(200);
  return { ...user, secret, recoveryCodes: verify.json().recovery_codes };
}

type User = Awaited<ReturnType<typeof withMfa>>;
/** Each sensitive action: its request with the password (and any second factor), and its success status. */
const ACTIONS: {
  name: string;
  method: 'POST' | 'DELETE';
  url: string;
  body: (u: User) => object;
  ok: number;
  /** What the success changed that the next request must know. */
  after?: (u: User) => void;
}[] = [
  {
    name: 'password change',
    method: 'POST',
    url: '/api/v1/auth/password/change',
    body: (u) => ({ current_password: u.password, new_password: `${u.password}!` }),
    ok: 204,
    after: (u) => {
      u.password = `${u.password}!`;
    },
  },
  {
    name: 'e-mail change',
    method: 'POST',
    url: '/api/v1/auth/email/change',
    body: (u) => ({ new_email: uniqueEmail('moved'), password: u.password }),
    ok: 202,
  },
  {
    name: 'account deletion',
    method: 'DELETE',
    url: '/api/v1/auth/me',
    body: (u) => ({ password: u.password }),
    ok: 204,
  },
];

describe.each(ACTIONS)('with MFA on, $name', (action) => {
  const send = (u: User, extra: object) =>
    inject(action.method, action.url, { ...action.body(u), ...extra }, u.headers);

  it('attack: the password alone is refused (401 mfa_required), a wrong code too (401 invalid_mfa_code); a current code passes', async () => {
    const user = await withMfa();
    const missing = await send(user, {});
    expect([missing.statusCode, missing.json().code]).toEqual([401, 'mfa_required']);
    const good = nextCode(user.secret);
    const wrong = await send(user, { code: wrongOf(good) });
    expect([wrong.statusCode, wrong.json().code]).toEqual([401, 'invalid_mfa_code']);
    const wrongRecovery = await send(user, { recovery_code: 'aaaaa-aaaaa' });
    expect([wrongRecovery.statusCode, wrongRecovery.json().code]).toEqual([401, 'invalid_mfa_code']);
    const ok = await send(user, { code: good });
    expect(ok.statusCode).toBe(action.ok);
  });

  it('attack: a code accepted once is refused the second time (replay)', async () => {
    const user = await withMfa();
    const code = nextCode(user.secret);
    // Spent by a login's second step first.
    const step = await inject('POST', '/api/v1/auth/token', { email: user.email, password: user.password }, {});
    const login = await inject('POST', '/api/v1/auth/mfa/challenge', { mfa_token: step.json().mfa_token, code }, {});
    expect(login.statusCode).toBe(200);
    const replay = await send(user, { code });
    expect([replay.statusCode, replay.json().code]).toEqual([401, 'invalid_mfa_code']);
  });

  it('a recovery code passes once, and its use is audited', async () => {
    const user = await withMfa();
    const code = user.recoveryCodes[0] as string;
    const ok = await send(user, { recovery_code: code.toUpperCase() });
    expect(ok.statusCode).toBe(action.ok);
    if (action.name === 'account deletion') return;
    action.after?.(user);
    const again = await send(user, { recovery_code: code });
    expect([again.statusCode, again.json().code]).toEqual([401, 'invalid_mfa_code']);
  });

  it('a wrong password is still 401 invalid_credentials, whatever the code', async () => {
    const user = await withMfa();
    const res = await inject(
      action.method,
      action.url,
      { ...action.body(user), ...passwordField(action.name, 'Wrong-password-123'), code: nextCode(user.secret) },
      user.headers,
    );
    expect([res.statusCode, res.json().code]).toEqual([401, 'invalid_credentials']);
  });

  it('422 for both a code and a recovery code', async () => {
    const user = await withMfa();
    const res = await send(user, { code: nextCode(user.secret), recovery_code: user.recoveryCodes[1] });
    expect([res.statusCode, res.json().code]).toEqual([422, 'validation_failed']);
  });
});

function passwordField(action: string, value: string): object {
  return action === 'password change' ? { current_password: value } : { password: value };
}

describe('the second factor of sensitive actions', () => {
  it('without MFA no code is asked for (and a code sent anyway is ignored)', async () => {
    const user = await signUp(t.app);
    const res = await inject(
      'POST',
      '/api/v1/auth/email/change',
      { new_email: uniqueEmail('moved'), password: user.password, code: '123456' },
      user.headers,
    );
    expect(res.statusCode).toBe(202);
  });

  it('attack: wrong codes count into the account lockout (423 even with the right code afterwards)', async () => {
    const user = await withMfa();
    for (let i = 0; i < 4; i++) {
      const good = nextCode(user.secret);
      const res = await inject(
        'POST',
        '/api/v1/auth/password/change',
        { current_password: user.password, new_password: strongPassword(), code: wrongOf(good) },
        user.headers,
      );
      expect(res.json().code).toBe('invalid_mfa_code');
    }
    const locked = await inject(
      'POST',
      '/api/v1/auth/password/change',
      { current_password: user.password, new_password: strongPassword(), code: nextCode(user.secret) },
      user.headers,
    );
    expect([locked.statusCode, locked.json().code]).toEqual([423, 'account_locked']);
  });

  it('turning MFA off: a code used before is refused (replay), and the password without a factor is a 422', async () => {
    const user = await withMfa();
    const used = nextCode(user.secret);
    const change = await inject(
      'POST',
      '/api/v1/auth/password/change',
      { current_password: user.password, new_password: strongPassword(), code: used },
      user.headers,
    );
    expect(change.statusCode).toBe(204);
    const replay = await inject('DELETE', '/api/v1/auth/mfa', { password: user.password, code: used }, user.headers);
    expect(replay.statusCode).toBe(401);
    const none = await inject('DELETE', '/api/v1/auth/mfa', { password: user.password }, user.headers);
    expect(none.statusCode).toBe(422);
  });

  it('regenerating recovery codes records auth.recovery_codes_regenerated; a recovery code used for an action records auth.recovery_code_used', async () => {
    const user = await withMfa();
    const regen = await inject(
      'POST',
      '/api/v1/auth/mfa/recovery-codes',
      { code: nextCode(user.secret) },
      user.headers,
    );
    expect(regen.statusCode).toBe(200);
    const events = await inject(
      'GET',
      '/api/v1/audit-events?action=auth.recovery_codes_regenerated',
      undefined,
      user.headers,
    );
    expect(events.statusCode).toBe(200);
    const items = events.json().items as { actor: { id: string }; target: { id: string }; metadata: object }[];
    expect(items).toHaveLength(1);
    expect(items[0]).toMatchObject({
      actor: { id: user.session.user_id },
      target: { id: user.session.user_id },
      metadata: { count: 10 },
    });

    const recovery = regen.json().recovery_codes[0];
    const change = await inject(
      'POST',
      '/api/v1/auth/email/change',
      { new_email: uniqueEmail('moved'), password: user.password, recovery_code: recovery },
      user.headers,
    );
    expect(change.statusCode).toBe(202);
    const used = await inject('GET', '/api/v1/audit-events?action=auth.recovery_code_used', undefined, user.headers);
    expect(used.json().items).toHaveLength(1);
    expect(used.json().items[0].metadata).toEqual({ remaining: 9 });
  });

  it('attack: a session opened with the password alone before MFA was turned on ends when it is turned on', async () => {
    const user = await signUp(t.app);
    const other = await inject('POST', '/api/v1/auth/token', { email: user.email, password: user.password }, {});
    const otherHeaders = { authorization: `Bearer ${other.json().access_token}` };
    expect((await inject('GET', '/api/v1/auth/me', undefined, otherHeaders)).statusCode).toBe(200);
    const { secret } = (await inject('POST', '/api/v1/auth/mfa/totp/enroll', {}, user.headers)).json();
    const verify = await inject('POST', '/api/v1/auth/mfa/totp/verify', { code: nextCode(secret) }, user.headers);
    expect(verify.statusCode).toBe(200);
    expect((await inject('GET', '/api/v1/auth/me', undefined, otherHeaders)).statusCode).toBe(401);
    const refresh = await inject('POST', '/api/v1/auth/refresh', { refresh_token: other.json().refresh_token }, {});
    expect(refresh.statusCode).toBe(401);
    // The session that turned it on stays.
    expect((await inject('GET', '/api/v1/auth/me', undefined, user.headers)).statusCode).toBe(200);
  });
});
