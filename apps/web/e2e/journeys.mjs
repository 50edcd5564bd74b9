// The journeys the e2e run walks through, in order; each step builds on the one before.
import { password, sleep, expect, shot, ask, waitForAnswers, expectStreamed, signIn, signOut, me } from './support.mjs';

const email = `e2e-${Date.now()}@example.com`;
// A second person who already has an account (and so a workspace of their own) when invited.
const teammate = `e2e-mate-${Date.now()}@example.com`;

export const journeys = [
  [
    'pages carry a nonce-based Content-Security-Policy',
    async (s) => {
      const { page, WEB } = s;
      // Any CSP violation on any later page fails the last journey.
      s.cspViolations = [];
      page.on('console', (m) => {
        if (m.type() === 'error' && /Content Security Policy/i.test(m.text()))
          s.cspViolations.push(`${page.url()}: ${m.text()}`);
      });
      const res = await page.goto(`${WEB}/login`);
      const csp = res.headers()['content-security-policy'] ?? '';
      expect(/script-src 'self' 'nonce-[A-Za-z0-9+/=]+' 'strict-dynamic'/.test(csp), `no nonce script-src: ${csp}`);
      expect(!/unsafe-eval/.test(csp) && /frame-ancestors 'none'/.test(csp), `weak CSP: ${csp}`);
      expect(res.headers()['x-content-type-options'] === 'nosniff', 'no nosniff header');
      const again = (await page.request.get(`${WEB}/login`)).headers()['content-security-policy'];
      expect(again !== csp, 'the nonce is not fresh per response');
      // Hydrated under the policy: the theme toggle's label is set by React.
      await page.getByRole('button', { name: /Switch to (dark|light) theme/ }).waitFor();
      // The watch works: a <style> without the nonce is refused and reported.
      await page.evaluate(() => {
        const el = document.createElement('style');
        el.textContent = 'body{}';
        document.head.append(el);
      });
      await page.waitForFunction(() => true);
      for (let i = 0; i < 20 && s.cspViolations.length === 0; i++) await sleep(100);
      expect(s.cspViolations.length > 0, 'an inline style without nonce was not reported as a CSP violation');
      s.cspViolations = [];
    },
  ],
  [
    'protected page redirects to login',
    async ({ page, WEB }) => {
      await page.goto(`${WEB}/billing`);
      await page.waitForURL(/\/login\?next=%2Fbilling/);
    },
  ],
  [
    'sign up lands in a new chat',
    async ({ page, WEB }) => {
      await page.goto(`${WEB}/signup`);
      await page.getByLabel('Your name').fill('E2E Tester');
      await page.getByLabel('Email', { exact: true }).fill(email);
      await page.getByLabel('Password', { exact: true }).fill(password);
      await page.getByRole('button', { name: 'Create account' }).click();
      await page.waitForURL(`${WEB}/`);
      await page.getByLabel('Message', { exact: true }).waitFor();
      const cookies = await page.context().cookies();
      expect(
        cookies.some((c) => c.name === 'agentry_at' && c.httpOnly),
        'access token cookie is not httpOnly',
      );
      const visible = await page.evaluate(() => document.cookie);
      expect(!visible.includes('agentry_'), 'a token cookie is readable from the page');
    },
  ],
  [
    'a coding question hands off and streams',
    async (s) => {
      const { page } = s;
      await ask(page, 'I have a bug in my TypeScript function');
      await page.getByTestId('handoff').first().waitFor();
      // Mid-stream: the handoff notice and the answer arriving.
      await page.waitForFunction(
        () => (document.querySelector('[data-testid="live-answer"]')?.textContent ?? '').length > 110,
      );
      expect((await page.getByTestId('user-message').count()) === 1, 'the question is shown twice while streaming');
      await shot(s, 'chat-handoff');
      await waitForAnswers(page, 1);
      await expectStreamed(page);
      await page.waitForURL(/\/c\/[0-9a-f-]{36}$/);
    },
  ],
  [
    'a time question calls a tool and streams',
    async ({ page }) => {
      await ask(page, 'what time is it?');
      await page.getByTestId('tool-call').first().waitFor();
      await waitForAnswers(page, 2);
      await expectStreamed(page);
      const last = await page.getByTestId('assistant-message').last().textContent();
      expect(/current_time/.test(last ?? ''), 'the tool call is not shown with the answer');
    },
  ],
  [
    'stop cancels a streaming answer',
    async ({ page }) => {
      const before = await page.getByTestId('assistant-message').count();
      await ask(
        page,
        `Tell me everything about cancelling runs. ${'Add plenty of words here so it streams for a while. '.repeat(5)}`,
      );
      await page.waitForFunction(
        () => (document.querySelector('[data-testid="live-answer"]')?.textContent ?? '').length > 40,
      );
      await page.getByRole('button', { name: /Stop/ }).click();
      await page.getByText('Stopped.').waitFor();
      await page.getByRole('button', { name: 'Send' }).waitFor();
      expect(
        (await page.getByTestId('assistant-message').count()) === before,
        'a cancelled run left an assistant message',
      );
    },
  ],
  [
    'reload mid-stream resumes the answer',
    async ({ page }) => {
      await ask(
        page,
        `Please write a long reply about streaming answers and reloading pages in the middle of them. ${'Keep going with more words so the answer takes a few seconds to arrive. '.repeat(5)}`,
      );
      await page.waitForFunction(
        () => (document.querySelector('[data-testid="live-answer"]')?.textContent ?? '').split(' ').length > 6,
      );
      const partial = (await page.getByTestId('live-answer').textContent()) ?? '';
      await page.reload();
      await page.getByTestId('live-answer').waitFor({ timeout: 10_000 });
      await waitForAnswers(page, 3);
      const final = (await page.getByTestId('assistant-message').last().textContent()) ?? '';
      expect(
        final.length > partial.length - 20,
        `the resumed answer is shorter than before the reload (${final.length} vs ${partial.length})`,
      );
    },
  ],
  [
    'the conversation is in the sidebar',
    async ({ page }) => {
      const rows = page.getByRole('list', { name: 'Conversation list' }).getByRole('link');
      await rows.first().waitFor();
      expect((await rows.count()) >= 1, 'no conversation in the sidebar');
    },
  ],
  [
    'new chat starts empty after a streamed conversation',
    async ({ page, WEB }) => {
      await page.getByRole('link', { name: '+ New chat' }).click();
      await page.waitForURL(`${WEB}/`);
      await page.getByRole('heading', { name: 'What can the agents do for you?' }).waitFor();
      expect((await page.getByTestId('assistant-message').count()) === 0, 'the old conversation is still shown');
    },
  ],
  [
    'settings revokes another session',
    async (s) => {
      const { page, WEB } = s;
      // A second session, as another device would open it.
      const res = await fetch(`${WEB}/bff/auth/login`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          origin: WEB,
          'user-agent': 'Mozilla/5.0 (Windows NT 10.0) Firefox/130.0',
        },
        body: JSON.stringify({ email, password }),
      });
      expect(res.ok, `second login failed: ${res.status}`);
      await page.goto(`${WEB}/settings`);
      const rows = page.getByTestId('session-row');
      await page.waitForFunction(() => document.querySelectorAll('[data-testid="session-row"]').length >= 2);
      const before = await rows.count();
      await page
        .getByRole('button', { name: /^Revoke session/ })
        .first()
        .click();
      await page.waitForFunction(
        (n) => document.querySelectorAll('[data-testid="session-row"]').length === n - 1,
        before,
      );
      await shot(s, 'settings');
    },
  ],
  [
    'billing shows plans and usage',
    async (s) => {
      const { page, WEB } = s;
      await page.goto(`${WEB}/billing`);
      await page.getByTestId('plan').first().waitFor();
      await page.getByRole('heading', { name: 'Usage this period' }).waitFor();
      await page.waitForFunction(() => !document.querySelector('[aria-label="Loading usage"]'));
      await sleep(500);
      await shot(s, 'billing');
    },
  ],
  [
    'log out, protected page redirects, log in returns there',
    async ({ page, WEB }) => {
      await page.getByRole('button', { name: 'Sign out' }).click();
      await page.waitForURL(/\/login/);
      await page.goto(`${WEB}/settings`);
      await page.waitForURL(/\/login\?next=%2Fsettings/);
      await page.getByLabel('Email', { exact: true }).fill(email);
      await page.getByLabel('Password', { exact: true }).fill(password);
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.waitForURL(`${WEB}/settings`);
    },
  ],
  [
    'history loads after logging back in',
    async (s) => {
      const { page, WEB } = s;
      await page.goto(`${WEB}/`);
      const first = page.getByRole('list', { name: 'Conversation list' }).getByRole('link').first();
      await first.click();
      await page.waitForURL(/\/c\//);
      await page.getByTestId('handoff').or(page.getByTestId('assistant-message')).first().waitFor();
      expect((await page.getByTestId('assistant-message').count()) >= 3, 'the history is incomplete');
      // The same conversation on a phone in dark mode.
      await page.setViewportSize({ width: 390, height: 844 });
      await page.emulateMedia({ colorScheme: 'dark' });
      await page.evaluate(() => localStorage.removeItem('agentry.theme'));
      await page.reload();
      await page.getByTestId('assistant-message').first().waitFor();
      expect(await page.evaluate(() => document.documentElement.classList.contains('dark')), 'dark theme not applied');
      await shot(s, 'chat-mobile-dark');
      await page.getByRole('button', { name: 'Open conversations' }).click();
      await page.getByRole('button', { name: 'Close conversations' }).click();
      await page.emulateMedia({ colorScheme: 'light' });
      await page.setViewportSize({ width: 1280, height: 800 });
    },
  ],
  [
    'edit the profile display name and see it shown',
    async (s) => {
      const { page, WEB } = s;
      await page.goto(`${WEB}/settings`);
      const form = page.getByRole('form', { name: 'Profile' });
      await form.getByLabel('Avatar URL').fill('http://insecure.example/me.png');
      await form.getByRole('button', { name: 'Save profile' }).click();
      await form.getByText('Use an https:// address of an image.').waitFor();
      await form.getByLabel('Avatar URL').fill('');
      await form.getByLabel('Display name').fill('Ada Renamed');
      await form.getByLabel('Time zone').fill('Europe/Paris');
      await form.getByRole('button', { name: 'Save profile' }).click();
      await page.getByRole('status').filter({ hasText: 'Profile saved' }).waitFor();
      await page.getByTestId('user-name').filter({ hasText: 'Ada Renamed' }).waitFor();
      await shot(s, 'settings-profile');
      await page.reload();
      await page.getByTestId('user-name').filter({ hasText: 'Ada Renamed' }).waitFor();
      expect((await form.getByLabel('Time zone').inputValue()) === 'Europe/Paris', 'the time zone was not saved');
    },
  ],
  [
    'an owner invites an already registered teammate from settings',
    async (s) => {
      const { page, WEB } = s;
      const res = await fetch(`${WEB}/bff/auth/signup`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', origin: WEB },
        body: JSON.stringify({ email: teammate, password, display_name: 'Mate' }),
      });
      expect(res.status === 201, `teammate sign-up failed: ${res.status}`);
      s.ownerTenant = (await me(page)).tenant;
      await page.goto(`${WEB}/settings#team`);
      await page.getByLabel('Email', { exact: true }).fill(teammate);
      await page.getByRole('button', { name: 'Send invite' }).click();
      s.inviteLink = (await page.getByTestId('one-time-secret').textContent()) ?? '';
      expect(s.inviteLink.startsWith(`${WEB}/signup?invite=inv_`), `unexpected invitation link: ${s.inviteLink}`);
    },
  ],
  [
    'the teammate signs in, joins from the link and switches to the workspace',
    async (s) => {
      const { page, WEB } = s;
      await signOut(page);
      // Signed out, the e-mail's link offers sign-up, or signing in first and coming back.
      await page.goto(s.inviteLink);
      await page.getByRole('heading', { name: 'Join your team on Agentry' }).waitFor();
      await page.getByRole('link', { name: 'Sign in to accept' }).click();
      await page.waitForURL(/\/login\?next=%2Fsignup%3Finvite%3Dinv_/);
      await signIn(page, WEB, teammate);
      await page.getByRole('heading', { name: 'Join a workspace' }).waitFor();
      // Once the header shows who is signed in, this browser remembers the workspace's name too.
      await page.goto(`${WEB}/`);
      await page.getByTestId('user-name').waitFor();
      s.mateTenant = (await me(page)).tenant;
      await page.goto(s.inviteLink);
      await page.getByRole('button', { name: 'Join the workspace' }).click();
      await page.getByText(`You joined ${s.ownerTenant.name}`).waitFor();
      await shot(s, 'invitation-joined');
      await page.getByRole('button', { name: `Switch to ${s.ownerTenant.name}` }).click();
      await page.waitForURL(/\/login\?tenant=/);
      await page.getByText(`Signing in to ${s.ownerTenant.name}.`).waitFor();
      await signIn(page, WEB, teammate);
      const now = await me(page);
      expect(
        now.tenant.id === s.ownerTenant.id && now.role === 'member',
        `signed in to ${now.tenant.name} as ${now.role}`,
      );
    },
  ],
  [
    'login asks a member of two workspaces which one to open',
    async (s) => {
      const { page, WEB } = s;
      await signOut(page);
      await signIn(page, WEB, teammate, { tenantLabel: s.mateTenant.name });
      expect((await me(page)).tenant.id === s.mateTenant.id, 'not signed in to the chosen workspace');
      await page.goto(`${WEB}/settings`);
      await page.getByTestId('current-workspace').filter({ hasText: s.mateTenant.name }).waitFor();
    },
  ],
  [
    'no page broke the Content-Security-Policy',
    async (s) => {
      expect(s.cspViolations.length === 0, `CSP violations:\n${s.cspViolations.join('\n')}`);
    },
  ],
];
