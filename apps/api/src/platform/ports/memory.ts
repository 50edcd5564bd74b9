import { EventEmitter } from 'node:events';
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
import { compareStreamIds } from './stream-ids.js';

/** In-process implementations for embedded mode (one process, nothing survives a restart). */

interface Entry {
  value: string;
  expiresAt: number | null;
}

class MemoryTtlMap {
  private readonly map = new Map<string, Entry>();

  get(key: string): Entry | undefined {
    const e = this.map.get(key);
    if (e && e.expiresAt !== null && e.expiresAt <= Date.now()) {
      this.map.delete(key);
      return undefined;
    }
    return e;
  }
  set(key: string, value: string, ttlSeconds?: number): void {
    this.map.set(key, { value, expiresAt: ttlSeconds ? Date.now() + ttlSeconds * 1000 : null });
  }
  delete(key: string): void {
    this.map.delete(key);
  }
  ttlMs(key: string): number {
    const e = this.get(key);
    if (!e) return -2;
    return e.expiresAt === null ? -1 : e.expiresAt - Date.now();
  }
  /** Drops expired entries so long-running processes do not grow without bound. */
  sweep(): void {
    const now = Date.now();
    for (const [k, e] of this.map) if (e.expiresAt !== null && e.expiresAt <= now) this.map.delete(k);
  }
}

export class MemoryKeyValueStore implements KeyValueStore {
  constructor(private readonly data: MemoryTtlMap) {}
  async get(key: string) {
    return this.data.get(key)?.value ?? null;
  }
  async set(key: string, value: string, options: { ttlSeconds?: number; ifNotExists?: boolean } = {}) {
    if (options.ifNotExists && this.data.get(key)) return false;
    this.data.set(key, value, options.ttlSeconds);
    return true;
  }
  async delete(key: string) {
    this.data.delete(key);
  }
  async ttlMs(key: string) {
    return this.data.ttlMs(key);
  }
}

export class MemoryCounters implements Counters {
  constructor(private readonly data: MemoryTtlMap) {}
  async increment(key: string, options: { by?: number; ttlSeconds?: number } = {}) {
    const current = this.data.get(key);
    const value = Number(current?.value ?? 0) + (options.by ?? 1);
    if (current) current.value = String(value);
    else this.data.set(key, String(value), options.ttlSeconds);
    return { value, ttlMs: this.data.ttlMs(key) };
  }
  async get(key: string) {
    return Number(this.data.get(key)?.value ?? 0);
  }
  async reset(key: string) {
    this.data.delete(key);
  }
}

/** Leases held in this process: lease id → expiry (ms), per key. */
export class MemoryLeases implements Leases {
  private readonly sets = new Map<string, Map<string, number>>();

  /** The live leases of `key`, dropping expired ones (and the key once empty). */
  private live(key: string): Map<string, number> {
    const set = this.sets.get(key) ?? new Map<string, number>();
    const now = Date.now();
    for (const [id, expiresAt] of set) if (expiresAt <= now) set.delete(id);
    if (set.size === 0) this.sets.delete(key);
    return set;
  }
  async acquire(key: string, leaseId: string, options: { limit: number; ttlMs: number }): Promise<LeaseGrant> {
    const grants = await this.acquireAll([{ key, limit: options.limit }], leaseId, options.ttlMs);
    return { acquired: grants.acquired, held: grants.held[0] ?? 0 };
  }
  async acquireAll(slots: readonly LeaseSlot[], leaseId: string, ttlMs: number): Promise<LeaseGrants> {
    // Synchronous from the first check to the last write: atomic within this process, as the
    // Redis script is across replicas.
    const sets = slots.map((s) => this.live(s.key));
    const held = sets.map((set) => set.size);
    const refused = slots.findIndex((s, i) => !sets[i].has(leaseId) && held[i] >= s.limit);
    if (refused >= 0) return { acquired: false, refused, held };
    const expiresAt = Date.now() + ttlMs;
    slots.forEach((s, i) => {
      sets[i].set(leaseId, expiresAt);
      this.sets.set(s.key, sets[i]);
    });
    return { acquired: true, held: sets.map((set) => set.size) };
  }
  async renew(key: string, leaseId: string, ttlMs: number) {
    return (await this.renewAll([key], leaseId, ttlMs))[0] ?? false;
  }
  async renewAll(keys: readonly string[], leaseId: string, ttlMs: number) {
    const expiresAt = Date.now() + ttlMs;
    return keys.map((key) => {
      const set = this.live(key);
      if (!set.has(leaseId)) return false;
      set.set(leaseId, expiresAt);
      return true;
    });
  }
  async release(key: string, leaseId: string) {
    await this.releaseAll([key], leaseId);
  }
  async releaseAll(keys: readonly string[], leaseId: string) {
    for (const key of keys) {
      this.live(key).delete(leaseId);
      if (this.sets.get(key)?.size === 0) this.sets.delete(key);
    }
  }
  async count(key: string) {
    return this.live(key).size;
  }
  /** Drops keys whose every lease expired (abandoned keys would otherwise stay forever). */
  sweep(): void {
    for (const key of [...this.sets.keys()]) this.live(key);
  }
}

export class MemoryPubSub implements PubSub {
  private readonly emitter = new EventEmitter().setMaxListeners(0);
  async publish(channel: string, message: string) {
    // Deliver asynchronously, like Redis, so publishers never re-enter subscribers synchronously.
    queueMicrotask(() => this.emitter.emit(channel, message));
  }
  async subscribe(channel: string, handler: (message: string) => void) {
    this.emitter.on(channel, handler);
    return async () => {
      this.emitter.off(channel, handler);
    };
  }
}

export class MemoryEventStreams implements EventStreams {
  private readonly streams = new Map<string, { entries: StreamEntry[]; lastId: string }>();
  private readonly expiries = new Map<string, NodeJS.Timeout>();
  private readonly emitter = new EventEmitter().setMaxListeners(0);

  async append(stream: string, data: string, options: { id?: string; maxLen?: number } = {}) {
    const s = this.streams.get(stream) ?? { entries: [], lastId: '0-0' };
    const id = options.id ?? nextAutoId(s.lastId);
    if (compareStreamIds(id, s.lastId) <= 0) throw new Error(`stream id ${id} is not greater than ${s.lastId}`);
    s.entries.push({ id, data });
    s.lastId = id;
    if (options.maxLen && s.entries.length > options.maxLen) s.entries.splice(0, s.entries.length - options.maxLen);
    this.streams.set(stream, s);
    queueMicrotask(() => this.emitter.emit(stream));
    return id;
  }
  async appendMany(stream: string, entries: { id: string; data: string }[], options: AppendOptions = {}) {
    const s = this.streams.get(stream) ?? { entries: [], lastId: '0-0' };
    this.streams.set(stream, s);
    for (const { id, data } of entries) {
      if (compareStreamIds(id, s.lastId) <= 0) throw new Error(`stream id ${id} is not greater than ${s.lastId}`);
      s.entries.push({ id, data });
      s.lastId = id;
    }
    if (entries.length) queueMicrotask(() => this.emitter.emit(stream));
    if (options.ttlSeconds !== undefined && entries.length) await this.expire(stream, options.ttlSeconds);
  }
  async read(stream: string, afterId: string | null, count = 1000) {
    const entries = this.streams.get(stream)?.entries ?? [];
    const start = afterId === null ? 0 : entries.findIndex((e) => compareStreamIds(e.id, afterId) > 0);
    return start < 0 ? [] : entries.slice(start, start + count);
  }
  async expire(stream: string, seconds: number) {
    clearTimeout(this.expiries.get(stream));
    const timer = setTimeout(() => {
      this.streams.delete(stream);
      this.expiries.delete(stream);
    }, seconds * 1000);
    timer.unref();
    this.expiries.set(stream, timer);
  }
  async watch(stream: string, onAppend: () => void) {
    this.emitter.on(stream, onAppend);
    return async () => {
      this.emitter.off(stream, onAppend);
    };
  }
  close() {
    for (const t of this.expiries.values()) clearTimeout(t);
  }
}

function nextAutoId(lastId: string): string {
  const [ms, seq] = lastId.split('-').map(Number);
  const now = Date.now();
  return now > ms ? `${now}-0` : `${ms}-${seq + 1}`;
}

const DEDUPE_WINDOW_MS = 24 * 3600 * 1000;

/** Runs jobs in this process with the same retry semantics as the BullMQ queue. */
export class MemoryJobQueue implements JobQueue {
  private readonly handlers = new Map<
    string,
    { handler: JobHandler<any>; onFailed?: (job: Job<any>, err: unknown) => void }
  >();
  private readonly pending: { name: string; job: Job; options: JobOptions }[] = [];
  /** Custom job ids seen, with when: deduplicated for a day, as BullMQ keeps finished jobs (removeOnComplete). */
  private readonly seenIds = new Map<string, number>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly running = new Set<Promise<void>>();
  private closed = false;
  private counter = 0;

  async enqueue<T>(name: string, data: T, options: JobOptions = {}) {
    if (this.closed) throw new Error('job queue is closed');
    const id = options.jobId ?? `${name}:${++this.counter}`;
    if (options.jobId) {
      // BullMQ throws on a custom id with ':'; refusing it here too keeps embedded mode honest.
      if (options.jobId.includes(':')) throw new Error('Custom Id cannot contain :');
      this.forgetOldIds();
      if (this.seenIds.has(id)) return;
      this.seenIds.set(id, Date.now());
    }
    this.schedule(name, { id, name, data, attempt: 1 }, options, options.delayMs ?? 0);
  }

  private forgetOldIds() {
    const cutoff = Date.now() - DEDUPE_WINDOW_MS;
    // Map iteration follows insertion order, so the oldest ids come first.
    for (const [id, at] of this.seenIds) {
      if (at >= cutoff) break;
      this.seenIds.delete(id);
    }
  }

  process<T>(name: string, handler: JobHandler<T>, options: { onFailed?: (job: Job<T>, err: unknown) => void } = {}) {
    this.handlers.set(name, { handler, onFailed: options.onFailed });
    for (const p of this.pending.filter((p) => p.name === name)) {
      this.pending.splice(this.pending.indexOf(p), 1);
      this.schedule(p.name, p.job, p.options, 0);
    }
  }

  private schedule(name: string, job: Job, options: JobOptions, delayMs: number) {
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      const run = this.run(name, job, options);
      this.running.add(run);
      void run.finally(() => this.running.delete(run));
    }, delayMs);
    this.timers.add(timer);
  }

  private async run(name: string, job: Job, options: JobOptions) {
    const registered = this.handlers.get(name);
    if (!registered) {
      this.pending.push({ name, job, options });
      return;
    }
    try {
      await registered.handler(job);
    } catch (err) {
      const attempts = options.attempts ?? 1;
      if (job.attempt < attempts && !this.closed) {
        const backoff = (options.backoffMs ?? 1000) * 2 ** (job.attempt - 1);
        this.schedule(name, { ...job, attempt: job.attempt + 1 }, options, backoff);
      } else {
        registered.onFailed?.(job, err);
      }
    }
  }

  async close() {
    this.closed = true;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    await Promise.allSettled([...this.running]);
  }
}

export function createMemoryPorts(): Ports {
  const data = new MemoryTtlMap();
  const leases = new MemoryLeases();
  const sweeper = setInterval(() => {
    data.sweep();
    leases.sweep();
  }, 60_000);
  sweeper.unref();
  const streams = new MemoryEventStreams();
  const jobs = new MemoryJobQueue();
  return {
    kind: 'memory',
    kv: new MemoryKeyValueStore(data),
    counters: new MemoryCounters(data),
    leases,
    pubsub: new MemoryPubSub(),
    streams,
    jobs,
    ping: async () => {},
    close: async () => {
      clearInterval(sweeper);
      streams.close();
      await jobs.close();
    },
  };
}
