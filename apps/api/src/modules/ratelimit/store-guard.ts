/** The limiter's store (Redis) did not answer in time or failed: the caller fails open. */
export class StoreUnavailableError extends Error {
  override name = 'StoreUnavailableError';
}

/**
 * Runs a store operation with a deadline. A rate limit must never make a request hang on a sick
 * Redis: past `timeoutMs` the caller gets a StoreUnavailableError and decides (fail open). The
 * late operation is left to finish on its own; its outcome no longer matters to anyone, and a late
 * rejection is observed here so it cannot surface as an unhandled rejection.
 */
export function withDeadline<T>(operation: Promise<T>, timeoutMs: number, what: string): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    let settled = false;
    const timer = setTimeout(() => {
      settled = true;
      reject(new StoreUnavailableError(`${what}: no answer within ${timeoutMs} ms`));
    }, timeoutMs);
    timer.unref();
    operation.then(
      (value) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        resolve(value);
      },
      (err: unknown) => {
        if (settled) return; // already reported as a timeout
        settled = true;
        clearTimeout(timer);
        reject(
          new StoreUnavailableError(`${what}: ${err instanceof Error ? err.message : String(err)}`, { cause: err }),
        );
      },
    );
  });
}
