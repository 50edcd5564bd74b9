import { z } from 'zod';
import { IdParam, Timestamp, Uuid } from './common.js';
import { Subscription, UsageResponse } from './billing.js';
import { Member } from './tenants.js';

/** Platform operators' view of tenants (API.md "Tenant operations and audit"); `platform:operator`. */
export const TenantStatus = z.enum(['active', 'suspended', 'deprovisioned']);

export const PlatformTenant = z.object({
  id: Uuid,
  slug: z.string(),
  name: z.string(),
  status: TenantStatus,
  created_at: Timestamp,
  member_count: z.number().int(),
  plan_code: z.string().nullable(),
});
export type PlatformTenant = z.infer<typeof PlatformTenant>;

export const PlatformTenantList = z.object({ items: z.array(PlatformTenant), next_cursor: z.string().nullable() });
export type PlatformTenantList = z.infer<typeof PlatformTenantList>;

export const PlatformTenantQuery = z.object({
  q: z
    .string()
    .trim()
    .min(1)
    .max(200)
    .refine((q) => !q.includes('\u0000'), 'must not contain NUL characters')
    .optional(),
  status: TenantStatus.optional(),
  limit: z.coerce.number().int().min(1).max(100).default(50),
  cursor: z.string().max(200).optional(),
});

export const PlatformTenantDetail = PlatformTenant.extend({
  suspended_at: Timestamp.nullable(),
  suspend_reason: z.string().nullable(),
  /** When a deprovisioned tenant's rows are deleted. */
  delete_after: Timestamp.nullable(),
  members: z.array(Member),
  subscription: Subscription.nullable(),
  usage: UsageResponse.nullable(),
});
export type PlatformTenantDetail = z.infer<typeof PlatformTenantDetail>;

export const PlatformTenantParam = IdParam;

export const SuspendTenantRequest = z.object({
  reason: z
    .string()
    .trim()
    .min(1)
    .max(500)
    .refine((r) => !r.includes('\u0000'), 'must not contain NUL characters'),
});
export const DeprovisionTenantRequest = SuspendTenantRequest;
export const DeprovisionTenantResponse = z.object({
  id: Uuid,
  status: z.literal('deprovisioned'),
  delete_after: Timestamp,
});

export const SuspendTenantResponse = z.object({
  id: Uuid,
  status: z.literal('suspended'),
  reason: z.string(),
  suspended_at: Timestamp,
});
export const ReactivateTenantResponse = z.object({ id: Uuid, status: z.literal('active') });
