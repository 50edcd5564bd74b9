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
  Ports,
  PubSub,
  StreamEntry,
} from './types.js';
import { defineLeaseCommands, RedisLeases } from './redis-leases.js';

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
