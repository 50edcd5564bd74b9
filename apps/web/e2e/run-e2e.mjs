// End-to-end test: starts a local Stripe, the real API (`npm run start:api`, billing on against that Stripe)
// and the built web app (built first when stale), drives Debian's chromium through the main journeys,
// and stops all three by PID.
// Failures leave a screenshot in apps/web/test-results/. E2E_SCREENSHOTS=1 also refreshes
// docs/screenshots/.
import { mkdtempSync, mkdirSync, existsSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { startProcess, stopProcess, waitForHttp, waitForJsonLine } from './servers.mjs';
import { execFileSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { journeys as coreJourneys } from './journeys.mjs';
import { buildWebIfStale } from '../../../scripts/web-build.mjs';

// Core journeys build on each other; each features/*.mjs file adds self-contained journeys (they sign up
// their own people) that run after them, before the closing CSP check. E2E_ONLY=<regex> runs the first
// core journey (it arms the CSP watch), the feature journeys whose names match, and the CSP check.
const featuresDir = join(dirname(fileURLToPath(import.meta.url)), 'features');
const featureJourneys = [];
for (const file of existsSync(featuresDir) ? readdirSync(featuresDir).sort() : []) {
  if (file.endsWith('.mjs')) featureJourneys.push(...(await import(join(featuresDir, file))).journeys);
}
const only = process.env.E2E_ONLY ? new RegExp(process.env.E2E_ONLY) : undefined;
const cspCheck = coreJourneys.at(-1);
const journeys = only
  ? [coreJourneys[0], ...featureJourneys.filter(([name]) => only.test(name)), cspCheck]
  : [...coreJourneys.slice(0, -1), ...featureJourneys, cspCheck];

const chromiumPath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
if (!existsSync(chromiumPath)) {
  // A fresh machine may lack Debian's chromium; CI (REQUIRE_SERVICES=1) installs it and must run these.
  if (process.env.REQUIRE_SERVICES === '1') {
    console.error(`e2e: no browser at ${chromiumPath}`);
    process.exit(1);
  }
  console.log(`e2e: skipped, no browser at ${chromiumPath} (apt-get install chromium)`);
  process.exit(0);
}
buildWebIfStale();

const webDir = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const rootDir = resolve(webDir, '../..');
const resultsDir = join(webDir, 'test-results');
const API_PORT = Number(process.env.E2E_API_PORT ?? 8400 + Math.floor(Math.random() * 400));
const WEB_PORT = Number(process.env.E2E_WEB_PORT ?? API_PORT + 1000);
const API = `http://127.0.0.1:${API_PORT}`;
const WEB = `http://127.0.0.1:${WEB_PORT}`;

mkdirSync(resultsDir, { recursive: true });
const dataDir = mkdtempSync(join(tmpdir(), 'agentry-e2e-data-'));
const profileDir = mkdtempSync(join(tmpdir(), 'agentry-e2e-chromium-'));
const servers = [];
let context;
let failed = 0;
let passed = 0;

function cleanup() {
  for (const s of servers) stopProcess(s);
  rmSync(profileDir, { recursive: true, force: true });
  rmSync(dataDir, { recursive: true, force: true });
}
/**
 * Makes a platform operator with the CLI before the API starts (the embedded PGlite in DATA_DIR takes
 * one process at a time); the operator journeys sign in with `shared.operator`.
 */
function createOperator() {
  const operator = { email: `e2e-operator-${Date.now()}@example.com`, password: 'an operator passphrase 42' };
  const cli = (...args) =>
    execFileSync('npm', ['run', '--silent', 'agentry', '--', 'users', ...args], {
      cwd: rootDir,
      env: { ...process.env, DATA_DIR: dataDir, LOG_LEVEL: 'warn' },
      stdio: ['ignore', 'ignore', 'inherit'],
    });
  cli('create', '--email', operator.email, '--password', operator.password, '--tenant', 'Platform operators');
  cli('grant-operator', operator.email);
  return operator;
}

process.on('SIGINT', () => {
  cleanup();
  process.exit(130);
});

try {
  const operator = createOperator();
  // A local Stripe (apps/api/test/support/fake-stripe-server.ts): the API runs with billing on against it
  // for the whole run; it delivers signed webhooks to the API and has control endpoints for the journeys.
  const stripe = startProcess(
    'stripe',
    join(rootDir, 'node_modules/.bin/tsx'),
    [join(rootDir, 'apps/api/test/support/fake-stripe-server.ts')],
    {
      cwd: rootDir,
      env: { FAKE_STRIPE_WEBHOOK_URL: `${API}/webhooks/stripe`, FAKE_STRIPE_WEBHOOK_SECRET: 'whsec_e2e' },
      logFile: join(resultsDir, 'stripe.log'),
    },
  );
  servers.push(stripe);
  const { url: STRIPE, priceMap } = await waitForJsonLine(stripe);
  // A local mailbox (apps/api/test/support/smtp-sink-server.ts): the API delivers by SMTP to it and
  // journeys read what arrived at `${shared.MAIL}/mails?to=<address>` (the e-mail change link).
  const mailbox = startProcess(
    'mail',
    join(rootDir, 'node_modules/.bin/tsx'),
    [join(rootDir, 'apps/api/test/support/smtp-sink-server.ts')],
    { cwd: rootDir, env: {}, logFile: join(resultsDir, 'mail.log') },
  );
  servers.push(mailbox);
  const { url: MAIL, smtp: SMTP_URL } = await waitForJsonLine(mailbox);
  const apiEnv = {
    ENABLE_BILLING: 'true',
    STRIPE_SECRET_KEY: 'sk_test_e2e',
    STRIPE_WEBHOOK_SECRET: 'whsec_e2e',
    STRIPE_API_BASE_URL: STRIPE,
    STRIPE_PRODUCT_PRICE_MAP: JSON.stringify(priceMap),
    SMTP_URL,
    PORT: String(API_PORT),
    DATA_DIR: dataDir,
    OFFLINE_MODEL_DELAY_MS: '40',
    // Short-lived access tokens so the run crosses the BFF's refresh-ahead window: silent refresh is exercised.
    AUTH_ACCESS_TOKEN_TTL_SECONDS: process.env.E2E_ACCESS_TTL ?? '75',
    ALLOWED_ORIGINS: WEB,
    // Single sign-on (features/sso.mjs): the IdP sends the browser back to this API; its issuer is http://127.0.0.1.
    PUBLIC_API_URL: API,
    SSO_ALLOW_INSECURE_ISSUERS: 'true',
    SSO_ALLOW_PRIVATE_NETWORKS: 'true',
    // Every person of every journey signs in through the BFF from 127.0.0.1: one client address for
    // dozens of logins a minute. The quota itself is tested in the API's rate-limit tests.
    RATE_LIMIT_LOGIN_PER_IP_PER_MINUTE: '200',
    LOG_LEVEL: 'warn',
  };
  const api = startProcess('api', 'npm', ['run', 'start:api'], {
    cwd: rootDir,
    env: apiEnv,
    logFile: join(resultsDir, 'api.log'),
  });
  servers.push(api);
  const web = startProcess(
    'web',
    join(rootDir, 'node_modules/.bin/next'),
    ['start', '-p', String(WEB_PORT), '-H', '127.0.0.1'],
    {
      cwd: webDir,
      env: { API_URL: API, NODE_ENV: 'production' },
      logFile: join(resultsDir, 'web.log'),
    },
  );
  servers.push(web);
  await waitForHttp(`${API}/health/ready`, { child: api, timeoutMs: 120_000 });
  await waitForHttp(`${WEB}/login`, { child: web });
  console.log(`API on ${API}, web on ${WEB}, Stripe on ${STRIPE}`);

  context = await chromium.launchPersistentContext(profileDir, {
    executablePath: chromiumPath,
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
    viewport: { width: 1280, height: 800 },
  });
  context.setDefaultTimeout(20_000);
  const page = context.pages()[0] ?? (await context.newPage());
  const shared = {
    WEB,
    API,
    STRIPE,
    MAIL,
    page,
    context,
    rootDir,
    operator,
    screenshots: process.env.E2E_SCREENSHOTS === '1',
  };

  for (const [name, step] of journeys) {
    const started = Date.now();
    try {
      await step(shared);
      passed++;
      console.log(`  ✓ ${name} (${Date.now() - started} ms)`);
    } catch (error) {
      failed++;
      const file = join(resultsDir, `${name.replace(/[^\w]+/g, '-')}.png`);
      await page.screenshot({ path: file, fullPage: true }).catch(() => undefined);
      console.log(
        `  ✗ ${name}: ${error instanceof Error ? error.message.split('\n')[0] : error}\n    screenshot: ${file}`,
      );
      // Later steps depend on earlier ones: stop at the first failure.
      break;
    }
  }
} catch (error) {
  failed++;
  console.error(`e2e setup failed: ${error instanceof Error ? error.message : error} (logs in ${resultsDir})`);
} finally {
  await context?.close().catch(() => undefined);
  cleanup();
}
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
