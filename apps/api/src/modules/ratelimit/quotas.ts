import type { Config } from '../../config.js';

/** Quotas counted over a time window (requests per minute). */
export type WindowQuotaName = 'chat_per_minute' | 'chat_stream_per_minute' | 'login_per_ip' | 'shared_read_per_ip';
/** Quotas on things held open at once (streams). */
export type ConcurrencyQuotaName = 'chat_stream_concurrency' | 'billing_stream_concurrency';
/** Every quota of API.md's "Rate limits" table. */
export type QuotaName = WindowQuotaName | ConcurrencyQuotaName;

/** Who a quota counts: the caller's tenant and subject, the caller's tenant, or the client IP. */
export type QuotaKey = 'tenant_user' | 'tenant' | 'client_ip';

/** One quota as configured. A `limit` of 0 disables it. */
export type QuotaPolicy =
  | { name: WindowQuotaName; kind: 'window'; key: QuotaKey; limit: number; windowSeconds: number }
  | {
      name: ConcurrencyQuotaName;
      kind: 'concurrency';
      key: QuotaKey;
      limit: number;
      /**
       * On routes whose slots are held by the run they start (`concurrencyHeldBy: 'run'`), a second
       * count over the whole tenant; 0 or absent: none.
       */
      tenantLimit?: number;
    };

export const QUOTA_NAMES: readonly QuotaName[] = [
  'chat_per_minute',
  'chat_stream_per_minute',
  'chat_stream_concurrency',
  'billing_stream_concurrency',
  'login_per_ip',
  'shared_read_per_ip',
];

/** The API.md table, with limits from `RATE_LIMIT_*` (config.limits). */
export function quotaPolicies(limits: Config['limits']): Record<QuotaName, QuotaPolicy> {
  const w = limits.windowSeconds;
  return {
    chat_per_minute: {
      name: 'chat_per_minute',
      kind: 'window',
      key: 'tenant_user',
      limit: limits.chatPerMinute,
      windowSeconds: w,
    },
    chat_stream_per_minute: {
      name: 'chat_stream_per_minute',
      kind: 'window',
      key: 'tenant_user',
      limit: limits.chatStreamPerMinute,
      windowSeconds: w,
    },
    chat_stream_concurrency: {
      name: 'chat_stream_concurrency',
      kind: 'concurrency',
      key: 'tenant_user',
      limit: limits.chatStreamConcurrency,
      tenantLimit: limits.chatStreamConcurrencyPerTenant,
    },
    billing_stream_concurrency: {
      name: 'billing_stream_concurrency',
      kind: 'concurrency',
      // Per user: one viewer must not be able to hold every billing stream slot of the tenant.
      key: 'tenant_user',
      limit: limits.billingStreamConcurrency,
    },
    login_per_ip: {
      name: 'login_per_ip',
      kind: 'window',
      key: 'client_ip',
      limit: limits.loginPerIpPerMinute,
      windowSeconds: w,
    },
    shared_read_per_ip: {
      name: 'shared_read_per_ip',
      kind: 'window',
      key: 'client_ip',
      limit: limits.sharedReadPerIpPerMinute,
      windowSeconds: w,
    },
  };
}
