// Tool servers (issue 11): start a real MCP server, add it in Settings → Tool servers (no approval),
// see its tools, then ask the agent to use one in chat and read the tool's result in the answer.
// Then add it again under another name with one tool that needs approval, ask for that tool, approve
// the call in the chat's approval card, and read the result that streams in after the decision.
import { join } from 'node:path';
import { startProcess, stopProcess, waitForJsonLine } from '../servers.mjs';
import { ask, expect, signUp, waitForAnswers } from '../support.mjs';

const email = `e2e-mcp-${Date.now()}@example.com`;

export const journeys = [
  [
    'mcp: add a tool server in settings, see its tools, a chat answer uses one, and a call that needs approval is approved in the card',
    async (s) => {
      const { page, WEB, rootDir } = s;
      const server = startProcess(
        'mcp',
        join(rootDir, 'node_modules/.bin/tsx'),
        [join(rootDir, 'apps/api/test/support/mcp-server-main.ts')],
        { cwd: join(rootDir, 'apps/api'), env: {}, logFile: join(rootDir, 'apps/web/test-results/mcp.log') },
      );
      try {
        const { mcpUrl } = await waitForJsonLine(server);
        await signUp(page, WEB, email, 'Tools Tester');

        await page.goto(`${WEB}/settings`);
        await page
          .getByRole('navigation', { name: 'Settings sections' })
          .getByRole('link', { name: 'Tool servers' })
          .click();
        await page.waitForURL(/\/settings\/tools$/);
        await page.getByRole('heading', { name: 'Tool servers' }).waitFor();

        const form = page.getByRole('form', { name: 'Add a tool server' });
        await form.getByLabel('Name', { exact: true }).fill('calc');
        await form.getByLabel('URL', { exact: true }).fill(mcpUrl);
        await form.getByRole('button', { name: 'Add header' }).click();
        await form.getByLabel('Header 1 name').fill('X-Api-Key');
        await form.getByLabel('Header 1 value').fill('e2e-secret-value');
        await form.getByLabel('Approval').selectOption('never');
        await form.getByRole('button', { name: 'Add tool server' }).click();

        const row = page.getByRole('listitem', { name: 'Tool server calc' });
        await row.getByText('connected').waitFor();
        const tools = row.getByRole('list', { name: 'Tools of calc' });
        await tools.getByText('calc__add').waitFor();
        await tools.getByText('calc__echo').waitFor();
        expect((await row.getByText('headers: X-Api-Key').count()) === 1, 'the header name is not shown');
        expect((await page.getByText('e2e-secret-value').count()) === 0, 'the header value is shown');

        await row.getByRole('button', { name: 'Test connection' }).click();
        await page.getByText('calc: connected, 5 tools').waitFor();

        await page.goto(`${WEB}/`);
        await page.getByLabel('Message', { exact: true }).waitFor();
        const before = await ask(page, 'use calc__add with {"a":19,"b":23}');
        await waitForAnswers(page, before + 1);
        await page.getByTestId('tool-call').first().waitFor();
        const last = await page.getByTestId('assistant-message').last().textContent();
        expect(/The calc__add tool returned: 42/.test(last ?? ''), `the answer lacks the tool result: ${last}`);

        // The same server as `guarded`, whose echo tool needs a person's approval.
        await page.goto(`${WEB}/settings/tools`);
        const second = page.getByRole('form', { name: 'Add a tool server' });
        await second.getByLabel('Name', { exact: true }).fill('guarded');
        await second.getByLabel('URL', { exact: true }).fill(mcpUrl);
        await second.getByLabel('Approval').selectOption('tools');
        await second.getByLabel('Tools that need approval').fill('echo');
        await second.getByRole('button', { name: 'Add tool server' }).click();
        const guarded = page.getByRole('listitem', { name: 'Tool server guarded' });
        await guarded.getByText('connected').waitFor();
        const guardedTools = guarded.getByRole('list', { name: 'Tools of guarded' });
        await guardedTools.getByRole('listitem').filter({ hasText: 'guarded__echo' }).getByText('(approval)').waitFor();
        expect(
          (await guardedTools
            .getByRole('listitem')
            .filter({ hasText: 'guarded__add' })
            .getByText('(approval)')
            .count()) === 0,
          'a tool without approval is marked as needing it',
        );

        await page.goto(`${WEB}/`);
        await page.getByLabel('Message', { exact: true }).waitFor();
        const asked = await ask(page, 'use guarded__echo with {"text":"a person said yes"}');
        const card = page.getByTestId('approval-card');
        await card.getByText('guarded__echo').first().waitFor();
        await card.getByText('"text": "a person said yes"').waitFor();
        await card.getByRole('button', { name: 'Approve' }).click();
        await waitForAnswers(page, asked + 1);
        await page
          .getByTestId('assistant-message')
          .last()
          .getByText('The guarded__echo tool returned: echo: a person said yes')
          .waitFor();
        expect((await page.getByTestId('approval-card').count()) === 0, 'the card stayed after the answer');
      } finally {
        stopProcess(server);
      }
    },
  ],
];
