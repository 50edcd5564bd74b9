import type { DbOrTx } from '../../platform/db/client.js';
import { DEFAULT_PLAN_CODE, planStorageCap, type PlanCatalog, type PlanRecord } from './plans.js';
import { hasEnded, type SubscriptionsRepo } from './subscriptions.repo.js';

/** Seats in use (members + pending invitations): the tenants module counts them. */
/** Bytes of files a tenant stores: the files module counts them. */
export interface StorageCounter {
  usedBytes(tenantId: string): Promise<number>;
}

export interface SeatCounter {
  countSeats(tenantId: string): Promise<number>;
}

/** The plan's `seats` hard limit, or null when the plan sets none. */
export function planSeatCap(plan: PlanRecord): number | null {
  return plan.features.find((f) => f.key === 'seats')?.hard_limit ?? null;
}

/**
 * How many seats (members + pending invitations) a tenant may hold (API.md "Billing, more"): the
 * live subscription's `seat_count`, never above its plan's `seats` hard limit; without one, the
 * starter plan's `seats_included`. The tenants module enforces it on invitation and join.
 */
export class SeatLimits {
  constructor(private readonly deps: { plans: PlanCatalog; subscriptions: SubscriptionsRepo }) {}

  async limit(db: DbOrTx, tenantId: string): Promise<number> {
    const subscription = await this.deps.subscriptions.find(db, tenantId);
    if (!subscription || hasEnded(subscription.status))
      return (await this.deps.plans.getOrDefault(DEFAULT_PLAN_CODE, db)).seatsIncluded;
    const cap = planSeatCap(await this.deps.plans.getOrDefault(subscription.planCode, db));
    return cap === null ? subscription.seatCount : Math.min(subscription.seatCount, cap);
  }
}

/**
 * How many bytes of files a tenant may store: its live subscription's plan `storage_bytes`, or the
 * starter plan's without one (and when billing is off). The files module enforces it on upload.
 */
export class StorageLimits {
  constructor(private readonly deps: { plans: PlanCatalog; subscriptions: SubscriptionsRepo }) {}

  async storageLimitBytes(db: DbOrTx, tenantId: string): Promise<number | null> {
    const subscription = await this.deps.subscriptions.find(db, tenantId);
    const code = !subscription || hasEnded(subscription.status) ? DEFAULT_PLAN_CODE : subscription.planCode;
    return planStorageCap(await this.deps.plans.getOrDefault(code, db));
  }
}
