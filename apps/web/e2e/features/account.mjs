// Account rights (issue 15): change the e-mail address through the link mailed to the new address
// (read from the run's SMTP mailbox, shared.MAIL), download my data, delete the account with the
// typed confirmation — after which signing in fails.
import { readFileSync } from 'node:fs';
import { expect, me, password, signUp, sleep } from '../support.mjs';

const first = `e2e-account-${Date.now()}@example.com`;
const moved = `e2e-account-moved-${Date.now()}@example.com`;

/**
 * The newest mail to `to` with `subject` in the run's mailbox, waiting for it to arrive. By subject:
 * the two mails of an e-mail change are sent one after the other, and the sign-up verification mail
 * to the same address is already there (CI once read it as the change notice).
 */
async function mailTo(MAIL, to, subject, timeoutMs = 20_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const mails = await (await fetch(`${MAIL}/mails?to=${encodeURIComponent(to)}`)).json();
    const mail = mails.findLast((m) => m.subject === subject);
    if (mail) return mail;
    if (Date.now() > deadline) throw new Error(`no mail "${subject}" to ${to} within ${timeoutMs} ms`);
    await sleep(200);
  }
}

/**
 * Clicks `link` and returns the download it starts. One more click if none starts: a click the page
 * swallowed while it was still settling (seen once on a loaded CI machine) is not what this tests.
 */
async function downloadFrom(page, link) {
  for (let attempt = 1; ; attempt++) {
    try {
      const [download] = await Promise.all([page.waitForEvent('download', { timeout: 10_000 }), link.click()]);
      return download;
    } catch (error) {
      if (attempt === 2) throw error;
    }
  }
}

export const journeys = [
  [
    'account: change the e-mail address through the mailed link',
    async (s) => {
      const { page, WEB, MAIL } = s;
      await signUp(page, WEB, first, 'Account Tester');
      await page.goto(`${WEB}/settings#security`);
      const card = page.getByTestId('email-change-card');
      // The card names the current address once the page has loaded the account (and hydrated):
      // typing before that can be wiped by the first client render.
      await card.getByText(`You sign in with ${first}`).waitFor();
      const address = card.getByLabel('New e-mail address');
      await address.fill(moved);
      await card.getByLabel('Current password').fill(password);
      if ((await address.inputValue()) !== moved) await address.fill(moved);
      await card.getByRole('button', { name: 'Change e-mail' }).click();
      await card.getByText('Confirmation sent').waitFor();
      const notice = await mailTo(MAIL, first, 'Your Agentry sign-in address is being changed');
      expect(!/token=/.test(notice.text), 'the notice to the old address carries a link');
      const mail = await mailTo(MAIL, moved, 'Confirm your new e-mail address');
      const link = /\/confirm-email\?token=[^\s]+/.exec(mail.text)?.[0];
      expect(link, `no confirmation link in: ${mail.text}`);
      await page.goto(`${WEB}${link}`);
      await page.getByRole('button', { name: 'Confirm new address' }).click();
      await page.getByText('E-mail address changed').waitFor();
      // The session that asked stays signed in, now under the new address.
      expect((await me(page)).user.email === moved, 'the account did not move to the new address');
    },
  ],
  [
    'account: download my data',
    async (s) => {
      const { page, WEB } = s;
      await page.goto(`${WEB}/settings#your-data`);
      const card = page.getByTestId('your-data-card');
      // The confirmation label names the address once the account has loaded: by then the cards
      // above have their final height, so the click cannot land where the link was a moment ago.
      await card.getByLabel(`Type ${moved} to confirm`).waitFor();
      const link = card.getByRole('link', { name: 'Download my data' });
      await link.scrollIntoViewIfNeeded();
      const download = await downloadFrom(page, link);
      expect(
        /^agentry-account-\d{4}-\d{2}-\d{2}\.json$/.test(download.suggestedFilename()),
        download.suggestedFilename(),
      );
      const body = JSON.parse(readFileSync(await download.path(), 'utf8'));
      expect(body.format === 'agentry.account-export.v1', 'not an account export');
      expect(body.user.email === moved, `export names ${body.user.email}`);
      expect(body.tables.memberships.length === 1, 'the membership is missing from the export');
      expect(!JSON.stringify(body).includes('password_hash'), 'the export holds the password hash');
    },
  ],
  [
    'account: delete the account with the typed confirmation, then signing in fails',
    async (s) => {
      const { page, WEB } = s;
      await page.goto(`${WEB}/settings#your-data`);
      const card = page.getByTestId('your-data-card');
      const remove = card.getByRole('button', { name: 'Delete my account' });
      await card.getByLabel('Password', { exact: true }).fill(password);
      expect(await remove.isDisabled(), 'deletion allowed without the typed confirmation');
      await card.getByLabel(`Type ${moved} to confirm`).fill('not the address');
      expect(await remove.isDisabled(), 'deletion allowed with a wrong confirmation');
      await card.getByLabel(`Type ${moved} to confirm`).fill(moved);
      await remove.click();
      await page.waitForURL(/\/login/);
      await page.getByLabel('Email', { exact: true }).fill(moved);
      await page.getByLabel('Password', { exact: true }).fill(password);
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.getByRole('alert').first().waitFor();
      expect(page.url().includes('/login'), 'a deleted account signed in');
    },
  ],
];
