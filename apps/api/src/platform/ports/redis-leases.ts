import type { Redis } from 'ioredis';
import type { LeaseGrant, LeaseGrants, Leases, LeaseSlot } from './types.js';

// Leases: one sorted set per key, member = lease id, score = expiry in ms on Redis's clock (TIME),
// so replicas with skewed clocks agree. Expired members are dropped before counting; each key itself
// expires with its longest lease, so an abandoned key never lingers. Every operation takes a list
// of keys (one lease id under each), so a run held under its user's and its tenant's counts costs
// one command to acquire, renew or release. Multi-key scripts need every key on one node: Agentry
// talks to a single Redis (no Cluster), as its streams and BullMQ do.
const LEASE_NOW = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)`;
const LEASE_EXTEND_KEY = `
    if redis.call('PTTL', key) < ttl then redis.call('PEXPIRE', key, ttl) end`;
/**
 * KEYS = sets; ARGV = lease id, ttl ms, then one limit per key. All or none: every key is checked
 * before any is written. Returns {refused (1-based index of the first full key; 0: acquired), held…}.
 */
const LEASE_ACQUIRE_ALL = `${LEASE_NOW}
local id, ttl, held, refused = ARGV[1], tonumber(ARGV[2]), {}, 0
for i, key in ipairs(KEYS) do
  redis.call('ZREMRANGEBYSCORE', key, '-inf', now)
  held[i] = redis.call('ZCARD', key)
  if refused == 0 and held[i] >= tonumber(ARGV[i + 2]) and not redis.call('ZSCORE', key, id) then refused = i end
end
if refused == 0 then
  for i, key in ipairs(KEYS) do
    redis.call('ZADD', key, now + ttl, id)${LEASE_EXTEND_KEY}
  end
  for i, key in ipairs(KEYS) do held[i] = redis.call('ZCARD', key) end
end
table.insert(held, 1, refused)
return held`;
/** KEYS = sets; ARGV = lease id, ttl ms. Returns 1 per key whose lease was live (and is extended), else 0. */
const LEASE_RENEW_ALL = `${LEASE_NOW}
local id, ttl, alive = ARGV[1], tonumber(ARGV[2]), {}
for i, key in ipairs(KEYS) do
  redis.call('ZREMRANGEBYSCORE', key, '-inf', now)
  alive[i] = 0
  if redis.call('ZSCORE', key, id) then
    redis.call('ZADD', key, 'XX', now + ttl, id)${LEASE_EXTEND_KEY}
    alive[i] = 1
  end
end
return alive`;
/** KEYS = sets; ARGV = lease id. */
const LEASE_RELEASE_ALL = `
for _, key in ipairs(KEYS) do redis.call('ZREM', key, ARGV[1]) end
return 0`;
const LEASE_COUNT = `${LEASE_NOW}
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
return redis.call('ZCARD', KEYS[1])`;

/** The lease scripts, as `createRedisPorts` defines them (EVALSHA; the key count comes first). */
type LeaseCommands = Redis & {
  agentryLeaseAcquireAll(numKeys: number, ...args: (string | number)[]): Promise<number[]>;
  agentryLeaseRenewAll(numKeys: number, ...args: (string | number)[]): Promise<number[]>;
  agentryLeaseReleaseAll(numKeys: number, ...args: (string | number)[]): Promise<number>;
  agentryLeaseCount(numKeys: number, key: string): Promise<number>;
};

export function defineLeaseCommands(redis: Redis): void {
  redis.defineCommand('agentryLeaseAcquireAll', { lua: LEASE_ACQUIRE_ALL });
  redis.defineCommand('agentryLeaseRenewAll', { lua: LEASE_RENEW_ALL });
  redis.defineCommand('agentryLeaseReleaseAll', { lua: LEASE_RELEASE_ALL });
  redis.defineCommand('agentryLeaseCount', { lua: LEASE_COUNT });
}

export class RedisLeases implements Leases {
  private readonly redis: LeaseCommands;
  constructor(
    redis: Redis,
    private readonly prefix: string,
  ) {
    this.redis = redis as LeaseCommands;
  }
  async acquire(key: string, leaseId: string, options: { limit: number; ttlMs: number }): Promise<LeaseGrant> {
    const grants = await this.acquireAll([{ key, limit: options.limit }], leaseId, options.ttlMs);
    return { acquired: grants.acquired, held: grants.held[0] ?? 0 };
  }
  async acquireAll(slots: readonly LeaseSlot[], leaseId: string, ttlMs: number): Promise<LeaseGrants> {
    if (slots.length === 0) return { acquired: true, held: [] };
    const [refused, ...held] = (
      await this.redis.agentryLeaseAcquireAll(
        slots.length,
        ...slots.map((s) => this.prefix + s.key),
        leaseId,
        Math.ceil(ttlMs),
        ...slots.map((s) => s.limit),
      )
    ).map(Number);
    return refused === 0 ? { acquired: true, held } : { acquired: false, refused: refused - 1, held };
  }
  async renew(key: string, leaseId: string, ttlMs: number) {
    return (await this.renewAll([key], leaseId, ttlMs))[0] ?? false;
  }
  async renewAll(keys: readonly string[], leaseId: string, ttlMs: number) {
    if (keys.length === 0) return [];
    const alive = await this.redis.agentryLeaseRenewAll(
      keys.length,
      ...keys.map((k) => this.prefix + k),
      leaseId,
      Math.ceil(ttlMs),
    );
    return alive.map((a) => Number(a) === 1);
  }
  async release(key: string, leaseId: string) {
    await this.redis.zrem(this.prefix + key, leaseId);
  }
  async releaseAll(keys: readonly string[], leaseId: string) {
    if (keys.length === 1) return this.release(keys[0], leaseId);
    if (keys.length > 1)
      await this.redis.agentryLeaseReleaseAll(keys.length, ...keys.map((k) => this.prefix + k), leaseId);
  }
  async count(key: string) {
    return Number(await this.redis.agentryLeaseCount(1, this.prefix + key));
  }
}
