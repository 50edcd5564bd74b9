// Billing (issue 17), against the local Stripe the runner starts (shared.STRIPE,
// apps/api/test/support/fake-stripe-server.ts): subscribe through (simulated) hosted Checkout, see the
// webhook's event reach the live feed without a reload, schedule a downgrade and cancel it, and see a
// card attached in Stripe listed in the payment methods.
import { expect, me, signUp } from '../support.mjs';

const email = `e2e-billing-${Date.now()}@example.com`;

/** Calls one of the local Stripe's control endpoints (`/__e2e/<name>`). */
async function control(s, name, body) {
  const res = await fetch(`${s.STRIPE}/__e2e/${name}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  const answer = await res.json();
  expect(res.ok, `/__e2e/${name}: ${res.status} ${JSON.stringify(answer)}`);
  return answer;
}

const feed = (page) => page.locator('ol[aria-live="polite"]');

/** Waits for the live feed to list an event of `type`. */
async function feedShows(page, type, timeout = 20_000) {
  await feed(page).getByText(type, { exact: true }).first().waitFor({ timeout });
}

/** Marks the document: a marker still there later proves the page was not reloaded in between. */
const markPage = (page) => page.evaluate(() => (window.__billingMarker = 'kept'));
const pageKept = (page) => page.evaluate(() => window.__billingMarker === 'kept');

const plan = (page, name) => page.getByTestId('plan').filter({ has: page.getByRole('heading', { name }) });

export const journeys = [
  [
    'billing: subscribe to Pro through Checkout and see the webhook arrive live',
    async (s) => {
      const { page, WEB } = s;
      expect(s.STRIPE, 'no local Stripe in shared.STRIPE');
      await signUp(page, WEB, email, 'Billing Owner');
      s.billing = { tenant: (await me(page)).tenant.id };
      await page.goto(`${WEB}/billing`);
      await page.getByText('Live', { exact: true }).waitFor();
      await page.getByRole('button', { name: 'Choose Pro' }).click();
      // The fake's hosted Checkout completes the session and sends the browser back to the success URL;
      // its checkout.session.completed webhook follows ~1.5 s later, once the page is listening again.
      await page.waitForURL((u) => u.pathname === '/billing' && u.searchParams.get('checkout') === 'success');
      await page.getByText('Live', { exact: true }).waitFor();
      await markPage(page);
      await feedShows(page, 'checkout.session.completed');
      const subscription = page.getByTestId('subscription');
      await subscription.getByText('Pro', { exact: true }).waitFor();
      expect(await pageKept(page), 'the page was reloaded to show the event');
      const status = (await subscription.textContent()) ?? '';
      expect(/trialing|active/i.test(status), `subscription status: ${status}`);
    },
  ],
  [
    'billing: an invoice paid in Stripe reaches the live feed',
    async (s) => {
      const { page } = s;
      await markPage(page);
      await control(s, 'invoice-paid', { tenant: s.billing.tenant });
      await feedShows(page, 'invoice.paid');
      expect(await pageKept(page), 'the page was reloaded to show invoice.paid');
    },
  ],
  [
    'billing: schedule a downgrade to Starter at the period end, then cancel it',
    async (s) => {
      const { page } = s;
      const banner = page.getByTestId('pending-change');
      expect((await banner.count()) === 0, 'a change is pending before any was scheduled');
      await plan(page, 'Starter').getByRole('button', { name: 'Switch at period end' }).click();
      await banner.waitFor();
      const text = (await banner.textContent()) ?? '';
      expect(text.includes('Changes to Starter'), `pending banner: ${text}`);
      await feedShows(page, 'subscription.change_scheduled');
      // Nothing changes before the period ends: still Pro.
      await page.getByTestId('subscription').getByText('Pro', { exact: true }).waitFor();
      await page.reload();
      await banner.waitFor();
      await banner.getByRole('button', { name: 'Cancel scheduled change' }).click();
      await banner.waitFor({ state: 'detached' });
      await page.reload();
      await page.getByTestId('subscription').getByText('Pro', { exact: true }).waitFor();
      expect((await banner.count()) === 0, 'the canceled change is still pending after a reload');
    },
  ],
  [
    'billing: a card attached in Stripe is listed in the payment methods, with the upcoming invoice',
    async (s) => {
      const { page } = s;
      const methods = page.getByTestId('payment-methods');
      await methods.waitFor();
      await control(s, 'attach-card', { tenant: s.billing.tenant, brand: 'visa', last4: '4242' });
      await page.reload();
      const card = methods.getByTestId('payment-method').filter({ hasText: '4242' });
      await card.waitFor();
      const row = ((await card.textContent()) ?? '').toLowerCase();
      expect(row.includes('visa'), `payment method row: ${row}`);
      // Attached but not yet the customer's default: make it so.
      await card.getByRole('button', { name: 'Make default' }).click();
      await card.getByText('Default', { exact: true }).waitFor();
      await page.reload();
      await methods
        .getByTestId('payment-method')
        .filter({ hasText: '4242' })
        .getByText('Default', { exact: true })
        .waitFor();
      await page.getByRole('button', { name: 'Add a card' }).waitFor();
      const upcoming = page.getByTestId('upcoming-invoice');
      await upcoming.waitFor();
      const invoice = (await upcoming.textContent()) ?? '';
      expect(invoice.includes('$99'), `upcoming invoice does not show Pro's $99: ${invoice}`);
    },
  ],
  [
    'billing: settings shows the seats used against the plan',
    async (s) => {
      const { page, WEB } = s;
      await page.goto(`${WEB}/settings`);
      const seats = page.getByTestId('seats');
      await seats.waitFor();
      const text = (await seats.textContent()) ?? '';
      expect(/Seats: 1 of \d+ used/.test(text), `seats: ${text}`);
    },
  ],
  [
    'billing: a scheduled downgrade applies when Stripe reaches the period end',
    async (s) => {
      const { page, WEB } = s;
      await page.goto(`${WEB}/billing`);
      await page.getByText('Live', { exact: true }).waitFor();
      await plan(page, 'Starter').getByRole('button', { name: 'Switch at period end' }).click();
      const banner = page.getByTestId('pending-change');
      await banner.waitFor();
      await markPage(page);
      // The billing clock reaching the boundary: Stripe moves the subscription to Starter and says so.
      await control(s, 'advance-schedule', { tenant: s.billing.tenant });
      await feedShows(page, 'customer.subscription.updated');
      await page.getByTestId('subscription').getByText('Starter', { exact: true }).waitFor();
      await banner.waitFor({ state: 'detached' });
      expect(await pageKept(page), 'the page was reloaded to show the downgrade');
    },
  ],
];
