// Helpers shared by the core journeys (journeys.mjs) and the feature journeys (features/*.mjs).
import { join } from 'node:path';
import { mkdirSync } from 'node:fs';

export const password = 'a long and unusual passphrase 42';
export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

export function expect(condition, message) {
  if (!condition) throw new Error(message);
}

export async function shot(s, name) {
  if (!s.screenshots) return;
  const dir = join(s.rootDir, 'docs', 'screenshots');
  mkdirSync(dir, { recursive: true });
  await s.page.screenshot({ path: join(dir, `${name}.png`) });
}

/** Sends a chat message and waits for its answer to finish streaming into the history. */
export async function ask(page, text) {
  const before = await page.getByTestId('assistant-message').count();
  await recordStreaming(page);
  await page.getByLabel('Message', { exact: true }).fill(text);
  await page.keyboard.press('Enter');
  await page.getByTestId('live-answer').waitFor();
  return before;
}

export async function waitForAnswers(page, count) {
  await page.waitForFunction((n) => document.querySelectorAll('[data-testid="assistant-message"]').length >= n, count, {
    timeout: 30_000,
  });
  await page.getByTestId('live-answer').waitFor({ state: 'detached', timeout: 10_000 });
}

/** Records every length the live answer's text takes, from before the question is sent. */
export async function recordStreaming(page) {
  await page.evaluate(() => {
    window.__lengths = [];
    const observer = new MutationObserver(() => {
      const text = document.querySelector('[data-testid="live-answer"]')?.textContent;
      if (text && window.__lengths.at(-1) !== text.length) window.__lengths.push(text.length);
    });
    observer.observe(document.body, { subtree: true, childList: true, characterData: true });
    window.__stopRecording = () => observer.disconnect();
  });
}

/** The answer grew in several steps: tokens streamed in rather than arriving at once. */
export async function expectStreamed(page) {
  const lengths = await page.evaluate(() => {
    window.__stopRecording?.();
    return window.__lengths;
  });
  const growth = lengths.filter((n, i) => i > 0 && n > lengths[i - 1]).length;
  expect(growth >= 3, `the answer did not stream (lengths seen: ${lengths.join(', ')})`);
}

/** Signs the browser in; `tenantLabel` answers the workspace question when the API asks it. */
/**
 * `page.goto` that survives Chromium aborting it (net::ERR_ABORTED) when a navigation left over
 * from the previous page lands at the same moment: the URL must still be reached, so the journey
 * checks the page it asked for, not the race.
 */
export async function gotoPage(page, url) {
  try {
    await page.goto(url);
  } catch (err) {
    if (!String(err).includes('net::ERR_ABORTED')) throw err;
    await page.goto(url);
  }
}

export async function signIn(page, WEB, who, { tenantLabel } = {}) {
  await page.getByLabel('Email', { exact: true }).fill(who);
  await page.getByLabel('Password', { exact: true }).fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  if (tenantLabel) {
    await page.getByRole('group', { name: 'Which workspace?' }).waitFor();
    await page.getByRole('radio', { name: tenantLabel }).check();
    await page.getByRole('button', { name: 'Sign in' }).click();
  }
  await page.waitForURL((url) => !url.pathname.startsWith('/login'));
}

export async function signOut(page) {
  await page.getByRole('button', { name: 'Sign out', exact: true }).click();
  await page.waitForURL(/\/login/);
}

/** The signed-in user's `me`, read through the BFF like the app does. */
export const me = (page) => page.evaluate(() => fetch('/bff/api/auth/me').then((r) => r.json()));

/** Signs up a fresh person from the signup page and waits for the chat; feature journeys start here. */
export async function signUp(page, WEB, who, name = 'E2E Tester') {
  await page.goto(`${WEB}/signup`);
  await page.getByLabel('Your name').fill(name);
  await page.getByLabel('Email', { exact: true }).fill(who);
  await page.getByLabel('Password', { exact: true }).fill(password);
  await page.getByRole('button', { name: 'Create account' }).click();
  await page.waitForURL(`${WEB}/`);
  await page.getByLabel('Message', { exact: true }).waitFor();
}
