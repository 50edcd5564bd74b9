import type { Plan } from '@agentry/contracts';
import type { Database, DbOrTx } from '../../platform/db/client.js';
import { AppError } from '../../platform/errors.js';
import type { billingPlans, PlanFeatureRow } from './billing.tables.js';
import { PlansRepo } from './plans.repo.js';

/**
 * The plan that applies to a tenant without a subscription (and to every tenant when billing is
 * off): its limits are enforced and its usage metered all the same. See README.md.
 */
export const DEFAULT_PLAN_CODE = 'starter';

/** A plan as the services use it (the row minus bookkeeping). */
export interface PlanRecord {
  code: string;
  name: string;
  description: string;
  interval: 'month' | 'year';
  priceCents: number;
  currency: string;
  trialDays: number;
  seatsIncluded: number;
  features: PlanFeatureRow[];
  stripeProductId: string | null;
  stripePriceId: string | null;
}

/**
 * The plan catalog (seeded by a migration; read on `database.db`, or on the caller's transaction when
 * it reads inside one — an embedded database has one connection, which the transaction holds).
 * Stripe price ids: `STRIPE_PRODUCT_PRICE_MAP` wins over the database.
 */
export class PlanCatalog {
  private readonly repo = new PlansRepo();

  constructor(
    private readonly database: Database,
    /** `STRIPE_PRODUCT_PRICE_MAP` (config.ts): plan code → Stripe price id. */
    private readonly configuredPrices: Readonly<Record<string, string>>,
  ) {}

  async list(): Promise<PlanRecord[]> {
    return (await this.repo.list(this.database.db)).map(toRecord);
  }

  async get(code: string, db: DbOrTx = this.database.db): Promise<PlanRecord | null> {
    const row = await this.repo.get(db, code);
    return row ? toRecord(row) : null;
  }

  /** The plan for `code`, or the default plan when the code is unknown (a plan removed since). */
  async getOrDefault(code: string | null | undefined, db: DbOrTx = this.database.db): Promise<PlanRecord> {
    const plan = (code ? await this.get(code, db) : null) ?? (await this.get(DEFAULT_PLAN_CODE, db));
    if (!plan) throw new Error(`default plan ${DEFAULT_PLAN_CODE} is missing: were the migrations applied?`);
    return plan;
  }

  /** The plan for `code`, or 404 `not_found`. */
  async require(code: string): Promise<PlanRecord> {
    const plan = await this.get(code);
    if (!plan) throw new AppError('not_found', 'Unknown plan.');
    return plan;
  }

  /** The plan's Stripe price, or 503 `unavailable` until `agentry stripe setup` has made one. */
  requirePrice(plan: PlanRecord): string {
    const price = this.priceIdFor(plan);
    if (!price)
      throw new AppError('unavailable', `Plan ${plan.code} has no Stripe price yet: run \`agentry stripe setup\`.`);
    return price;
  }

  priceIdFor(plan: PlanRecord): string | null {
    return this.configuredPrices[plan.code] ?? plan.stripePriceId;
  }

  /** The plan a Stripe price belongs to (webhooks carry prices, not plan codes). */
  async planForPrice(priceId: string): Promise<PlanRecord | null> {
    const fromConfig = Object.entries(this.configuredPrices).find(([, id]) => id === priceId)?.[0];
    if (fromConfig) return this.get(fromConfig);
    const row = await this.repo.findByPrice(this.database.db, priceId);
    return row ? toRecord(row) : null;
  }

  async recordStripeIds(code: string, ids: { productId: string; priceId: string }) {
    await this.repo.recordStripeIds(this.database.db, code, ids);
  }
}

export function toPlanResponse(plan: PlanRecord): Plan {
  return {
    code: plan.code,
    name: plan.name,
    description: plan.description,
    interval: plan.interval,
    price_cents: plan.priceCents,
    currency: plan.currency,
    trial_days: plan.trialDays,
    seats_included: plan.seatsIncluded,
    features: plan.features.map((f) => ({
      key: f.key,
      display_name: f.display_name,
      hard_limit: f.hard_limit,
      soft_limit: f.soft_limit,
      metered: f.metered,
    })),
  };
}

function toRecord(row: typeof billingPlans.$inferSelect): PlanRecord {
  return {
    code: row.code,
    name: row.name,
    description: row.description,
    interval: row.interval === 'year' ? 'year' : 'month',
    priceCents: row.priceCents,
    currency: row.currency,
    trialDays: row.trialDays,
    seatsIncluded: row.seatsIncluded,
    features: row.features,
    stripeProductId: row.stripeProductId,
    stripePriceId: row.stripePriceId,
  };
}

/** The plan feature limiting a tenant's stored file bytes (API.md "Files and knowledge"). */
export const STORAGE_BYTES_FEATURE = 'storage_bytes';
/** What the catalog's migration seeds (starter 1 GiB, pro 20 GiB); used when a plan lacks the feature. */
export const DEFAULT_STORAGE_BYTES: Readonly<Record<string, number>> = { starter: 1024 ** 3, pro: 20 * 1024 ** 3 };

/** The plan's `storage_bytes` hard limit (the seeded default when a plan row predates the feature). */
export function planStorageCap(plan: PlanRecord): number | null {
  const feature = plan.features.find((f) => f.key === STORAGE_BYTES_FEATURE);
  if (feature) return feature.hard_limit;
  return DEFAULT_STORAGE_BYTES[plan.code] ?? DEFAULT_STORAGE_BYTES[DEFAULT_PLAN_CODE] ?? null;
}
