/**
 * Iterables read afresh on each pass: what a large run makes as it needs it (work items, records) rather than holding
 * 100,000 of them at once. Each pass over the result is a pass over its sources.
 */

export function filtered<T>(items: Iterable<T>, keep: (item: T) => boolean): Iterable<T> {
  return {
    *[Symbol.iterator]() {
      for (const item of items) if (keep(item)) yield item;
    },
  };
}

export function concatenated<T>(...parts: Iterable<T>[]): Iterable<T> {
  return {
    *[Symbol.iterator]() {
      for (const part of parts) yield* part;
    },
  };
}

export function isEmpty(items: Iterable<unknown>): boolean {
  for (const _ of items) return false;
  return true;
}

export function countOf(items: Iterable<unknown>): number {
  if (Array.isArray(items)) return items.length;
  let n = 0;
  for (const _ of items) n++;
  return n;
}
