import { createRequire } from 'node:module';
import type { Redis, RedisOptions } from 'ioredis';
import type { ConnectionOptions, Queue } from 'bullmq';
import type {
  AppendOptions,
  Counters,
  EventStreams,
  Job,
  JobHandler,
  JobOptions,
  JobQueue,
  KeyValueStore,
  LeaseGrant,
  LeaseGrants,
  Leases,
  LeaseSlot,
  Ports,
  PubSub,
  StreamEntry,
} from './types.js';

/** Redis implementations of the ports (production, multi-replica). Every key gets `prefix`. */

// ioredis and BullMQ (both CommonJS) are loaded when Redis is configured, not at import: an
// embedded start never pays for them (about a second of a cold start on a loaded host).
const require = createRequire(import.meta.url);
const ioredis = () => require('ioredis') as typeof import('ioredis');
const bullmq = () => require('bullmq') as typeof import('bullmq');

const INCREMENT_WITH_TTL = `
local v = redis.call('INCRBY', KEYS[1], ARGV[1])
if tonumber(ARGV[2]) > 0 and redis.call('PTTL', KEYS[1]) == -1 then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
end
return {v, redis.call('PTTL', KEYS[1])}`;

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

// Stream appends: the XADDs, the stream's expiry and the PUBLISH that wakes followers in one
// command (EVALSHA), so an append is one round trip and one command, a batch of entries wakes
// followers once, and a run log's retention costs no command of its own.
// KEYS[1] = stream; ARGV = channel, maxLen (0: none), ttl ms (0: leave the expiry as it is), then
// id, data pairs. Returns the last id. A refused XADD ends the script: no expiry, no wake-up.
const STREAM_APPEND = `
local id
for i = 4, #ARGV, 2 do
  if tonumber(ARGV[2]) > 0 then
    id = redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[2], ARGV[i], 'd', ARGV[i + 1])
  else
    id = redis.call('XADD', KEYS[1], ARGV[i], 'd', ARGV[i + 1])
  end
end
if tonumber(ARGV[3]) > 0 then redis.call('PEXPIRE', KEYS[1], ARGV[3]) end
redis.call('PUBLISH', ARGV[1], id)
return id`;

export function redisOptions(url: string): RedisOptions {
  return {
    // Fail commands fast while Redis is away instead of queueing them forever; callers decide
    // whether to fail open (rate limits) or answer 503 (readiness).
    maxRetriesPerRequest: 1,
    connectTimeout: 2000,
    retryStrategy: (times) => Math.min(times * 100, 1000),
    lazyConnect: false,
    ...(url.startsWith('rediss://') ? { tls: {} } : {}),
  };
}

class RedisKeyValueStore implements KeyValueStore {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
  ) {}
  async get(key: string) {
    return this.redis.get(this.prefix + key);
  }
  async set(key: string, value: string, options: { ttlSeconds?: number; ifNotExists?: boolean } = {}) {
    const k = this.prefix + key;
    const ttl = options.ttlSeconds ? Math.ceil(options.ttlSeconds * 1000) : undefined;
    let result: string | null;
    if (ttl && options.ifNotExists) result = await this.redis.set(k, value, 'PX', ttl, 'NX');
    else if (ttl) result = await this.redis.set(k, value, 'PX', ttl);
    else if (options.ifNotExists) result = await this.redis.set(k, value, 'NX');
    else result = await this.redis.set(k, value);
    return result === 'OK';
  }
  async delete(key: string) {
    await this.redis.del(this.prefix + key);
  }
  async ttlMs(key: string) {
    return this.redis.pttl(this.prefix + key);
  }
}

class RedisCounters implements Counters {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
  ) {}
  async increment(key: string, options: { by?: number; ttlSeconds?: number } = {}) {
    const ttlMs = options.ttlSeconds ? Math.ceil(options.ttlSeconds * 1000) : 0;
    const [value, remaining] = (await this.redis.eval(
      INCREMENT_WITH_TTL,
      1,
      this.prefix + key,
      options.by ?? 1,
      ttlMs,
    )) as [number, number];
    return { value: Number(value), ttlMs: Number(remaining) };
  }
  async get(key: string) {
    return Number((await this.redis.get(this.prefix + key)) ?? 0);
  }
  async reset(key: string) {
    await this.redis.del(this.prefix + key);
  }
}

/** The lease scripts, as `createRedisPorts` defines them (EVALSHA; the key count comes first). */
type LeaseCommands = Redis & {
  agentryLeaseAcquireAll(numKeys: number, ...args: (string | number)[]): Promise<number[]>;
  agentryLeaseRenewAll(numKeys: number, ...args: (string | number)[]): Promise<number[]>;
  agentryLeaseReleaseAll(numKeys: number, ...args: (string | number)[]): Promise<number>;
  agentryLeaseCount(numKeys: number, key: string): Promise<number>;
};

function defineLeaseCommands(redis: Redis): void {
  redis.defineCommand('agentryLeaseAcquireAll', { lua: LEASE_ACQUIRE_ALL });
  redis.defineCommand('agentryLeaseRenewAll', { lua: LEASE_RENEW_ALL });
  redis.defineCommand('agentryLeaseReleaseAll', { lua: LEASE_RELEASE_ALL });
  redis.defineCommand('agentryLeaseCount', { lua: LEASE_COUNT });
}

class RedisLeases implements Leases {
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

const SUBSCRIBE_WAIT_MS = 1000;
const CLOSE_WAIT_MS = 3000;

/** Resolves with `work` or after `ms`, whichever comes first. */
async function withDeadline(work: Promise<unknown>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([
    work.then(
      () => undefined,
      () => undefined,
    ),
    new Promise<void>((resolve) => (timer = setTimeout(resolve, ms))),
  ]);
  clearTimeout(timer);
}

/** One subscriber connection per process, shared by every channel handler. */
class RedisPubSub implements PubSub {
  private subscriber: Redis | undefined;
  private readonly handlers = new Map<string, Set<(message: string) => void>>();

  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
  ) {}

  private connection(): Redis {
    if (!this.subscriber) {
      this.subscriber = this.redis.duplicate({ maxRetriesPerRequest: null });
      this.subscriber.on('error', () => {}); // reconnects by itself; readiness reports the outage
      this.subscriber.on('message', (channel: string, message: string) => {
        for (const h of this.handlers.get(channel) ?? []) h(message);
      });
    }
    return this.subscriber;
  }

  async publish(channel: string, message: string) {
    await this.redis.publish(this.prefix + channel, message);
  }

  async subscribe(channel: string, handler: (message: string) => void) {
    const full = this.prefix + channel;
    let set = this.handlers.get(full);
    if (!set) {
      set = new Set();
      this.handlers.set(full, set);
      // While Redis is away, SUBSCRIBE waits in ioredis's offline queue and runs once it connects
      // (and ioredis re-subscribes after every reconnect), so start-up is not held hostage by an
      // outage: wait a bounded time for the confirmation, then carry on. It can only reject later
      // when this connection is closed on shutdown, which needs no handling.
      await withDeadline(this.connection().subscribe(full), SUBSCRIBE_WAIT_MS);
    }
    set.add(handler);
    return async () => {
      set.delete(handler);
      if (set.size === 0 && this.handlers.get(full) === set) {
        this.handlers.delete(full);
        if (this.subscriber) await withDeadline(this.subscriber.unsubscribe(full), SUBSCRIBE_WAIT_MS);
      }
    };
  }

  async close() {
    this.subscriber?.disconnect();
  }
}

class RedisEventStreams implements EventStreams {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    /** Watching: the script publishes to the channel `pubsub` subscribes under the same prefix. */
    private readonly pubsub: PubSub,
  ) {}

  private script(stream: string, maxLen: number, ttlMs: number, pairs: string[]): Promise<string> {
    const channel = `${this.prefix}__stream:${stream}`;
    return (
      this.redis as Redis & { agentryStreamAppend(...args: (string | number)[]): Promise<string> }
    ).agentryStreamAppend(this.prefix + stream, channel, maxLen, ttlMs, ...pairs);
  }

  append(stream: string, data: string, options: { id?: string; maxLen?: number } = {}) {
    return this.script(stream, options.maxLen ?? 0, 0, [options.id ?? '*', data]);
  }

  async appendMany(stream: string, entries: { id: string; data: string }[], options: AppendOptions = {}) {
    // A TTL of 0 would mean "none" to the script: the shortest one sent is 1 ms (deleted at once).
    const ttlMs = options.ttlSeconds === undefined ? 0 : Math.max(1, Math.ceil(options.ttlSeconds * 1000));
    if (entries.length)
      await this.script(
        stream,
        0,
        ttlMs,
        entries.flatMap((e) => [e.id, e.data]),
      );
  }

  async read(stream: string, afterId: string | null, count = 1000): Promise<StreamEntry[]> {
    const start = afterId === null ? '-' : `(${afterId}`;
    const rows = await this.redis.xrange(this.prefix + stream, start, '+', 'COUNT', count);
    return rows.map(([id, fields]) => ({ id, data: fields[fields.indexOf('d') + 1] ?? '' }));
  }

  async expire(stream: string, seconds: number) {
    await this.redis.expire(this.prefix + stream, seconds);
  }

  watch(stream: string, onAppend: () => void) {
    return this.pubsub.subscribe(`__stream:${stream}`, () => onAppend());
  }
}

const ENQUEUE_CONNECT_WAIT_MS = 2000;

/** Resolves when `client` is connected, waiting at most `ms` (start-up, a reconnect); rejects otherwise. */
async function whenReady(client: Redis, ms: number): Promise<void> {
  if (client.status === 'ready') return;
  let timer: NodeJS.Timeout | undefined;
  let onReady: (() => void) | undefined;
  try {
    await new Promise<void>((resolve, reject) => {
      onReady = resolve;
      client.once('ready', onReady);
      timer = setTimeout(() => reject(new Error('job queue unavailable: Redis is not connected')), ms);
    });
  } finally {
    clearTimeout(timer);
    if (onReady) client.off('ready', onReady);
  }
}

/** BullMQ queues (created lazily per job name) and workers. A job runs once across all workers. */
class BullJobQueue implements JobQueue {
  private readonly queues = new Map<string, Queue>();
  private readonly workers: import('bullmq').Worker[] = [];

  constructor(
    /** Adds jobs: fails fast while Redis is away, so an enqueue never hangs a request. */
    private readonly producer: ConnectionOptions,
    /** Blocking worker reads: must never give up on a command (BullMQ's requirement). */
    private readonly consumer: ConnectionOptions,
    private readonly prefix: string,
  ) {}

  private queue(name: string): Queue {
    let q = this.queues.get(name);
    if (!q) {
      q = new (bullmq().Queue)(name, { connection: this.producer, prefix: `${this.prefix}bull` });
      q.on('error', () => {});
      this.queues.set(name, q);
    }
    return q;
  }

  async enqueue<T>(name: string, data: T, options: JobOptions = {}) {
    // BullMQ waits for a connection forever; a caller (a request, a scheduler) must hear soon
    // that the queue is unreachable instead.
    await whenReady(this.producer as unknown as Redis, ENQUEUE_CONNECT_WAIT_MS);
    await this.queue(name).add(name, data, {
      jobId: options.jobId,
      delay: options.delayMs,
      attempts: options.attempts ?? 1,
      backoff: { type: 'exponential', delay: options.backoffMs ?? 1000 },
      removeOnComplete: { age: 24 * 3600, count: 10_000 },
      removeOnFail: { age: 7 * 24 * 3600 },
    });
  }

  process<T>(
    name: string,
    handler: JobHandler<T>,
    options: { concurrency?: number; onFailed?: (job: Job<T>, err: unknown) => void } = {},
  ) {
    const worker = new (bullmq().Worker)(
      name,
      async (job) => handler({ id: job.id ?? '', name: job.name, data: job.data as T, attempt: job.attemptsMade + 1 }),
      { connection: this.consumer, prefix: `${this.prefix}bull`, concurrency: options.concurrency ?? 4 },
    );
    worker.on('error', () => {});
    worker.on('failed', (job, err) => {
      if (job && job.attemptsMade >= (job.opts.attempts ?? 1))
        options.onFailed?.({ id: job.id ?? '', name: job.name, data: job.data as T, attempt: job.attemptsMade }, err);
    });
    this.workers.push(worker);
  }

  async close() {
    // With Redis away a graceful close would wait for it forever: force it (BullMQ re-runs an
    // interrupted job on another worker, as after a crash), and bound every close regardless; workers
    // and queues close side by side, so a shutdown waits one bound, not two (it follows the HTTP drain
    // within SHUTDOWN_GRACE_MS).
    const force = (this.consumer as unknown as Redis).status !== 'ready';
    await Promise.allSettled([
      ...this.workers.map((w) => withDeadline(w.close(force), CLOSE_WAIT_MS)),
      ...[...this.queues.values()].map((q) => withDeadline(q.close(), CLOSE_WAIT_MS)),
    ]);
  }
}

export function createRedisPorts(url: string, prefix: string): Ports {
  // Auto-pipelining: commands issued in the same tick go out in one write (a run's event appends,
  // many runs' appends at once); on a busy host each socket write costs more than the command.
  const { Redis } = ioredis();
  const redis = new Redis(url, { ...redisOptions(url), enableAutoPipelining: true });
  // EVALSHA, falling back to EVAL once per connection when Redis does not have the script yet.
  redis.defineCommand('agentryStreamAppend', { numberOfKeys: 1, lua: STREAM_APPEND });
  defineLeaseCommands(redis);
  redis.on('error', () => {}); // ioredis reconnects; readiness and callers surface the outage
  const pubsub = new RedisPubSub(redis, prefix);
  // BullMQ's blocking workers need a connection that never gives up on a command.
  const bullProducer = new Redis(url, redisOptions(url));
  const bullConsumer = new Redis(url, { ...redisOptions(url), maxRetriesPerRequest: null });
  for (const c of [bullProducer, bullConsumer]) c.on('error', () => {});
  const jobs = new BullJobQueue(
    bullProducer as unknown as ConnectionOptions,
    bullConsumer as unknown as ConnectionOptions,
    prefix,
  );
  return {
    kind: 'redis',
    kv: new RedisKeyValueStore(redis, prefix),
    counters: new RedisCounters(redis, prefix),
    leases: new RedisLeases(redis, prefix),
    pubsub,
    streams: new RedisEventStreams(redis, prefix, pubsub),
    jobs,
    ping: async () => {
      if (redis.status !== 'ready') throw new Error(`redis is ${redis.status}`);
      await redis.ping();
    },
    close: async () => {
      await jobs.close();
      await pubsub.close();
      bullProducer.disconnect();
      bullConsumer.disconnect();
      redis.disconnect();
    },
  };
}
