// Attachments in chat (issue 12): attach a Markdown file and a PNG in the composer, send, see them on
// the message and after a reload, and the offline model's answer naming both files.
import { expect, signUp, waitForAnswers } from '../support.mjs';

const email = `e2e-attachments-${Date.now()}@example.com`;

/** A 1×1 PNG (signature, IHDR, IDAT, IEND). */
const PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==',
  'base64',
);

export const journeys = [
  [
    'attachments: attach a Markdown file and a PNG, send, see them on the message and after a reload',
    async (s) => {
      const { page, WEB } = s;
      await signUp(page, WEB, email, 'Attachment Tester');
      await page.getByLabel('Message', { exact: true }).waitFor();
      await page.getByTestId('attach-input').setInputFiles([
        {
          name: 'trip-notes.md',
          mimeType: 'text/markdown',
          buffer: Buffer.from('# Trip notes\n\nThe ferry leaves at seven from pier nine.\n'),
        },
        { name: 'pixel.png', mimeType: 'image/png', buffer: PNG },
      ]);
      const pending = page.getByTestId('pending-attachment');
      await pending.filter({ hasText: 'trip-notes.md' }).waitFor();
      await pending.filter({ hasText: 'pixel.png' }).waitFor();
      expect((await pending.filter({ hasText: 'pixel.png' }).locator('img').count()) === 1, 'no image thumbnail');
      // Both uploaded and ready (the document extracted): the chips say so and Send is enabled.
      await page.waitForFunction(
        () =>
          [...document.querySelectorAll('[data-testid="pending-attachment"]')].every(
            (el) => el.getAttribute('data-status') === 'ready',
          ),
        null,
        { timeout: 30_000 },
      );

      await page.getByLabel('Message', { exact: true }).fill('What did I send you?');
      await page.getByRole('button', { name: 'Send', exact: true }).click();
      await waitForAnswers(page, 1);
      expect((await pending.count()) === 0, 'the composer kept the sent files');

      const chips = page.getByTestId('message-attachment');
      await chips.filter({ hasText: 'trip-notes.md' }).waitFor();
      await chips.filter({ hasText: 'pixel.png' }).waitFor();
      const answer = (await page.getByTestId('assistant-message').last().textContent()) ?? '';
      expect(answer.includes('trip-notes.md'), `the answer does not name the document: ${answer}`);
      expect(answer.includes('pixel.png'), `the answer does not name the image: ${answer}`);
      expect(answer.includes('an image I received'), `the image did not reach the model: ${answer}`);

      await page.waitForURL(/\/c\//);
      await page.reload();
      await chips.filter({ hasText: 'trip-notes.md' }).waitFor();
      await chips.filter({ hasText: 'pixel.png' }).waitFor();
      // The thumbnail loads the stored image through the BFF.
      await page.waitForFunction(
        () => {
          const img = document.querySelector('[data-testid="message-attachment"] img');
          return img instanceof HTMLImageElement && img.complete && img.naturalWidth > 0;
        },
        null,
        { timeout: 10_000 },
      );
    },
  ],
];
