import crypto from 'node:crypto';
import type { Logger } from 'pino';
import type { Config } from '../../config.js';
import type { Metrics } from '../../platform/metrics.js';
import type { Ports } from '../../platform/ports/index.js';
import {
  quotaPolicies,
  type ConcurrencyQuotaName,
  type QuotaName,
  type QuotaPolicy,
  type WindowQuotaName,
} from './quotas.js';
import { withDeadline } from './store-guard.js';

/** The answer for one request against one window quota. */
export interface WindowDecision {
  allowed: boolean;
  /** Unknown (undefined) when the store failed and the quota failed open. */
  remaining?: number;
  resetSeconds?: number;
  failedOpen: boolean;
}

/** One held concurrency slot. Renewed in the background until released. */
export interface StreamLease {
  /** Gives the slot back (idempotent); stops renewing it. */
  release(): Promise<void>;
  readonly released: boolean;
}

/** The answer for one stream against one concurrency quota. */
export type ConcurrencyDecision =
  | { allowed: true; remaining?: number; lease: StreamLease | null; failedOpen: boolean }
  | { allowed: false; remaining: 0; failedOpen: false };

export interface RateLimiterDeps {
  ports: Ports;
  limits: Config['limits'];
  metrics: Metrics;
  logger: Logger;
}

/** Fail-open warnings are logged at most this often per quota, so an outage does not flood the logs. */
const FAIL_OPEN_LOG_INTERVAL_MS = 10_000;

/**
 * Window quotas (fixed windows on the atomic `Counters` port) and concurrency quotas (the `Leases`
 * port). Both live in Redis when it is configured, so every replica shares one count; in-process
 * otherwise. When the store fails or is slow the quota FAILS OPEN (see README.md): the request is
 * served, `rate_limit_fail_open_total{quota}` counts it, and a warning is logged.
 */
export class RateLimiter {
  readonly policies: Record<QuotaName, QuotaPolicy>;
  private readonly hits;
  private readonly failOpen;
  private readonly activeLeases;
  private readonly lastFailOpenLog = new Map<QuotaName, number>();
  private readonly held = new Set<StreamLeaseImpl>();
  private readonly pendingReleases = new Set<Promise<void>>();

  constructor(private readonly deps: RateLimiterDeps) {
    this.policies = quotaPolicies(deps.limits);
    this.hits = deps.metrics.counter('rate_limit_hits_total', 'Requests refused by a rate limit (429), by quota', [
      'quota',
    ]);
    this.failOpen = deps.metrics.counter(
      'rate_limit_fail_open_total',
      'Quota checks that failed open because the limiter store was unavailable',
      ['quota', 'operation'],
    );
    this.activeLeases = deps.metrics.gauge(
      'rate_limit_leases_active',
      'Concurrency leases held by this process, by quota',
      ['quota'],
    );
  }

  /** Whether the quota is on (a limit of 0 disables it). */
  enabled(name: QuotaName): boolean {
    return this.policies[name].limit > 0;
  }

  /** Counts one request against a window quota and says whether it may proceed. */
  async consume(name: WindowQuotaName, key: string): Promise<WindowDecision> {
    const policy = this.policies[name];
    if (policy.kind !== 'window') throw new Error(`${name} is not a window quota`);
    try {
      const { value, ttlMs } = await withDeadline(
        this.deps.ports.counters.increment(`rl:${name}:${key}`, { ttlSeconds: policy.windowSeconds }),
        this.deps.limits.storeTimeoutMs,
        `rate limit ${name}`,
      );
      // A counter without TTL (-1) cannot happen through increment; treat it as a full window anyway.
      const resetSeconds = ttlMs > 0 ? Math.ceil(ttlMs / 1000) : policy.windowSeconds;
      const allowed = value <= policy.limit;
      if (!allowed) this.hits.inc({ quota: name });
      return { allowed, remaining: policy.limit - Math.min(value, policy.limit), resetSeconds, failedOpen: false };
    } catch (err) {
      this.reportFailOpen(name, 'consume', err);
      return { allowed: true, failedOpen: true };
    }
  }

  /**
   * Takes a concurrency slot for a stream or a run, renewed until `release()`; refuses when all are
   * held. `limit` overrides the policy's (the tenant-wide count of run-held slots).
   */
  async acquire(name: ConcurrencyQuotaName, key: string, limit?: number): Promise<ConcurrencyDecision> {
    const policy = this.policies[name];
    if (policy.kind !== 'concurrency') throw new Error(`${name} is not a concurrency quota`);
    const max = limit ?? policy.limit;
    const leaseKey = `rl:${name}:${key}`;
    const leaseId = crypto.randomUUID();
    try {
      const grant = await withDeadline(
        this.deps.ports.leases.acquire(leaseKey, leaseId, { limit: max, ttlMs: this.deps.limits.leaseTtlMs }),
        this.deps.limits.storeTimeoutMs,
        `rate limit ${name}`,
      );
      if (!grant.acquired) {
        this.hits.inc({ quota: name });
        return { allowed: false, remaining: 0, failedOpen: false };
      }
      const lease = new StreamLeaseImpl(this, name, leaseKey, leaseId);
      this.held.add(lease);
      this.activeLeases.inc({ quota: name });
      return { allowed: true, remaining: max - grant.held, lease, failedOpen: false };
    } catch (err) {
      this.reportFailOpen(name, 'acquire', err);
      return { allowed: true, lease: null, failedOpen: true };
    }
  }

  /** Stops renewing and releases every lease still held, then waits for releases in flight (shutdown). */
  async close(): Promise<void> {
    await Promise.all([...this.held].map((l) => l.release()));
    await Promise.allSettled([...this.pendingReleases]);
  }

  /** @internal Renews one lease; a failure keeps the stream (fail open) and is reported. */
  async renewLease(lease: StreamLeaseImpl): Promise<void> {
    try {
      const alive = await withDeadline(
        this.deps.ports.leases.renew(lease.key, lease.id, this.deps.limits.leaseTtlMs),
        this.deps.limits.storeTimeoutMs,
        `rate limit ${lease.quota}`,
      );
      if (!alive && !lease.released) {
        // The lease expired (the process stalled longer than its TTL, or Redis lost it). The stream
        // goes on; the slot is counted again from now on if there is room.
        this.deps.logger.warn(
          { event: 'rate_limit.lease_lost', quota: lease.quota },
          'a stream lease expired before renewal',
        );
        await this.deps.ports.leases.acquire(lease.key, lease.id, {
          limit: Number.MAX_SAFE_INTEGER,
          ttlMs: this.deps.limits.leaseTtlMs,
        });
      }
    } catch (err) {
      this.reportFailOpen(lease.quota, 'renew', err);
    }
  }

  /** @internal Gives one lease back; tracked so shutdown can wait for it. */
  releaseLease(lease: StreamLeaseImpl): Promise<void> {
    this.held.delete(lease);
    this.activeLeases.dec({ quota: lease.quota });
    const done = withDeadline(
      this.deps.ports.leases.release(lease.key, lease.id),
      this.deps.limits.storeTimeoutMs * 4,
      `rate limit ${lease.quota}`,
    )
      .catch((err: unknown) => {
        // Not fatal: an unreleased lease expires after its TTL since nothing renews it any more.
        this.reportFailOpen(lease.quota, 'release', err);
      })
      .finally(() => this.pendingReleases.delete(done));
    this.pendingReleases.add(done);
    return done;
  }

  private reportFailOpen(quota: QuotaName, operation: 'consume' | 'acquire' | 'renew' | 'release', err: unknown) {
    this.failOpen.inc({ quota, operation });
    const now = Date.now();
    if (now - (this.lastFailOpenLog.get(quota) ?? 0) < FAIL_OPEN_LOG_INTERVAL_MS) return;
    this.lastFailOpenLog.set(quota, now);
    this.deps.logger.warn(
      { event: 'rate_limit.fail_open', quota, operation, err: err instanceof Error ? err.message : String(err) },
      'rate limit store unavailable: quota not enforced',
    );
  }

  /** @internal */
  get renewEveryMs(): number {
    return Math.max(50, Math.floor(this.deps.limits.leaseTtlMs / 3));
  }
}

class StreamLeaseImpl implements StreamLease {
  private timer: NodeJS.Timeout | undefined;
  private done = false;
  private renewing: Promise<void> | undefined;

  constructor(
    private readonly limiter: RateLimiter,
    readonly quota: ConcurrencyQuotaName,
    readonly key: string,
    readonly id: string,
  ) {
    this.timer = setInterval(() => {
      if (this.renewing) return; // the previous renewal is still waiting on the store
      this.renewing = this.limiter.renewLease(this).finally(() => (this.renewing = undefined));
    }, limiter.renewEveryMs);
    this.timer.unref();
  }

  get released() {
    return this.done;
  }

  async release(): Promise<void> {
    if (this.done) return;
    this.done = true;
    clearInterval(this.timer);
    // A renewal in flight could re-create the lease after we remove it: let it finish first.
    if (this.renewing) await this.renewing;
    await this.limiter.releaseLease(this);
  }
}
