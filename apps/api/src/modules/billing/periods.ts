/** A usage period: `[start, end)`. */
export interface Period {
  start: Date;
  end: Date;
}

/**
 * The usage period containing `now`: the subscription's current Stripe period when it has one and
 * `now` falls inside it; otherwise the calendar month in UTC (tenants without a subscription, with
 * billing off, or a subscription whose period Stripe has not renewed yet).
 */
export function currentPeriod(
  now: Date,
  subscription?: { currentPeriodStart: Date | null; currentPeriodEnd: Date | null } | null,
): Period {
  const start = subscription?.currentPeriodStart;
  const end = subscription?.currentPeriodEnd;
  if (start && end && start <= now && now < end) return { start, end };
  return calendarMonth(now);
}

export function calendarMonth(now: Date): Period {
  return {
    start: new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1)),
    end: new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + 1, 1)),
  };
}
