/** Waits a request does inside the governor, each ended early by the request's own signal or by the governor's stop. */
import type { Clock } from './clock.js';

/** The governor's stop, and the error a request waiting on it is rejected with. */
export interface StopWatch {
  signal: AbortSignal;
  error(): Error;
}

/** `promise`, unless `signal` aborts first (its reason) or, given `stop`, the governor stops first. */
export function unlessAborted<V>(
  promise: Promise<V>,
  signal: AbortSignal | undefined,
  stop: StopWatch | undefined,
): Promise<V> {
  if (!signal && !stop) return promise;
  return new Promise<V>((resolve, reject) => {
    const onAbort = () => {
      cleanup();
      reject(signal?.reason);
    };
    const onStop = () => {
      cleanup();
      reject(stop?.error());
    };
    const cleanup = () => {
      signal?.removeEventListener('abort', onAbort);
      stop?.signal.removeEventListener('abort', onStop);
    };
    if (signal?.aborted) return onAbort();
    if (stop?.signal.aborted) return onStop();
    signal?.addEventListener('abort', onAbort, { once: true });
    stop?.signal.addEventListener('abort', onStop, { once: true });
    promise.then(
      (value) => {
        cleanup();
        resolve(value);
      },
      (err) => {
        cleanup();
        reject(err);
      },
    );
  });
}

/** Sleeps `ms` on `clock`; an abort or a stop rejects at once and clears the timer. */
export async function sleepUnlessAborted(
  clock: Clock,
  ms: number,
  signal: AbortSignal | undefined,
  stop: StopWatch,
): Promise<void> {
  const cancel = new AbortController();
  const onAbort = () => cancel.abort(signal?.reason);
  const onStop = () => cancel.abort(stop.error());
  if (signal?.aborted) onAbort();
  else if (stop.signal.aborted) onStop();
  signal?.addEventListener('abort', onAbort, { once: true });
  stop.signal.addEventListener('abort', onStop, { once: true });
  try {
    await clock.sleep(ms, cancel.signal);
  } finally {
    signal?.removeEventListener('abort', onAbort);
    stop.signal.removeEventListener('abort', onStop);
  }
}
