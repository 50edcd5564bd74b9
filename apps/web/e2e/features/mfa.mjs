// Account security (issue 15): turn on TOTP two-step verification in Settings → Security, then sign
// in with a code computed here from the shown secret (RFC 6238 with node:crypto), and with a
// recovery code.
import crypto from 'node:crypto';
import { expect, me, password, signOut, signUp } from '../support.mjs';

const email = `e2e-mfa-${Date.now()}@example.com`;

function base32Decode(text) {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let bits = 0;
  let value = 0;
  const out = [];
  for (const char of text.replace(/[\s=]/g, '').toUpperCase()) {
    value = (value << 5) | alphabet.indexOf(char);
    bits += 5;
    if (bits >= 8) {
      out.push((value >>> (bits - 8)) & 255);
      bits -= 8;
    }
  }
  return Buffer.from(out);
}

/** The TOTP code of `secret` (base32) `stepsAhead` 30-second steps from now: HMAC-SHA-1, 6 digits. */
function totp(secret, stepsAhead = 0) {
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(Math.floor(Date.now() / 30_000) + stepsAhead));
  const mac = crypto.createHmac('sha1', base32Decode(secret)).update(counter).digest();
  const offset = mac[mac.length - 1] & 0x0f;
  return String((mac.readUInt32BE(offset) & 0x7fffffff) % 1_000_000).padStart(6, '0');
}

const currentStep = () => Math.floor(Date.now() / 30_000);

async function passwordStep(page, WEB) {
  await page.goto(`${WEB}/login`);
  await page.getByLabel('Email', { exact: true }).fill(email);
  await page.getByLabel('Password', { exact: true }).fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
}

export const journeys = [
  [
    'mfa: turn on two-step verification in settings and keep the recovery codes',
    async (s) => {
      const { page, WEB } = s;
      await signUp(page, WEB, email, 'MFA Tester');
      await page.goto(`${WEB}/settings#security`);
      const card = page.getByTestId('mfa-card');
      await card.getByRole('button', { name: 'Set up two-step verification' }).click();
      const secret = await card.getByTestId('mfa-secret').getAttribute('data-secret');
      expect(/^[A-Z2-7]{32}$/.test(secret ?? ''), `not a base32 secret: ${secret}`);
      // The QR code is drawn in the page (an SVG data: URL), never fetched from a third party.
      const qr = await card.getByTestId('mfa-qr').getAttribute('src');
      expect(qr?.startsWith('data:image/svg+xml'), `QR code source: ${qr?.slice(0, 40)}`);
      const url = await card.getByTestId('mfa-otpauth-url').textContent();
      expect(url?.startsWith('otpauth://totp/') && url.includes(`secret=${secret}`), `otpauth URL: ${url}`);
      await card.getByLabel('Code from the app').fill(totp(secret));
      await card.getByRole('button', { name: 'Turn on' }).click();
      const list = card.getByTestId('mfa-recovery-codes');
      await list.waitFor();
      const codes = (await list.locator('li').allTextContents()).map((c) => c.trim());
      expect(codes.length === 10, `expected 10 recovery codes, got ${codes.length}`);
      s.mfa = { secret, codes };
      await card.getByRole('button', { name: 'I saved them' }).click();
      await page.locator('[data-testid="mfa-card"][data-mfa-enabled="true"]').waitFor();
      expect((await me(page)).user.mfa_enabled === true, '/auth/me does not say MFA is on');
      // Shown once: after a reload the codes are gone.
      await page.reload();
      await page.locator('[data-testid="mfa-card"][data-mfa-enabled="true"]').waitFor();
      expect((await page.getByTestId('mfa-recovery-codes').count()) === 0, 'recovery codes shown again');
    },
  ],
  [
    'mfa: sign in with a code from the authenticator',
    async (s) => {
      const { page, WEB } = s;
      await signOut(page);
      await passwordStep(page, WEB);
      const code = page.getByLabel('Authentication code');
      await code.waitFor();
      expect(page.url().includes('/login'), 'the password alone signed in');
      // The enrolment used this step's code: a code is accepted once, so use the next step's (±1 step is accepted).
      await code.fill(totp(s.mfa.secret, 1));
      s.mfa.usedStep = currentStep() + 1;
      await page.getByRole('button', { name: 'Verify' }).click();
      await page.waitForURL((u) => !u.pathname.startsWith('/login'));
      expect((await me(page)).user.email === email, 'not signed in as the MFA user');
    },
  ],
  [
    'mfa: sign in with a recovery code, which then no longer works',
    async (s) => {
      const { page, WEB } = s;
      await signOut(page);
      await passwordStep(page, WEB);
      await page.getByRole('button', { name: 'Use a recovery code' }).click();
      await page.getByLabel('Recovery code').fill(s.mfa.codes[0]);
      await page.getByRole('button', { name: 'Verify' }).click();
      await page.waitForURL((u) => !u.pathname.startsWith('/login'));
      expect((await me(page)).user.mfa_enabled === true, 'not signed in');

      await signOut(page);
      await passwordStep(page, WEB);
      await page.getByRole('button', { name: 'Use a recovery code' }).click();
      await page.getByLabel('Recovery code').fill(s.mfa.codes[0]);
      await page.getByRole('button', { name: 'Verify' }).click();
      await page.getByText('That recovery code is wrong or was already used.').waitFor();
      await page.getByLabel('Recovery code').fill(s.mfa.codes[1]);
      await page.getByRole('button', { name: 'Verify' }).click();
      await page.waitForURL((u) => !u.pathname.startsWith('/login'));
    },
  ],
  [
    'mfa: with two-step verification on, changing the e-mail address asks for a code too',
    async (s) => {
      const { page, WEB } = s;
      const moved = `e2e-mfa-moved-${Date.now()}@example.com`;
      await page.goto(`${WEB}/settings#security`);
      const card = page.getByTestId('email-change-card');
      await card.getByText(`You sign in with ${email}`).waitFor();
      const address = card.getByLabel('New e-mail address');
      await address.fill(moved);
      await card.getByLabel('Current password').fill(password);
      const code = card.getByLabel('Code from the app');
      // A wrong code is refused in the form (401 invalid_mfa_code), and the session stays.
      const good = totp(s.mfa.secret, 1);
      await code.fill(good === '000000' ? '111111' : '000000');
      if ((await address.inputValue()) !== moved) await address.fill(moved);
      await card.getByRole('button', { name: 'Change e-mail' }).click();
      await card.getByText('That code is wrong, expired or already used.').waitFor();
      expect(new URL(page.url()).pathname === '/settings', `sent away from settings: ${page.url()}`);
      expect((await me(page)).user.email === email, 'signed out by a wrong code');
      // A code is accepted once: wait for a time step after the one the sign-in used.
      while (currentStep() + 1 <= s.mfa.usedStep) await new Promise((r) => setTimeout(r, 500));
      await code.fill(totp(s.mfa.secret, 1));
      await card.getByRole('button', { name: 'Change e-mail' }).click();
      await card.getByText('Confirmation sent').waitFor();
    },
  ],
];
