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

/** One count a run or stream is held under: its key within the quota, and its limit (default: the policy's). */
export interface ConcurrencySlot {
  key: string;
  limit?: number;
}

/**
 * The answer for several counts of one concurrency quota, taken together (all or none). Allowed:
 * one lease holds a slot in each, `remaining` per count (unknown when failed open). Refused:
 * `refused` is the index of the first count that was full.
 */
export type ConcurrencyDecisions =
  | { allowed: true; remaining?: number[]; lease: StreamLease | null; failedOpen: boolean }
  | { allowed: false; refused: number; failedOpen: false };

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

  /** Takes a concurrency slot for a stream, renewed until `release()`; refuses when all are held. */
  async acquire(name: ConcurrencyQuotaName, key: string): Promise<ConcurrencyDecision> {
    const decision = await this.acquireAll(name, [{ key }]);
    if (!decision.allowed) return { allowed: false, remaining: 0, failedOpen: false };
    return {
      allowed: true,
      remaining: decision.remaining?.[0],
      lease: decision.lease,
      failedOpen: decision.failedOpen,
    };
  }

  /**
   * Takes a slot in every count of `slots` at once (a run: its caller's and its tenant's), or none:
   * one command, one lease renewed and released as one. Refuses at the first full count.
   */
  async acquireAll(name: ConcurrencyQuotaName, slots: readonly ConcurrencySlot[]): Promise<ConcurrencyDecisions> {
    const policy = this.policies[name];
    if (policy.kind !== 'concurrency') throw new Error(`${name} is not a concurrency quota`);
    const counts = slots.map((s) => ({ key: `rl:${name}:${s.key}`, limit: s.limit ?? policy.limit }));
    const leaseId = crypto.randomUUID();
    try {
      const grants = await withDeadline(
        this.deps.ports.leases.acquireAll(counts, leaseId, this.deps.limits.leaseTtlMs),
        this.deps.limits.storeTimeoutMs,
        `rate limit ${name}`,
      );
      if (!grants.acquired) {
        this.hits.inc({ quota: name });
        return { allowed: false, refused: grants.refused, failedOpen: false };
      }
      const lease = new StreamLeaseImpl(
        this,
        name,
        counts.map((c) => c.key),
        leaseId,
      );
      this.held.add(lease);
      this.activeLeases.inc({ quota: name }, counts.length);
      return {
        allowed: true,
        remaining: counts.map((c, i) => c.limit - (grants.held[i] ?? 0)),
        lease,
        failedOpen: false,
      };
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

  /** @internal Renews one lease (under each of its keys, in one command); a failure keeps the stream (fail open) and is reported. */
  async renewLease(lease: StreamLeaseImpl): Promise<void> {
    try {
      const alive = await withDeadline(
        this.deps.ports.leases.renewAll(lease.keys, lease.id, this.deps.limits.leaseTtlMs),
        this.deps.limits.storeTimeoutMs,
        `rate limit ${lease.quota}`,
      );
      const lost = lease.keys.filter((_, i) => !alive[i]);
      if (lost.length > 0 && !lease.released) {
        // The lease expired (the process stalled longer than its TTL, or Redis lost it). The stream
        // goes on; the slot is counted again from now on if there is room.
        this.deps.logger.warn(
          { event: 'rate_limit.lease_lost', quota: lease.quota },
          'a stream lease expired before renewal',
        );
        await this.deps.ports.leases.acquireAll(
          lost.map((key) => ({ key, limit: Number.MAX_SAFE_INTEGER })),
          lease.id,
          this.deps.limits.leaseTtlMs,
        );
      }
    } catch (err) {
      this.reportFailOpen(lease.quota, 'renew', err);
    }
  }

  /** @internal Gives one lease back (under each of its keys, in one command); tracked so shutdown can wait for it. */
  releaseLease(lease: StreamLeaseImpl): Promise<void> {
    this.held.delete(lease);
    this.activeLeases.dec({ quota: lease.quota }, lease.keys.length);
    const done = withDeadline(
      this.deps.ports.leases.releaseAll(lease.keys, lease.id),
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
    /** Every count the lease holds a slot in (the same lease id under each). */
    readonly keys: readonly string[],
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
