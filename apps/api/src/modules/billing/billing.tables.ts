import { sql } from 'drizzle-orm';
import {
  bigint,
  boolean,
  index,
  integer,
  jsonb,
  pgTable,
  primaryKey,
  text,
  timestamp,
  uniqueIndex,
  uuid,
} from 'drizzle-orm/pg-core';

/** One limit of a plan, as stored in `billing_plans.features` (JSON). */
export interface PlanFeatureRow {
  key: string;
  display_name: string;
  hard_limit: number | null;
  soft_limit: number | null;
  /** Reported to Stripe as meter events (`agentry_<key>`). */
  metered: boolean;
}

/** The plan catalog, seeded by a migration; `stripe_price_id` is filled by `agentry stripe setup`. */
export const billingPlans = pgTable('billing_plans', {
  id: uuid('id').primaryKey().defaultRandom(),
  code: text('code').notNull().unique(),
  name: text('name').notNull(),
  description: text('description').notNull(),
  interval: text('interval').notNull(),
  priceCents: integer('price_cents').notNull(),
  currency: text('currency').notNull(),
  trialDays: integer('trial_days').notNull(),
  seatsIncluded: integer('seats_included').notNull(),
  features: jsonb('features').$type<PlanFeatureRow[]>().notNull(),
  sortOrder: integer('sort_order').notNull().default(0),
  stripeProductId: text('stripe_product_id'),
  stripePriceId: text('stripe_price_id'),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
});

/** The Stripe customer of a tenant (one per tenant, created on first need). */
export const billingCustomers = pgTable('billing_customers', {
  id: uuid('id').primaryKey().defaultRandom(),
  tenantId: uuid('tenant_id').notNull().unique(),
  stripeCustomerId: text('stripe_customer_id').notNull().unique(),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
});

/** A tenant's subscription, mirrored from Stripe (Stripe is the source of truth; webhooks re-sync it). */
export const billingSubscriptions = pgTable('billing_subscriptions', {
  id: uuid('id').primaryKey().defaultRandom(),
  tenantId: uuid('tenant_id').notNull().unique(),
  planCode: text('plan_code').notNull(),
  status: text('status').notNull(),
  autoRenew: boolean('auto_renew').notNull().default(true),
  billingEmail: text('billing_email'),
  seatCount: integer('seat_count').notNull().default(1),
  stripeSubscriptionId: text('stripe_subscription_id').unique(),
  stripeItemId: text('stripe_item_id'),
  currentPeriodStart: timestamp('current_period_start', { withTimezone: true }),
  currentPeriodEnd: timestamp('current_period_end', { withTimezone: true }),
  trialEndsAt: timestamp('trial_ends_at', { withTimezone: true }),
  cancelAt: timestamp('cancel_at', { withTimezone: true }),
  /** A plan change scheduled at the period end through this Stripe subscription schedule. */
  stripeScheduleId: text('stripe_schedule_id'),
  pendingPlanCode: text('pending_plan_code'),
  pendingChangeAt: timestamp('pending_change_at', { withTimezone: true }),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
});

/** Invoices, mirrored from Stripe by the invoice webhooks. */
export const billingInvoices = pgTable(
  'billing_invoices',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    tenantId: uuid('tenant_id').notNull(),
    stripeInvoiceId: text('stripe_invoice_id').notNull().unique(),
    status: text('status').notNull(),
    amountDueCents: integer('amount_due_cents').notNull(),
    currency: text('currency').notNull(),
    hostedInvoiceUrl: text('hosted_invoice_url'),
    periodStart: timestamp('period_start', { withTimezone: true }),
    periodEnd: timestamp('period_end', { withTimezone: true }),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index('billing_invoices_tenant_idx').on(t.tenantId, t.createdAt)],
);

/**
 * Every Stripe webhook event received, stored before it is acknowledged. The unique event id makes a
 * redelivery a no-op; status/attempts/last_error record the dispatch (received → processed | failed).
 */
export const stripeEvents = pgTable(
  'stripe_events',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    stripeEventId: text('stripe_event_id').notNull().unique(),
    type: text('type').notNull(),
    payload: jsonb('payload').notNull(),
    status: text('status').notNull().default('received'),
    attempts: integer('attempts').notNull().default(0),
    lastError: text('last_error'),
    tenantId: uuid('tenant_id'),
    stripeCreatedAt: timestamp('stripe_created_at', { withTimezone: true }),
    receivedAt: timestamp('received_at', { withTimezone: true }).notNull().defaultNow(),
    processedAt: timestamp('processed_at', { withTimezone: true }),
  },
  (t) => [index('stripe_events_status_idx').on(t.status, t.receivedAt)],
);

/**
 * One usage record per idempotency key (chat runs use `run:<runId>:<feature>`). `reported_at` is set
 * once a metered record has been sent to Stripe as a meter event.
 */
export const usageRecords = pgTable(
  'usage_records',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    tenantId: uuid('tenant_id').notNull(),
    featureKey: text('feature_key').notNull(),
    quantity: bigint('quantity', { mode: 'number' }).notNull(),
    periodStart: timestamp('period_start', { withTimezone: true }).notNull(),
    idempotencyKey: text('idempotency_key').notNull(),
    reportedAt: timestamp('reported_at', { withTimezone: true }),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex('usage_records_tenant_key_uq').on(t.tenantId, t.idempotencyKey),
    index('usage_records_unreported_idx').on(t.createdAt).where(sql`${t.reportedAt} is null`),
  ],
);

/** Running totals per tenant, feature and period: one atomic upsert per record, read before each run. */
export const usageTotals = pgTable(
  'usage_totals',
  {
    tenantId: uuid('tenant_id').notNull(),
    featureKey: text('feature_key').notNull(),
    periodStart: timestamp('period_start', { withTimezone: true }).notNull(),
    used: bigint('used', { mode: 'number' }).notNull().default(0),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.tenantId, t.featureKey, t.periodStart] })],
);
