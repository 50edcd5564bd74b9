import type { EventStreams } from '../../platform/ports/types.js';
import { RunAbort } from './run-errors.js';
import { isTerminalEntry, runStreamKey, streamIdOf, sequenceOf } from './run-events.js';

/**
 * The run event log as the replica running a run writes it, under the run's lease. When the reaper
 * ended the run (its heartbeat went stale), the reaper's `run.failed` `run_lost` took the next id
 * in the log and the run's next append is refused (stream ids only grow). That refusal is not a
 * broken log: the run lost its lease. It becomes `RunAbort('run_lost')`, and `onLost` stops the
 * run, so it writes nothing after its terminal event and ends as `run_lost`, never as an error.
 */
export function leasedRunLog(streams: EventStreams, runId: string, onLost: () => void): EventStreams {
  const key = runStreamKey(runId);
  const lost = () => {
    onLost();
    return new RunAbort('run_lost');
  };
  return {
    append: (stream, data, options) => streams.append(stream, data, options),
    read: (stream, afterId, count) => streams.read(stream, afterId, count),
    expire: (stream, seconds) => streams.expire(stream, seconds),
    watch: (stream, onAppend) => streams.watch(stream, onAppend),
    appendMany: async (stream, entries) => {
      try {
        await streams.appendMany(stream, entries);
      } catch (err) {
        const first = entries[0];
        if (stream === key && first && (await endedAtOrAfter(streams, key, sequenceOf(first.id)))) throw lost();
        throw err;
      }
    },
  };
}

/** True when the log holds a terminal event at or after id `n` (another writer ended the run). */
async function endedAtOrAfter(streams: EventStreams, key: string, n: number): Promise<boolean> {
  try {
    const after = await streams.read(key, n > 1 ? streamIdOf(n - 1) : null, 1000);
    return after.some(isTerminalEntry);
  } catch {
    return false; // the log itself is failing: the original error says so
  }
}
