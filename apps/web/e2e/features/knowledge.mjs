// Files and knowledge (issue 12): upload a PDF on the Knowledge page, watch it become ready, ask
// about it in chat with "in my files", and see the answer cite the file.
import { PDFDocument, StandardFonts } from 'pdf-lib';
import { ask, expect, signUp, waitForAnswers } from '../support.mjs';

const email = `e2e-knowledge-${Date.now()}@example.com`;

async function handbookPdf() {
  const doc = await PDFDocument.create();
  const font = await doc.embedFont(StandardFonts.Helvetica);
  for (const text of [
    'Welcome to the handbook. Read it on your first day.',
    'The pelican expense limit is forty euros per day for travel.',
  ]) {
    doc.addPage([612, 792]).drawText(text, { x: 50, y: 740, size: 11, font });
  }
  return Buffer.from(await doc.save());
}

export const journeys = [
  [
    'knowledge: upload a PDF, watch it become ready, ask about it in chat and see the citation',
    async (s) => {
      const { page, WEB } = s;
      await signUp(page, WEB, email, 'Knowledge Tester');
      await page.getByRole('link', { name: 'Knowledge', exact: true }).first().click();
      await page.getByRole('heading', { name: 'Knowledge', level: 1 }).waitFor();
      await page.getByTestId('file-input').setInputFiles({
        name: 'handbook.pdf',
        mimeType: 'application/pdf',
        buffer: await handbookPdf(),
      });
      const row = page.getByTestId('file-row').filter({ hasText: 'handbook.pdf' });
      await row.waitFor({ timeout: 20_000 });
      await row.getByTestId('file-status').filter({ hasText: 'ready' }).waitFor({ timeout: 30_000 });
      expect((await row.textContent())?.includes('chunks'), 'the ready file shows no chunk count');

      await page.getByLabel('Search your files').fill('pelican expense limit');
      await page.getByRole('button', { name: 'Search', exact: true }).click();
      await page.getByRole('list', { name: 'Search results' }).getByText('forty euros').waitFor();

      await page.getByRole('link', { name: 'Chat', exact: true }).first().click();
      await page.getByTestId('files-hint').waitFor();
      const before = await ask(page, 'What is the pelican expense limit in my files?');
      await waitForAnswers(page, before + 1);
      const answer = page.getByTestId('assistant-message').last();
      const text = (await answer.textContent()) ?? '';
      expect(text.includes('handbook.pdf'), `the answer does not cite the file: ${text}`);
      expect(text.includes('forty euros'), `the answer lacks the passage: ${text}`);
      expect((await page.getByText('file_search').count()) > 0, 'the file_search call is not shown');
    },
  ],
];
