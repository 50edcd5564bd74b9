import type { RunEvent } from '@agentry/contracts';
import { TERMINAL_RUN_EVENTS } from '@agentry/contracts';
import type { EventStreams, StreamEntry } from '../../platform/ports/types.js';

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

/** Appends a run's events in order with consecutive ids. Only the replica running the run writes. */
export class RunEventWriter {
  private next = 1;
  constructor(
    private readonly streams: EventStreams,
    private readonly runId: string,
  ) {}

  async append(event: RunEvent): Promise<number> {
    const n = this.next++;
    await this.streams.append(runStreamKey(this.runId), JSON.stringify(event), { id: streamIdOf(n) });
    return n;
  }

  expire(seconds: number) {
    return this.streams.expire(runStreamKey(this.runId), seconds);
  }
}
