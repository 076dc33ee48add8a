/** Time as the governor sees it: injected so tests can run hours of simulated traffic in milliseconds. */
export interface Clock {
  /** Milliseconds on a monotonic-enough scale; only differences matter, except for `tokenExpiresAt`. */
  now(): number;
  /**
   * Resolves after `ms`. On abort it rejects with the signal's reason and clears its timer, so a cancelled wait
   * never keeps the process alive.
   */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  sleep: (ms, signal) =>
    new Promise<void>((resolve, reject) => {
      if (signal?.aborted) {
        reject(signal.reason);
        return;
      }
      const onAbort = () => {
        clearTimeout(timer);
        reject(signal?.reason);
      };
      const timer = setTimeout(
        () => {
          signal?.removeEventListener('abort', onAbort);
          resolve();
        },
        Math.max(0, ms),
      );
      signal?.addEventListener('abort', onAbort, { once: true });
    }),
};
