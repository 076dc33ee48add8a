/**
 * The lanes' combined ceiling under a limit above the tokens (issue #12). That limit shows no headers of its own (or
 * none we can tell from the token's), so it is learned from what it let through: the requests it accepted in the
 * window before it refused, over the window. That is the limit itself for a fixed or a sliding window that was being
 * pushed, and the refill rate plus what is left of the burst for a bucket. The rate that failed is no measure of it:
 * the lanes' sum overshoots by an unknown margin, and cutting that by a factor leaves the run far below the limit.
 *
 * The ceiling then paces a little under the learned limit and, after a while without a refusal, probes above it along
 * a cubic that flattens at the limit, as a limit without headers is discovered (discovery.ts); the next refusal learns it
 * again. Each probe that finds the limit where it was waits twice as long before the next: a probe past a fixed window
 * costs the rest of that window (its Retry-After, in whole seconds), several percent of a short one.
 */
import { BETA, MIN_RATE } from './discovery.js';

export interface Ceiling {
  /** Requests per second the limit above accepted, learned at its last refusal. */
  limit: number;
  /** When sending resumed after that refusal: the probe's clock. */
  since: number;
  /** Seconds the probe takes to come back up to `limit`. */
  probeSeconds: number;
}

/** The share of the learned limit the lanes keep to until the probe rises past it. */
export const CEILING_MARGIN = 0.98;
/** Seconds the first probe takes to reach the learned limit; past it the probe climbs as the cubic does. */
export const PROBE_SECONDS = 20;
export const MAX_PROBE_SECONDS = 160;
/** A limit learned again within this share of the last one is the same limit. */
const SAME_LIMIT = 0.05;

export function ceilingRate(c: Ceiling, now: number): number {
  const x = Math.max(0, now - c.since) / 1000 / c.probeSeconds - 1;
  return c.limit * Math.max(CEILING_MARGIN, 1 + (1 - BETA) * x ** 3);
}

/**
 * The limit learned from a refusal: `accepted` requests in the last `windowMs`, as a rate, never above the rate the
 * lanes were starting at when refused (`failedAt`: a bucket's burst spent is not its rate).
 */
export function learnedLimit(accepted: number, windowMs: number, failedAt: number): number {
  return Math.max(MIN_RATE, Math.min(failedAt, (accepted * 1000) / windowMs));
}

/**
 * The ceiling after a refusal at `now` from above: `limit` learned, the probe slower if the last one found the same
 * limit. A refusal met while probing above the last limit says the limit is still at least that: what was accepted
 * in the window may be less when the run did not have a window's worth to send (reads between writes, a busy CPU).
 */
export function relearned(previous: Ceiling | undefined, learned: number, now: number, resumeAt: number): Ceiling {
  const probing = previous !== undefined && ceilingRate(previous, now) > previous.limit;
  const limit = probing ? Math.max(learned, previous.limit) : learned;
  const same = previous !== undefined && Math.abs(limit - previous.limit) <= SAME_LIMIT * previous.limit;
  const probeSeconds = same ? Math.min(MAX_PROBE_SECONDS, previous.probeSeconds * 2) : PROBE_SECONDS;
  return { limit, since: resumeAt, probeSeconds };
}

/** Times of accepted answers, oldest first, kept for one window. */
export class AcceptedLog {
  private times: number[] = [];
  private head = 0;

  add(at: number, keepMs: number): void {
    this.times.push(at);
    const from = at - keepMs;
    while (this.head < this.times.length && (this.times[this.head] as number) <= from) this.head++;
    if (this.head > 1024 && this.head * 2 > this.times.length) {
      this.times = this.times.slice(this.head);
      this.head = 0;
    }
  }

  /** How many were accepted after `from`. */
  countAfter(from: number): number {
    let lo = this.head;
    let hi = this.times.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if ((this.times[mid] as number) <= from) lo = mid + 1;
      else hi = mid;
    }
    return this.times.length - lo;
  }

  /** The oldest time kept, if any. */
  get first(): number | undefined {
    return this.times[this.head];
  }
}
