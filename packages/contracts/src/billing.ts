import { z } from 'zod';
import { Timestamp, Uuid } from './common.js';

export const PlanFeature = z.object({
  key: z.string(),
  display_name: z.string(),
  hard_limit: z.number().int().nullable(),
  soft_limit: z.number().int().nullable(),
  metered: z.boolean(),
});
export const Plan = z.object({
  code: z.string(),
  name: z.string(),
  description: z.string(),
  interval: z.enum(['month', 'year']),
  price_cents: z.number().int(),
  currency: z.string(),
  trial_days: z.number().int(),
  seats_included: z.number().int(),
  features: z.array(PlanFeature),
});
export type Plan = z.infer<typeof Plan>;
export const PlanList = z.object({ items: z.array(Plan) });

export const SUBSCRIPTION_STATUSES = [
  'trialing',
  'active',
  'past_due',
  'canceled',
  'unpaid',
  'incomplete',
  'incomplete_expired',
  'paused',
] as const;

export const Subscription = z.object({
  tenant_id: Uuid,
  plan_code: z.string(),
  status: z.enum(SUBSCRIPTION_STATUSES),
  auto_renew: z.boolean(),
  billing_email: z.string().nullable(),
  seat_count: z.number().int(),
  current_period_start: Timestamp.nullable(),
  current_period_end: Timestamp.nullable(),
  trial_ends_at: Timestamp.nullable(),
  cancel_at: Timestamp.nullable(),
  /** A plan change scheduled for the period end (a Stripe subscription schedule), or null. */
  pending_plan_code: z.string().nullable(),
  pending_change_at: Timestamp.nullable(),
});
export type Subscription = z.infer<typeof Subscription>;

export const TenantIdParam = z.object({ tenant_id: Uuid });
export const CreateSubscriptionRequest = z.object({
  plan_code: z.string().min(1).max(64),
  billing_email: z.email().max(254).optional(),
  seat_count: z.number().int().min(1).max(10_000).optional(),
});
/** When a plan change applies: `now` (prorated) or `period_end` (scheduled). Default: upgrades now, downgrades at the period end. */
export const PLAN_CHANGE_TIMINGS = ['now', 'period_end'] as const;
export const UpdateSubscriptionRequest = z.object({
  plan_code: z.string().min(1).max(64).optional(),
  timing: z.enum(PLAN_CHANGE_TIMINGS).optional(),
  seat_count: z.number().int().min(1).max(10_000).optional(),
  auto_renew: z.boolean().optional(),
  billing_email: z.email().max(254).optional(),
});
export const CancelSubscriptionRequest = z.object({ at_period_end: z.boolean().default(true) });
export const UrlResponse = z.object({ url: z.string() });
export const CheckoutSessionRequest = z.object({
  plan_code: z.string().min(1).max(64).optional(),
  success_url: z.url().optional(),
  cancel_url: z.url().optional(),
});
export const PortalSessionRequest = z.object({ return_url: z.url().optional() });

export const UsageRequest = z.object({
  feature_key: z.string().min(1).max(64),
  quantity: z.number().int().min(1).max(1_000_000_000),
  idempotency_key: z.string().min(1).max(200).optional(),
});
/** 202 answer of POST …/usage: `duplicate` when the idempotency key was recorded before (counted once). */
export const UsageAccepted = z.object({ accepted: z.literal(true), duplicate: z.boolean() });
export const UsageItem = z.object({
  feature_key: z.string(),
  used: z.number().int(),
  hard_limit: z.number().int().nullable(),
  soft_limit: z.number().int().nullable(),
});
export const UsageResponse = z.object({ period_start: Timestamp, period_end: Timestamp, items: z.array(UsageItem) });
export type UsageResponse = z.infer<typeof UsageResponse>;

export const Invoice = z.object({
  id: z.string(),
  status: z.string(),
  amount_due_cents: z.number().int(),
  currency: z.string(),
  hosted_invoice_url: z.string().nullable(),
  period_start: Timestamp.nullable(),
  period_end: Timestamp.nullable(),
});
export const InvoiceList = z.object({ items: z.array(Invoice) });
export type Invoice = z.infer<typeof Invoice>;

/** The next invoice as Stripe previews it (prorations and a scheduled change included). */
export const UpcomingInvoice = z.object({
  amount_due_cents: z.number().int(),
  currency: z.string(),
  period_start: Timestamp.nullable(),
  period_end: Timestamp.nullable(),
  lines: z.array(z.object({ description: z.string(), amount_cents: z.number().int() })),
});
export type UpcomingInvoice = z.infer<typeof UpcomingInvoice>;

export const PaymentMethod = z.object({
  id: z.string(),
  brand: z.string(),
  last4: z.string(),
  exp_month: z.number().int(),
  exp_year: z.number().int(),
  is_default: z.boolean(),
});
export type PaymentMethod = z.infer<typeof PaymentMethod>;
export const PaymentMethodList = z.object({ items: z.array(PaymentMethod) });
/** A Stripe payment method id in a path: `pm_` and Stripe's id alphabet only. */
export const PaymentMethodIdParam = z.object({
  tenant_id: Uuid,
  pm_id: z.string().regex(/^pm_[A-Za-z0-9]{1,100}$/),
});
export const PaymentMethodDefaultResponse = z.object({ id: z.string(), is_default: z.literal(true) });
/** What Stripe Elements needs to collect a card for later use, and the publishable key to load it with. */
export const SetupIntentResponse = z.object({ client_secret: z.string(), publishable_key: z.string().nullable() });

export const BillingEvent = z.object({
  tenant_id: Uuid,
  type: z.string(),
  stripe_event_id: z.string().nullable(),
  occurred_at: Timestamp,
  summary: z.string(),
  subscription: Subscription.optional(),
  invoice: Invoice.optional(),
  usage: z
    .object({
      feature_key: z.string(),
      used: z.number().int(),
      soft_limit: z.number().int().nullable(),
      hard_limit: z.number().int().nullable(),
    })
    .optional(),
});
export type BillingEvent = z.infer<typeof BillingEvent>;

export const WebhookAck = z.object({ received: z.literal(true), duplicate: z.boolean() });
