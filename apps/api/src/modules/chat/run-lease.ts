import type { AppendOptions, EventStreams } from '../../platform/ports/types.js';
import { RunAbort } from './run-errors.js';
import { isTerminalEntry, runStreamKey, streamIdOf, sequenceOf } from './run-events.js';

/**
 * The run event log as the replica running a run writes it, under the run's lease. When the reaper
 * ended the run (its heartbeat went stale), the reaper's `run.failed` `run_lost` took the next id
 * in the log and the run's next append is refused (stream ids only grow). That refusal is not a
 * broken log: the run lost its lease. It becomes `RunAbort('run_lost')`, and `onLost` stops the
 * run, so it ends as `run_lost`, never as an error.
 *
 * The run's batches go to the log one after the other: a batch sent while an earlier one was in
 * flight would land after the reaper's end whenever that end took the earlier batch's id (ids
 * only need to grow), leaving events after the terminal one. After a refused batch nothing more is
 * sent (no gap, nothing after the end).
 */
export function leasedRunLog(streams: EventStreams, runId: string, onLost: () => void): EventStreams {
  const key = runStreamKey(runId);
  let previous: Promise<void> = Promise.resolve();
  let failure: unknown;
  const appendInTurn = async (entries: { id: string; data: string }[], options?: AppendOptions) => {
    if (failure !== undefined) throw failure;
    try {
      await streams.appendMany(key, entries, options);
    } catch (err) {
      const first = entries[0];
      failure = first && (await endedAtOrAfter(streams, key, sequenceOf(first.id))) ? new RunAbort('run_lost') : err;
      if (failure instanceof RunAbort) onLost();
      throw failure;
    }
  };
  return {
    append: (stream, data, options) => streams.append(stream, data, options),
    read: (stream, afterId, count) => streams.read(stream, afterId, count),
    expire: (stream, seconds) => streams.expire(stream, seconds),
    watch: (stream, onAppend) => streams.watch(stream, onAppend),
    appendMany: (stream, entries, options) => {
      if (stream !== key) return streams.appendMany(stream, entries, options);
      const sent = previous.then(() => appendInTurn(entries, options));
      previous = sent.catch(() => {});
      return sent;
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
