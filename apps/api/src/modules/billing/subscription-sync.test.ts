import { describe, expect, it } from 'vitest';
import type Stripe from 'stripe';
import { replacesCurrent } from './subscription-sync.js';
import type { SubscriptionRow } from './subscriptions.repo.js';

const row = (stripeSubscriptionId: string | null, status: string) =>
  ({ stripeSubscriptionId, status }) as SubscriptionRow;
const sub = (id: string, status: Stripe.Subscription.Status) => ({ id, status }) as Stripe.Subscription;

describe('the older-subscription rule (replacesCurrent), which API writes and every webhook share', () => {
  it('always applies the subscription the row follows, and anything to a row that follows none', () => {
    expect(replacesCurrent(null, sub('sub_a', 'canceled'))).toBe(true);
    expect(replacesCurrent(row(null, 'incomplete'), sub('sub_a', 'active'))).toBe(true);
    for (const status of ['active', 'canceled', 'past_due'] as const)
      expect(replacesCurrent(row('sub_a', 'active'), sub('sub_a', status))).toBe(true);
  });

  it('lets a live subscription replace an ended one, and nothing else replace another', () => {
    expect(replacesCurrent(row('sub_old', 'canceled'), sub('sub_new', 'trialing'))).toBe(true);
    expect(replacesCurrent(row('sub_old', 'incomplete_expired'), sub('sub_new', 'active'))).toBe(true);
    // Late news about an older subscription, whether it has ended or not.
    expect(replacesCurrent(row('sub_new', 'active'), sub('sub_old', 'canceled'))).toBe(false);
    expect(replacesCurrent(row('sub_new', 'active'), sub('sub_old', 'past_due'))).toBe(false);
    expect(replacesCurrent(row('sub_new', 'canceled'), sub('sub_old', 'canceled'))).toBe(false);
  });
});
