// Guardrails (issue 13): an owner turns on the personal-data guardrail in Settings → Guardrails, saves,
// and sees in the test box that a card number is blocked and a key is masked; the rules survive a reload.
// Then, with the guardrail on the answer only, a chat answer carrying a card number streams, is
// blocked, and the chat replaces the partial text with a "Blocked by guardrail" notice naming it.
import { ask, expect, signUp } from '../support.mjs';

const email = `e2e-guardrails-${Date.now()}@example.com`;

export const journeys = [
  [
    'guardrails: turn on personal data, save, and try a sample in the test box',
    async (s) => {
      const { page, WEB } = s;
      await signUp(page, WEB, email, 'Guardrails Tester');

      await page.goto(`${WEB}/settings`);
      await page
        .getByRole('navigation', { name: 'Settings sections' })
        .getByRole('link', { name: 'Guardrails' })
        .click();
      await page.waitForURL(/\/settings\/guardrails$/);
      await page.getByRole('heading', { name: 'Guardrails' }).waitFor();

      // The defaults of a new workspace: secrets masked, personal data off.
      const secrets = page.locator('[data-guardrail="secrets"]');
      expect(await secrets.getByLabel('Secrets on').isChecked(), 'secrets is not on by default');
      const pii = page.locator('[data-guardrail="pii"]');
      expect(!(await pii.getByLabel('Personal data on').isChecked()), 'personal data is on by default');

      await pii.getByLabel('Personal data on').check();
      await pii.getByLabel('Personal data action').selectOption('block');
      await pii.getByLabel('Answer').check();
      await page.getByRole('button', { name: 'Save guardrails' }).click();
      await page.getByText('Guardrails saved').waitFor();

      await page.reload();
      await page.locator('[data-guardrail="pii"]').getByLabel('Personal data on').waitFor();
      expect(
        await page.locator('[data-guardrail="pii"]').getByLabel('Personal data on').isChecked(),
        'the saved rule did not survive a reload',
      );

      const sample = page.getByLabel('Sample text');
      await sample.fill('Charge card 4111 1111 1111 1111 please');
      await page.getByRole('button', { name: 'Test' }).click();
      await page.getByTestId('guardrail-test-result').getByText('Blocked').waitFor();

      await sample.fill(`my key is sk_live_${'a1B2c3D4'.repeat(3)}`);
      await page.getByRole('button', { name: 'Test' }).click();
      const result = page.getByTestId('guardrail-test-result');
      await result.getByText('my key is [STRIPE_KEY]').waitFor();

      // Only the answer is checked now: the message goes to the (offline, echoing) model, and the
      // answer that repeats the card is blocked after some of it streamed.
      await page.locator('[data-guardrail="pii"]').getByLabel('User message').uncheck();
      await page.getByRole('button', { name: 'Save guardrails' }).click();
      await page.getByText('Guardrails saved').waitFor();
      await page.goto(`${WEB}/`);
      await page.getByLabel('Message', { exact: true }).waitFor();
      await ask(page, 'Please repeat my card 4111 1111 1111 1111');
      const blocked = page.getByTestId('guardrail-blocked');
      await blocked.getByText('Blocked by guardrail').waitFor();
      const notice = await blocked.textContent();
      expect(
        notice.includes('Personal data') && notice.includes('when checking the answer'),
        `the notice does not name the guardrail and stage: ${notice}`,
      );
      const live = await page.getByTestId('live-answer').textContent();
      expect(!live.includes('4111'), `the blocked answer's text is still shown: ${live}`);
    },
  ],
];
