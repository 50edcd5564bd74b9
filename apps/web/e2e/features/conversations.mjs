// Conversations, more (issue 14): feedback on an answer, a share link read signed out and revoked,
// and the export menu.
import { ask, expect, signIn, signOut, signUp, waitForAnswers } from '../support.mjs';

const email = `e2e-share-${Date.now()}@example.com`;

export const journeys = [
  [
    'rate an answer down with a comment, and it stays rated after a reload',
    async (s) => {
      const { page, WEB } = s;
      await signUp(page, WEB, email, 'Share Tester');
      const before = await ask(page, 'What time is it in Lisbon?');
      await waitForAnswers(page, before + 1);
      await page.waitForURL(/\/c\//);
      s.shareConversationUrl = page.url();
      const answer = page.getByTestId('assistant-message').last();
      await answer.getByRole('button', { name: 'Bad answer' }).click();
      await answer.getByLabel('What was wrong?').fill('It named the wrong city');
      await answer.getByRole('button', { name: 'Send feedback' }).click();
      await answer.getByRole('button', { name: 'Bad answer', pressed: true }).waitFor();
      await page.reload();
      const reloaded = page.getByTestId('assistant-message').last();
      await reloaded.getByRole('button', { name: 'Bad answer', pressed: true }).waitFor();
      await reloaded.getByText('“It named the wrong city”').waitFor();
    },
  ],
  [
    'share a conversation, open the link signed out, revoke it',
    async (s) => {
      const { page, WEB } = s;
      await page.getByRole('button', { name: 'Share' }).click();
      const dialog = page.getByRole('dialog', { name: 'Share conversation' });
      await dialog.getByRole('button', { name: 'Create link' }).click();
      const link = await dialog.getByLabel('Share link', { exact: true }).inputValue();
      expect(/\/s\/[A-Za-z0-9_-]{22}$/.test(link), `not a share link: ${link}`);

      await page.getByText('Export', { exact: true }).click();
      const md = await page.evaluate(
        (href) => fetch(href).then(async (r) => ({ type: r.headers.get('content-type'), text: await r.text() })),
        await page.getByRole('link', { name: 'Markdown (.md)' }).getAttribute('href'),
      );
      expect(md.type?.startsWith('text/markdown'), `export type ${md.type}`);
      expect(md.text.includes('What time is it in Lisbon?'), 'the export lacks the question');

      await signOut(page);
      await page.goto(link);
      await page.getByRole('heading', { name: 'What time is it in Lisbon?' }).waitFor();
      await page.getByText('read-only').waitFor();
      expect((await page.getByTestId('assistant-message').count()) === 1, 'the shared answer is missing');
      expect((await page.getByLabel('Message', { exact: true }).count()) === 0, 'a shared page has a composer');
      expect(!(await page.content()).includes(email), 'the shared page reveals the e-mail');

      await page.goto(`${WEB}/login`);
      await signIn(page, WEB, email);
      await page.goto(s.shareConversationUrl);
      await page.getByRole('button', { name: 'Share' }).click();
      await page.getByRole('dialog', { name: 'Share conversation' }).getByRole('button', { name: 'Revoke' }).click();
      await page.getByText('Link revoked.').waitFor();
      await signOut(page);
      await page.goto(link);
      await page.getByRole('heading', { name: 'This link does not work' }).waitFor();
      await page.goto(`${WEB}/login`);
      await signIn(page, WEB, email);
    },
  ],
];
