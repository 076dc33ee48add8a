/** How routing-engine.ts takes a run's routing rows: a slice at a time, and the calls that makes. */
import { addCounts, type CallCount, countRoutingCalls, NO_CALLS, type RoutingPlan } from '../plan/index.js';

/**
 * Rows whose routing calls are planned and applied together. Memberships and division moves are grouped among a
 * slice's users (100 or 50 a call), so a slice much larger than a call keeps their count near that of the whole run
 * at once; each slice's calls and row states are let go when it is done.
 */
export const APPLY_SLICE = 5000;

/**
 * The calls applyRouting makes of `work`, by kind: planRoutingCalls's of each slice, whose users' memberships and
 * division moves are grouped among the slice's (so an entity that rows of several slices name takes a call more in
 * each slice its batch is cut by).
 */
export function routingCallCount(
  work: Iterable<{ userId: string; plan: RoutingPlan }>,
  slice = APPLY_SLICE,
): CallCount {
  const counter = new RoutingCallCounter(slice);
  for (const w of work) counter.add(w);
  return counter.count();
}

/** routingCallCount taken a row at a time, as rows are planned: only the current slice's plans are held. */
export class RoutingCallCounter {
  private counted = NO_CALLS;
  private part: { userId: string; plan: RoutingPlan }[] = [];

  constructor(private readonly slice = APPLY_SLICE) {}

  add(work: { userId: string; plan: RoutingPlan }): void {
    this.part.push(work);
    if (this.part.length === this.slice) this.flush();
  }

  count(): CallCount {
    this.flush();
    return this.counted;
  }

  private flush(): void {
    if (this.part.length > 0) this.counted = addCounts(this.counted, countRoutingCalls(this.part));
    this.part = [];
  }
}

/** `work` in consecutive slices of `size`, each an array. */
export function* slices<T>(work: Iterable<T>, size: number): Generator<T[]> {
  let part: T[] = [];
  for (const w of work) {
    part.push(w);
    if (part.length === size) {
      yield part;
      part = [];
    }
  }
  if (part.length > 0) yield part;
}
