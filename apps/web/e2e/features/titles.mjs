// Titles (issue 14): a new chat shows up in the sidebar as soon as it starts, and its title
// arrives live with `conversation.titled`. The sidebar's list requests are held while the answer
// streams, so what the sidebar shows can only come from the chat stream itself, not a refetch.
import { ask, expect, signUp, waitForAnswers } from '../support.mjs';

const email = `e2e-titles-${Date.now()}@example.com`;
// Longer than a title: the first 60 characters show at once, the word-cut title (offline: the
// first words, cut at a word with an ellipsis) replaces them when `conversation.titled` arrives.
const question = 'Plan a three day walking tour of Lisbon with viewpoints, pastry shops and tram rides';
const titled = 'Plan a three day walking tour of Lisbon with viewpoints…';

export const journeys = [
  [
    'a new chat is in the sidebar at once, and its title arrives live',
    async (s) => {
      const { page, WEB } = s;
      await signUp(page, WEB, email, 'Title Tester');
      await page.locator('#conversation-sidebar').getByText('No conversations yet').waitFor();

      let release;
      const held = new Promise((r) => (release = r));
      let heldRequests = 0;
      const pattern = /\/bff\/api\/conversations(\?|$)/;
      await page.route(pattern, async (route) => {
        heldRequests++;
        await held;
        await route.continue().catch(() => {});
      });
      try {
        const before = await ask(page, question);
        const sidebar = page.locator('#conversation-sidebar');
        // While the answer is still streaming, the new conversation is listed.
        await sidebar.getByText(question.slice(0, 60), { exact: true }).waitFor({ timeout: 10_000 });
        expect((await page.getByTestId('live-answer').count()) === 1, 'the answer had already finished');
        expect((await sidebar.getByText('No conversations yet').count()) === 0, 'the sidebar still says it is empty');
        await waitForAnswers(page, before + 1);
        // The title came with the stream (the list's refetches are still held).
        await sidebar.getByText(titled, { exact: true }).waitFor({ timeout: 10_000 });
        expect(heldRequests > 0, 'the sidebar never tried to refetch the list');
      } finally {
        release();
        await page.unroute(pattern);
      }
      await page.reload();
      await page.locator('#conversation-sidebar').getByText(titled, { exact: true }).waitFor();
    },
  ],
];
