import type { RunEvent } from '@agentry/contracts';
import { RESPONSE_END_EVENTS, TERMINAL_RUN_EVENTS } from '@agentry/contracts';
import type { EventStreams, StreamEntry } from '../../platform/ports/types.js';
import type { LiveRun } from './live-runs.js';

/**
 * The run event log: one stream per run in `ports.streams` (a Redis stream in production, in
 * memory embedded). Entry ids are pinned to `<n>-0` so the SSE ids are 1, 2, 3 … per run and a
 * `Last-Event-ID: n` maps straight back to a stream position on any replica.
 */
export const runStreamKey = (runId: string) => `chat:run:${runId}`;

export const streamIdOf = (n: number) => `${n}-0`;
export const sequenceOf = (streamId: string) => Number(streamId.split('-')[0]);

export interface LoggedRunEvent {
  id: number;
  event: RunEvent['event'];
  data: RunEvent['data'];
}

export function parseEntry(entry: StreamEntry): LoggedRunEvent {
  const { event, data } = JSON.parse(entry.data) as RunEvent;
  return { id: sequenceOf(entry.id), event, data };
}

export const isTerminalEntry = (entry: StreamEntry) => {
  const { event } = JSON.parse(entry.data) as RunEvent;
  return TERMINAL_RUN_EVENTS.includes(event);
};

/** The entry ends a response: a terminal event or `run.paused`. */
export const isResponseEndEntry = (entry: StreamEntry) => {
  const { event } = JSON.parse(entry.data) as RunEvent;
  return RESPONSE_END_EVENTS.includes(event);
};

/** Batches beyond this many unconfirmed ones wait for the log to catch up (backpressure). */
const MAX_IN_FLIGHT = 64;

type PendingEvent = { n: number; event: RunEvent };

/**
 * How long a run's log is kept (`EventStreams` TTL, in seconds), set by the append that carries
 * the event it follows from, so retention costs no command of its own.
 */
export interface RunLogRetention {
  /** From the first event: covers the whole run, so a log whose replica dies mid-run still expires. */
  runningSeconds: number;
  /** From a terminal event. */
  endedSeconds: number;
  /** From `run.paused`: the wait for approvals, and the resumed run after it. */
  pausedSeconds: number;
}

/**
 * Appends a run's events in order with consecutive ids. Only the replica running the run writes.
 * Events appended within one tick of the event loop go to the log as one batch (one round trip,
 * one wake-up of followers: `EventStreams.appendMany`), and consecutive `message.delta` events of a
 * batch become one delta with their texts concatenated — a model streaming faster than the loop
 * turns costs one log entry per turn, not one per token. Ids stay 1, 2, 3 … and the deltas still
 * concatenate to the answer. `append` returns without waiting for the log (unless too many batches
 * are in flight), so a slow log never holds the model stream back; the backend applies batches in
 * issue order. Each event reaches the local `LiveRun` once it and every earlier one are in the log.
 * A failed batch fails every later `append` and `flush`.
 */
export class RunEventWriter {
  private next: number;
  private pending: PendingEvent[] = [];
  private scheduled = false;
  private confirmed: Promise<void> = Promise.resolve();
  private inFlight = 0;
  private failure: unknown;
  private broken = false;
  private batches = 0;
  private endRetained = false;
  constructor(
    private readonly streams: EventStreams,
    private readonly runId: string,
    private readonly live?: LiveRun,
    /** Sees every event as it is appended, before any coalescing (metrics). */
    private readonly observe?: (event: RunEvent) => void,
    /** The id of the first event written (a resumed run goes on after its pause). */
    first = 1,
    /** Without it, the log keeps whatever expiry it has (`expire` sets one). */
    private readonly retention?: RunLogRetention,
  ) {
    this.next = first;
  }

  /** The id the next event gets (a `message.delta` right after another unflushed one joins it instead). */
  get nextId() {
    return this.next;
  }

  /** Queues `event` for the log; resolves with its id (a coalesced delta: the id of the delta it joined). */
  async append(event: RunEvent): Promise<number> {
    if (this.failure !== undefined) throw this.failure;
    this.observe?.(event);
    const last = this.pending.at(-1);
    if (event.event === 'message.delta' && last?.event.event === 'message.delta') {
      last.event = { event: 'message.delta', data: { delta: last.event.data.delta + event.data.delta } };
      return last.n;
    }
    const n = this.next++;
    this.pending.push({ n, event });
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(() => this.write());
    }
    if (this.inFlight > MAX_IN_FLIGHT) await this.flush();
    return n;
  }

  /** Sends what is pending as one batch. */
  private write() {
    this.scheduled = false;
    const batch = this.pending;
    if (batch.length === 0) return;
    this.pending = [];
    this.inFlight++;
    // The handler is attached at once: a rejection is recorded here and rethrown by flush/append.
    const ttlSeconds = this.ttlOf(batch, this.batches++ === 0);
    const ends = ttlSeconds !== undefined && batch.some(({ event }) => RESPONSE_END_EVENTS.includes(event.event));
    const written = this.streams
      .appendMany(
        runStreamKey(this.runId),
        batch.map(({ n, event }) => ({ id: streamIdOf(n), data: JSON.stringify(event) })),
        ttlSeconds === undefined ? undefined : { ttlSeconds },
      )
      .then(
        () => {
          if (ends) this.endRetained = true;
          return true;
        },
        (err: unknown) => {
          this.failure ??= err;
          return false;
        },
      );
    this.confirmed = this.confirmed.then(async () => {
      const ok = await written;
      this.inFlight--;
      // In id order: everything before the first failed batch is delivered, nothing after it.
      if (!ok) this.broken = true;
      if (this.broken) return;
      for (const { n, event } of batch) this.live?.push({ id: n, event: event.event, data: event.data });
    });
  }

  /** The TTL a batch sets: from its last response-ending event, else the running one for the first batch. */
  private ttlOf(batch: PendingEvent[], first: boolean): number | undefined {
    if (!this.retention) return undefined;
    const end = batch.findLast(({ event }) => RESPONSE_END_EVENTS.includes(event.event))?.event.event;
    if (end === 'run.paused') return this.retention.pausedSeconds;
    if (end) return this.retention.endedSeconds;
    return first ? this.retention.runningSeconds : undefined;
  }

  /**
   * The log's retention after the run's end is set: a batch ending the response (terminal or
   * `run.paused`) is in the log with its TTL, and no append failed since. Otherwise (the log
   * failed, the reaper ended the run) the caller sets it with `expire`.
   */
  get retainedAfterEnd(): boolean {
    return this.endRetained && this.failure === undefined;
  }

  /** Sends what is pending now and waits until every append so far is in the log; throws if one failed. */
  async flush(): Promise<void> {
    this.write();
    await this.confirmed;
    if (this.failure !== undefined) throw this.failure;
  }

  expire(seconds: number) {
    return this.streams.expire(runStreamKey(this.runId), seconds);
  }
}
