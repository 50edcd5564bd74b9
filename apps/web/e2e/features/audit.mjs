// Audit log (issue 16): an owner signs in, invites someone, and finds both actions in Settings → Audit log.
import { expect, signIn, signOut, signUp } from '../support.mjs';

const email = `e2e-audit-${Date.now()}@example.com`;
const invitee = `e2e-audit-invitee-${Date.now()}@example.com`;

export const journeys = [
  [
    'audit: sign in, invite someone, and see both in the audit log with exports',
    async (s) => {
      const { page, WEB } = s;
      await signUp(page, WEB, email, 'Audit Tester');
      await signOut(page);
      await signIn(page, WEB, email);

      await page.goto(`${WEB}/settings`);
      const team = page.locator('#team');
      await team.getByLabel('Email', { exact: true }).fill(invitee);
      await team.getByRole('button', { name: 'Send invite' }).click();
      await team.getByText(`Invitation for ${invitee}`).waitFor();

      await page
        .getByRole('navigation', { name: 'Settings sections' })
        .getByRole('link', { name: 'Audit log' })
        .click();
      await page.waitForURL(/\/settings\/audit$/);
      await page.getByRole('heading', { name: 'Audit log' }).waitFor();
      const table = page.getByRole('table', { name: 'Audit events' });
      await table.getByText('member.invited').waitFor();
      await table.getByText('auth.login', { exact: true }).first().waitFor();
      expect((await table.getByText(invitee).count()) >= 1, 'the invitation does not name the invitee');

      await page.getByLabel('Action').selectOption('auth.login');
      await page.getByTestId('audit-row').first().waitFor();
      expect((await table.getByText('member.invited').count()) === 0, 'the action filter did not filter');

      const csv = await page.evaluate(
        (href) => fetch(href).then(async (r) => ({ type: r.headers.get('content-type'), text: await r.text() })),
        await page.getByRole('link', { name: 'Export CSV' }).getAttribute('href'),
      );
      expect(csv.type?.startsWith('text/csv'), `export type ${csv.type}`);
      expect(csv.text.startsWith('id,created_at,action,'), 'the CSV has no header');
      expect(csv.text.includes(',auth.login,user,'), 'the CSV lacks the login');
    },
  ],
];
