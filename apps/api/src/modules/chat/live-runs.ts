import { RESPONSE_END_EVENTS } from '@agentry/contracts';
import type { LoggedRunEvent } from './run-events.js';

/**
 * The in-process view of a run on the replica running it: every event already in the run event
 * log, in order, kept in memory until the run ends. Followers on this replica read from here
 * instead of the shared log — no XRANGE round trip and no pub/sub wake-up per delta — while other
 * replicas (and resumes after the run) still read the log. An event is pushed only once its
 * append to the log has succeeded, so a client never holds an id the log does not have.
 */
export class LiveRun {
  private readonly events: LoggedRunEvent[] = [];
  private readonly waiters = new Set<() => void>();
  private ended = false;

  /** `base`: the id of the last event before this process ran it (a resumed run), 0 for a new run. */
  constructor(readonly base = 0) {}

  /** Called by the writer, in id order (ids 1, 2, 3 … are array positions + 1). */
  push(event: LoggedRunEvent) {
    if (event.id !== this.base + this.events.length + 1)
      throw new Error(`live run event ${event.id} out of order (have ${this.events.length})`);
    this.events.push(event);
    this.wakeAll();
  }

  /** No more events will come (the run ended, possibly without a terminal event if its log failed). */
  end() {
    this.ended = true;
    this.wakeAll();
  }

  /**
   * Events after `after` (at least `base`), then live ones until the terminal event (or `run.paused`), `end()` or `signal` aborts.
   * Replay and live read the same array, so the switch between them can neither lose nor repeat
   * an event.
   */
  async *follow(after: number, signal: AbortSignal): AsyncGenerator<LoggedRunEvent> {
    let next = Math.max(0, after - this.base);
    for (;;) {
      while (next < this.events.length) {
        const event = this.events[next++]!;
        yield event;
        if (RESPONSE_END_EVENTS.includes(event.event)) return;
      }
      if (this.ended || signal.aborted) return;
      await new Promise<void>((resolve) => {
        const wake = () => {
          this.waiters.delete(wake);
          signal.removeEventListener('abort', wake);
          resolve();
        };
        this.waiters.add(wake);
        signal.addEventListener('abort', wake, { once: true });
      });
    }
  }

  private wakeAll() {
    for (const wake of [...this.waiters]) wake();
  }
}
