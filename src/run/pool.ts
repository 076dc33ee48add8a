/**
 * The run layer's worker pool, for the write engines and the paged reads: p-limit, its `concurrency` following the
 * governor's in-flight figure (Little's law, `stats().concurrency`) as that changes. The governor still decides each
 * start (pace, pause, login); the pool only decides how many items are under way, so that its queue stays fed.
 */
import pLimit from 'p-limit';

/** The governor, or anything that says how many requests it keeps in flight. */
export interface PoolSizing {
  stats?(): { concurrency: number };
}

/**
 * Twice the governor's figure, within `cap`: an item waiting for its pace slot holds no connection, and one in hand
 * per slot keeps the governor from idling between one item's last call and the next item's first. Without a
 * governor's figure, `cap`.
 */
export function poolSize(sizing: PoolSizing | undefined, cap: number): () => number {
  return () => {
    const inFlight = sizing?.stats?.().concurrency;
    return Math.max(1, inFlight === undefined ? cap : Math.min(cap, 2 * inFlight));
  };
}

/**
 * Runs `work` on every item, `size()` at a time, reading `size()` again whenever an item ends. Items go to p-limit as
 * slots free up, one ahead of them, not all at once: a 100,000-row file would otherwise queue 100,000 closures. Once
 * `stopSignal` aborts, no item starts. Rejects with the first error `work` throws (the items under way run on).
 */
export function forEachPooled<T>(
  items: Iterable<T>,
  size: () => number,
  work: (item: T) => Promise<void>,
  stopSignal?: AbortSignal,
): Promise<void> {
  const limit = pLimit(size());
  const iterator = items[Symbol.iterator]();
  let exhausted = false;
  let unsettled = 0;
  let ended = false;
  return new Promise<void>((resolve, reject) => {
    const run = async (item: T) => {
      try {
        if (!stopSignal?.aborted) await work(item);
      } finally {
        // While this item still holds its slot, so that the next one is queued when the slot frees.
        feed();
      }
    };
    const feed = () => {
      if (ended) return;
      const wanted = size();
      if (wanted !== limit.concurrency) limit.concurrency = wanted;
      while (!exhausted && !stopSignal?.aborted && limit.activeCount + limit.pendingCount <= limit.concurrency) {
        const next = iterator.next();
        if (next.done) {
          exhausted = true;
          break;
        }
        unsettled++;
        limit(run, next.value).then(
          () => {
            unsettled--;
            feed();
          },
          (err: unknown) => {
            ended = true;
            reject(err);
          },
        );
      }
      if (unsettled === 0) {
        ended = true;
        resolve();
      }
    };
    feed();
  });
}
