// The message tree (issue 14): edit a question, see the new answer, switch back to the first one
// with ‹ ›, regenerate the last answer — and the branch shown survives a reload.
import { ask, expect, signUp, waitForAnswers } from '../support.mjs';

const email = `e2e-branches-${Date.now()}@example.com`;

const settled = (page) => page.getByTestId('live-answer').waitFor({ state: 'detached', timeout: 30_000 });
// A message's text without the controls around it (version switcher, regenerate).
const clean = (t) =>
  t
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !/^[‹›]$|^\d+\/\d+$|^Version \d+ of \d+$|Regenerate/.test(l))
    .join('\n');
const texts = (locator) => locator.allInnerTexts().then((all) => all.map(clean));

export const journeys = [
  [
    'branches: ask, edit the question, switch back to the first answer with ‹ ›, regenerate',
    async (s) => {
      const { page, WEB } = s;
      await signUp(page, WEB, email, 'Branch Tester');
      const before = await ask(page, 'What time is it in Lisbon?');
      await waitForAnswers(page, before + 1);
      await page.waitForURL(/\/c\//);
      const firstAnswer = (await texts(page.getByTestId('assistant-message')))[0];

      // Edit the question: the new version and its answer replace the branch shown.
      await page.getByRole('button', { name: 'Edit message' }).first().click();
      await page.getByLabel('Edit your message').fill('Say hello in French');
      await page.getByRole('button', { name: 'Send edit' }).click();
      await page.getByTestId('user-message').filter({ hasText: 'Say hello in French' }).waitFor();
      await page.getByText('2/2', { exact: true }).waitFor({ timeout: 30_000 });
      await settled(page);
      expect((await texts(page.getByTestId('user-message'))).join('|') === 'Say hello in French', 'the edited branch');
      expect((await page.getByTestId('assistant-message').count()) === 1, 'one answer on the edited branch');

      // ‹ back to the first version: its question and its answer again.
      await page.getByRole('button', { name: 'Previous version' }).first().click();
      await page.getByTestId('user-message').filter({ hasText: 'What time is it in Lisbon?' }).waitFor();
      await page.getByText('1/2', { exact: true }).waitFor();
      expect((await texts(page.getByTestId('assistant-message')))[0] === firstAnswer, 'the first answer is back');
      // › forward and ‹ back again work the same way.
      await page.getByRole('button', { name: 'Next version' }).first().click();
      await page.getByTestId('user-message').filter({ hasText: 'Say hello in French' }).waitFor();
      await page.getByRole('button', { name: 'Previous version' }).first().click();
      await page.getByTestId('user-message').filter({ hasText: 'What time is it in Lisbon?' }).waitFor();

      // Regenerate the answer: a second version of it, the question unchanged.
      await page.getByRole('button', { name: /Regenerate/ }).click();
      await page.getByTestId('assistant-message').getByText('2/2', { exact: true }).waitFor({ timeout: 30_000 });
      await settled(page);
      expect((await page.getByTestId('assistant-message').count()) === 1, 'one answer after regenerating');
      expect((await page.getByTestId('user-message').count()) === 1, 'the question once');

      // The branch is the conversation's: a reload shows the same one.
      await page.reload();
      await page.getByTestId('user-message').filter({ hasText: 'What time is it in Lisbon?' }).waitFor();
      await page.getByTestId('assistant-message').getByText('2/2', { exact: true }).waitFor();
      await page.getByRole('button', { name: 'Previous version' }).last().click();
      await page.getByTestId('assistant-message').getByText('1/2', { exact: true }).waitFor();
      expect((await texts(page.getByTestId('assistant-message')))[0] === firstAnswer, 'the first answer');
    },
  ],
];
