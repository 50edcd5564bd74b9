import type { EventStreams, StreamEntry } from './types.js';

/**
 * Replays `stream` after `afterId`, then yields new entries as they are appended, until `signal`
 * aborts or `isLast(entry)` says the stream is finished. Works the same on both implementations:
 * it watches for appends (pub/sub) and reads in batches, so thousands of followers share one
 * subscriber connection instead of holding a blocking read each.
 */
export async function* followStream(
  streams: EventStreams,
  stream: string,
  afterId: string | null,
  options: { signal: AbortSignal; isLast?: (entry: StreamEntry) => boolean; pollMs?: number },
): AsyncGenerator<StreamEntry> {
  const { signal, isLast, pollMs = 5000 } = options;
  let wake: (() => void) | undefined;
  let dirty = true;
  const unwatch = await streams.watch(stream, () => {
    dirty = true;
    wake?.();
  });
  const onAbort = () => wake?.();
  signal.addEventListener('abort', onAbort);
  let cursor = afterId;
  try {
    while (!signal.aborted) {
      if (dirty) {
        dirty = false;
        for (;;) {
          const batch = await streams.read(stream, cursor, 500);
          for (const entry of batch) {
            cursor = entry.id;
            yield entry;
            if (isLast?.(entry)) return;
          }
          if (batch.length < 500) break;
        }
        continue;
      }
      // Sleep until an append, an abort, or a slow poll (covers a notification lost in a reconnect).
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, pollMs);
        wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      wake = undefined;
      dirty = true;
    }
  } finally {
    signal.removeEventListener('abort', onAbort);
    await unwatch();
  }
}
