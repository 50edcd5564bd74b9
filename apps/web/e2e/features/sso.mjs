// Single sign-on (issue 15): an owner configures the workspace's OpenID Connect provider in
// Settings → Security (a real oidc-provider on loopback, apps/api/test/support/oidc-idp-server.ts),
// then a new colleague with an address in the allowed domain signs in with "Continue with SSO":
// the browser goes through the IdP and the API's callback, the BFF trades the login code for the
// session cookies, and the colleague lands in the app as a member of that workspace.
import { join } from 'node:path';
import { startProcess, stopProcess, waitForJsonLine } from '../servers.mjs';
import { expect, me, signOut, signUp } from '../support.mjs';

const stamp = Date.now();
const owner = `e2e-sso-owner-${stamp}@example.com`;
const domain = `sso-${stamp}.example`;
const colleague = `colleague@${domain}`;
const CLIENT_ID = 'agentry-e2e';
const CLIENT_SECRET = 'agentry-e2e-client-secret';

export const journeys = [
  [
    'an owner configures SSO and a colleague signs in with "Continue with SSO"',
    async (s) => {
      const { page, WEB, API, rootDir } = s;
      const idp = startProcess(
        'oidc-idp',
        join(rootDir, 'node_modules/.bin/tsx'),
        [join(rootDir, 'apps/api/test/support/oidc-idp-server.ts')],
        {
          cwd: rootDir,
          env: {
            OIDC_CLIENT_ID: CLIENT_ID,
            OIDC_CLIENT_SECRET: CLIENT_SECRET,
            OIDC_REDIRECT_URI: `${API}/api/v1/auth/sso/callback`,
          },
          logFile: join(rootDir, 'apps/web/test-results/oidc-idp.log'),
        },
      );
      try {
        const { issuer } = await waitForJsonLine(idp);
        await signUp(page, WEB, owner, 'SSO Owner');
        const tenantId = (await me(page)).tenant.id;

        await page.goto(`${WEB}/settings#security`);
        const form = page.getByRole('form', { name: 'Single sign-on settings' });
        await form.getByLabel('Issuer URL').fill(issuer);
        await form.getByLabel('Client ID').fill(CLIENT_ID);
        await form.getByLabel('Client secret').fill(CLIENT_SECRET);
        await form.getByLabel('Allowed email domains').fill(domain);
        await form.getByLabel('New people').selectOption('domain');
        await form.getByRole('button', { name: 'Save single sign-on' }).click();
        const redirect = page.getByTestId('sso-redirect-uri');
        await redirect.waitFor();
        expect(
          (await redirect.textContent()) === `${API}/api/v1/auth/sso/callback`,
          'the redirect URI to register is shown',
        );

        await fetch(`${issuer}/__e2e/next-account`, {
          method: 'POST',
          body: JSON.stringify({ sub: `colleague-${stamp}`, email: colleague, email_verified: true }),
        });
        await signOut(page);
        await page.getByRole('button', { name: 'Continue with SSO' }).click();
        await page.getByLabel('Work email or workspace').fill(colleague);
        await page
          .getByRole('form', { name: 'Single sign-on' })
          .getByRole('button', { name: 'Continue with SSO' })
          .click();
        await page.waitForURL(`${WEB}/`, { timeout: 30_000 });
        await page.getByLabel('Message', { exact: true }).waitFor();
        const who = await me(page);
        expect(who.user.email === colleague, `signed in as ${who.user?.email}`);
        expect(who.tenant.id === tenantId, 'landed in the workspace that configured SSO');
        expect(who.role === 'member', `joined as ${who.role}`);
      } finally {
        stopProcess(idp);
      }
    },
  ],
];
