// Approvals (issue 11): the agent asks to use a tool that needs a person's approval (the built-in
// send_notification), the chat shows the approval card, it survives a reload, the header badge
// counts it, and after Approve the rest of the answer streams in.
import { ask, expect, signUp, waitForAnswers } from '../support.mjs';

const email = `e2e-approvals-${Date.now()}@example.com`;

export const journeys = [
  [
    'approvals: approve a tool call from the card after a reload, and the answer streams in',
    async (s) => {
      const { page, WEB } = s;
      await signUp(page, WEB, email, 'Approval Tester');
      const before = await ask(page, 'use send_notification with {"message": "the deploy finished"}');
      const card = page.getByTestId('approval-card');
      await card.getByRole('button', { name: 'Approve' }).waitFor();
      await card.getByText('"message": "the deploy finished"').waitFor();
      await page.waitForURL(/\/c\//);
      await page.getByTestId('approvals-badge').getByText('1').waitFor();

      // The run waits in the API, not in this page: after a reload the card is still there.
      await page.reload();
      const again = page.getByTestId('approval-card');
      await again.getByRole('button', { name: 'Approve' }).waitFor();
      await page.getByTestId('approvals-badge').waitFor();

      await again.getByRole('button', { name: 'Approve' }).click();
      await waitForAnswers(page, before + 1);
      const answer = page.getByTestId('assistant-message').last();
      await answer
        .getByText('The send_notification tool returned: Notification recorded: the deploy finished')
        .waitFor();
      await page.getByTestId('approvals-badge').waitFor({ state: 'detached' });
      expect((await page.getByTestId('approval-card').count()) === 0, 'the card stayed after the answer');
    },
  ],
];
