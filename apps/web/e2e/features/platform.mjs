// Operator console (issue 16): a platform operator (made with the CLI by run-e2e.mjs before the API
// starts) finds a fresh workspace at /platform, suspends it with a reason and a confirmation; the
// workspace's user sees the suspended page on their next page; the operator reactivates it and the
// user signs in again; last, the operator deprovisions it (reason, typed slug, deletion date).
// Each person keeps their own cookies (saved and restored on the one browser).
import { expect, gotoPage, password, signIn } from '../support.mjs';

const stamp = Date.now();
const email = `e2e-platform-${stamp}@example.com`;
const workspace = `Platform E2E ${stamp}`;

/** Signs up with a named workspace (signUp leaves the name to the default). */
async function signUpNamed(page, WEB) {
  await page.goto(`${WEB}/signup`);
  await page.getByLabel('Workspace name (optional)').fill(workspace);
  await page.getByLabel('Your name').fill('Platform Tester');
  await page.getByLabel('Email', { exact: true }).fill(email);
  await page.getByLabel('Password', { exact: true }).fill(password);
  await page.getByRole('button', { name: 'Create account' }).click();
  await page.waitForURL(`${WEB}/`);
  await page.getByLabel('Message', { exact: true }).waitFor();
}

/** Swaps the browser's cookies to another person's (or none) and returns the current person's. */
async function switchTo(context, cookies) {
  // Let requests in flight land first: one may be refreshing the session (the access token lives
  // 75 s here), and cookies saved before its answer would hold a used refresh token (reuse: the
  // session is revoked). A guess at a failure seen once in a full run (the operator's saved cookies
  // led to /login at the deprovisioning), not confirmed.
  await Promise.all(context.pages().map((p) => p.waitForLoadState('networkidle', { timeout: 5000 }).catch(() => {})));
  const current = await context.cookies();
  await context.clearCookies();
  if (cookies?.length) await context.addCookies(cookies);
  return current;
}

async function operatorSignIn(s) {
  const { page, WEB, operator } = s;
  await page.goto(`${WEB}/login`);
  await page.getByLabel('Email', { exact: true }).fill(operator.email);
  await page.getByLabel('Password', { exact: true }).fill(operator.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL((url) => !url.pathname.startsWith('/login'));
}

export const journeys = [
  [
    'platform: an operator suspends a workspace (its user sees the suspended page), reactivates, then deprovisions it',
    async (s) => {
      const { page, WEB, context } = s;
      expect(s.operator?.email, 'run-e2e.mjs made no operator');
      await signUpNamed(page, WEB);
      const userCookies = await switchTo(context, []);

      await operatorSignIn(s);
      await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Platform' }).click();
      await page.waitForURL(/\/platform$/);
      await page.getByRole('heading', { name: 'Platform' }).waitFor();
      await page.getByLabel('Search', { exact: true }).fill(workspace);
      await page.getByRole('button', { name: 'Search' }).click();
      const rows = page.getByTestId('tenant-row');
      await rows.filter({ hasText: workspace }).waitFor();
      expect((await rows.count()) === 1, `the search found ${await rows.count()} tenants`);
      await page.getByRole('link', { name: workspace }).click();
      await page.getByRole('heading', { name: workspace }).waitFor();
      await page.getByRole('list', { name: 'Members' }).getByText(email).waitFor();

      await page.getByRole('button', { name: 'Suspend', exact: true }).waitFor();
      await page.getByLabel('Reason', { exact: true }).fill('E2E: abuse report 42');
      await page.getByRole('button', { name: 'Suspend', exact: true }).click();
      await page.getByRole('button', { name: `Confirm suspension of ${workspace}` }).click();
      await page.getByText('Since').filter({ hasText: 'E2E: abuse report 42' }).waitFor();
      const operatorCookies = await switchTo(context, userCookies);

      await page.goto(`${WEB}/`);
      await page.getByRole('heading', { name: 'This workspace is suspended' }).waitFor();
      await page.getByRole('button', { name: 'Sign out' }).click();
      await page.waitForURL(/\/login/);
      await signInRefused(page, WEB);

      await switchTo(context, operatorCookies);
      await page.goto(`${WEB}/platform`);
      // (A label wrapping a select takes its options' text into its name.)
      await page.getByRole('combobox', { name: /^Status/ }).selectOption('suspended');
      await page.getByRole('link', { name: workspace }).click();
      await page.getByRole('button', { name: 'Reactivate', exact: true }).click();
      await page.getByRole('button', { name: 'Confirm reactivation' }).click();
      await page.getByRole('button', { name: 'Suspend', exact: true }).waitFor();

      // Leave the console before its cookies go: its own redirect to /login could abort the goto below.
      await page.waitForLoadState('networkidle', { timeout: 5000 }).catch(() => {});
      await page.goto('about:blank');
      const operatorAgain = await switchTo(context, []);
      await gotoPage(page, `${WEB}/login`);
      await signIn(page, WEB, email);
      await page.getByLabel('Message', { exact: true }).waitFor();

      // Offboarding: deprovisioning takes a reason and the slug typed out, and shows the deletion date.
      await switchTo(context, operatorAgain);
      await page.goto(`${WEB}/platform`);
      await page.getByRole('link', { name: workspace }).click();
      const deprovision = page.getByRole('button', { name: `Deprovision ${workspace}` });
      await page.getByLabel('Reason for deprovisioning').fill('E2E: customer offboarded');
      expect(await deprovision.isDisabled(), 'deprovisioning was offered before the confirmation was typed');
      const prompt = await page.getByText(/^Type \S+ to confirm$/).textContent();
      await page.getByLabel(prompt).fill(prompt.split(' ')[1]);
      await deprovision.click();
      await page.getByText('Every row of this workspace is deleted on').waitFor();
      await switchTo(context, []);
    },
  ],
];

/** While suspended, signing in is refused with the suspension's message. */
async function signInRefused(page) {
  await page.getByLabel('Email', { exact: true }).fill(email);
  await page.getByLabel('Password', { exact: true }).fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByText('This workspace is suspended').first().waitFor();
  expect(new URL(page.url()).pathname.startsWith('/login'), 'a suspended workspace’s user got past the login');
}
