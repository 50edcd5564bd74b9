/**
 * Coordination ports: the small set of shared-state primitives Agentry needs across replicas.
 * Each has exactly two implementations — Redis (production) and in-process (embedded) — and one
 * contract test suite (`ports.contract.test.ts`) runs against both. Nothing else branches on mode.
 */

export interface SetOptions {
  ttlSeconds?: number;
  /** Only set when the key does not exist (SET NX). The result says whether it was set. */
  ifNotExists?: boolean;
}

/** Key-value with TTL: revocations, nonces, lockouts, cached lookups. */
export interface KeyValueStore {
  get(key: string): Promise<string | null>;
  /** Returns false only when `ifNotExists` was asked and the key existed. */
  set(key: string, value: string, options?: SetOptions): Promise<boolean>;
  delete(key: string): Promise<void>;
  /** Remaining TTL in ms; -1 without TTL, -2 when missing. */
  ttlMs(key: string): Promise<number>;
}

/** Atomic counters whose TTL starts when they are first incremented (fixed windows, failure counts). */
export interface Counters {
  /** Increments by `by`; sets the TTL when the counter is created. Returns the new value and remaining TTL. */
  increment(key: string, options?: { by?: number; ttlSeconds?: number }): Promise<{ value: number; ttlMs: number }>;
  get(key: string): Promise<number>;
  reset(key: string): Promise<void>;
}

export type Unsubscribe = () => Promise<void>;

/** Fire-and-forget broadcast to every replica (cache invalidation, wake-ups). */
export interface PubSub {
  publish(channel: string, message: string): Promise<void>;
  subscribe(channel: string, handler: (message: string) => void): Promise<Unsubscribe>;
}

export interface StreamEntry {
  /** Stream id, `<ms>-<seq>`; ordered; usable as an SSE `id`. */
  id: string;
  data: string;
}

export interface AppendOptions {
  /**
   * Sets the stream to be deleted `ttlSeconds` from now, in the same command as the append (as
   * `expire` would after it), once every entry is appended: a log's retention costs no round trip
   * of its own. Not set when an entry is refused.
   */
  ttlSeconds?: number;
}

/** Append-only streams with read-from-id: run events and billing events. */
export interface EventStreams {
  /** Appends and returns the new entry's id. `id` (`<a>-<b>`, greater than the last) pins it. */
  append(stream: string, data: string, options?: { id?: string; maxLen?: number }): Promise<string>;
  /**
   * Appends `entries` (ids pinned, each greater than the one before) in order, in one round trip,
   * and wakes the stream's watchers once. Not atomic: on an error, the entries before the failing
   * one stay appended.
   */
  appendMany(stream: string, entries: { id: string; data: string }[], options?: AppendOptions): Promise<void>;
  /** Entries strictly after `afterId` (`null` for the start), oldest first. */
  read(stream: string, afterId: string | null, count?: number): Promise<StreamEntry[]>;
  /** Deletes the stream after `seconds`. */
  expire(stream: string, seconds: number): Promise<void>;
  /**
   * Calls `onAppend` whenever something is appended to `stream` on any replica. Followers use it to
   * wake up and `read` instead of holding one blocking connection each.
   */
  watch(stream: string, onAppend: () => void): Promise<Unsubscribe>;
}

/** The outcome of `Leases.acquire`. */
export interface LeaseGrant {
  /** False when `limit` live leases already exist under the key. */
  acquired: boolean;
  /** Live leases under the key after the call (including the new one when acquired). */
  held: number;
}

/** One key of `Leases.acquireAll`, with its own limit. */
export interface LeaseSlot {
  key: string;
  limit: number;
}

/** The outcome of `Leases.acquireAll`. */
export type LeaseGrants =
  /** Every slot was taken. `held`: live leases under each key after the call (the new one included), in order. */
  | { acquired: true; held: number[] }
  /**
   * None was taken. `refused`: the index of the first slot whose key already held `limit` live
   * leases; `held`: live leases under each key as found.
   */
  | { acquired: false; refused: number; held: number[] };

/**
 * Counted concurrency slots with a TTL: at most `limit` live leases per key. A holder renews its
 * lease while the work lives; a lease that is not renewed (its replica crashed) expires by itself,
 * so a dead process never keeps a slot for longer than one TTL.
 *
 * The `…All` methods take one lease id under several keys (a run counted against its user's and
 * its tenant's limits) in one command each: a run pays one command to start and one to end.
 */
export interface Leases {
  /** Takes a slot named `leaseId` under `key` for `ttlMs`, unless `limit` live leases exist. Atomic. */
  acquire(key: string, leaseId: string, options: { limit: number; ttlMs: number }): Promise<LeaseGrant>;
  /**
   * Takes a slot named `leaseId` under every key of `slots` for `ttlMs`, all or none, atomically:
   * refused when any key already holds its `limit` live leases (a lease id already live under a
   * key does not count against it). Keys may repeat; a lease id is held once per key.
   */
  acquireAll(slots: readonly LeaseSlot[], leaseId: string, ttlMs: number): Promise<LeaseGrants>;
  /** Extends a live lease to `ttlMs` from now. False when it had already expired or was released. */
  renew(key: string, leaseId: string, ttlMs: number): Promise<boolean>;
  /** `renew` under every key, in one command; whether each lease was live (and is extended), in order. */
  renewAll(keys: readonly string[], leaseId: string, ttlMs: number): Promise<boolean[]>;
  /** Gives the slot back. Idempotent. */
  release(key: string, leaseId: string): Promise<void>;
  /** `release` under every key, in one command. Idempotent. */
  releaseAll(keys: readonly string[], leaseId: string): Promise<void>;
  /** Live leases under `key`. */
  count(key: string): Promise<number>;
}

export interface JobOptions {
  /** Deduplicates: a job with the same id is enqueued once. No `:` (BullMQ refuses it; both implementations do). */
  jobId?: string;
  delayMs?: number;
  attempts?: number;
  /** Base of the exponential backoff between attempts. */
  backoffMs?: number;
}

export interface Job<T = unknown> {
  id: string;
  name: string;
  data: T;
  /** 1 on the first attempt. */
  attempt: number;
}

export type JobHandler<T = unknown> = (job: Job<T>) => Promise<void>;

export interface JobQueue {
  enqueue<T>(name: string, data: T, options?: JobOptions): Promise<void>;
  /** Registers the worker for `name` (only on processes with the `worker` role). */
  process<T>(
    name: string,
    handler: JobHandler<T>,
    options?: { concurrency?: number; onFailed?: (job: Job<T>, err: unknown) => void },
  ): void;
  close(): Promise<void>;
}

/** The full set, as the composition root hands it to modules. */
export interface Ports {
  kind: 'redis' | 'memory';
  kv: KeyValueStore;
  counters: Counters;
  leases: Leases;
  pubsub: PubSub;
  streams: EventStreams;
  jobs: JobQueue;
  /** Resolves when the backing store answers; rejects otherwise. */
  ping(): Promise<void>;
  close(): Promise<void>;
}
