/**
 * Pacing policy: pure functions from what the platform said to how fast requests may start.
 * Rates are requests per second; times are `clock.now()` milliseconds.
 */
import type { RateLimitHeaders } from '../genesys/types.js';

/** The latest `inin-ratelimit-count`, with what is needed to age it. */
export interface QuotaObservation {
  count: number;
  /** Sequence number of the request that carried it: requests started after it are not in `count`. */
  startIndex: number;
  /**
   * When the count is back to zero, by our clock: the answer's arrival plus the reset. The server counted the request
   * before we had its answer, and whole-second resets are rounded up, so this is never early.
   */
  endsAt: number;
  /** When it was placed: the count drains from here to `endsAt` (`headerPace`). */
  at: number;
}

export interface HeaderModel {
  allowed: number;
  /** The window: the longest reset seen, rounded up to a whole second, once a full one has been seen (half that for a counter). */
  windowMs: number;
  /** The longest reset seen, rounded up to a whole second. */
  longestResetMs: number;
  /**
   * The resets have shown a sliding-window counter: its "back to zero" is the end of the next window, so the longest
   * reset is two windows. Its end jumped on by a window while still a window away, the reset doubling (`counterTurn`).
   */
  counter?: boolean;
  quota?: QuotaObservation;
  /**
   * The first answer of the current window: when it came, and the window end it implied. A fixed window's end
   * stays put while time passes; a sliding window's or a bucket's "back to zero" moves on with every request.
   */
  windowStart?: { at: number; endsAt: number };
  /**
   * The resets have shown a fixed window: an end that stayed put for `FIXED_EVIDENCE_MS`. Then the guard
   * below is exact, so the pace may use the whole quota (`FIXED_WINDOW_MARGIN`).
   */
  fixed?: boolean;
  /**
   * A window has been seen to end and the next to begin. Until then the longest reset is no window's length: the
   * first window may be a part of one (clock-aligned), or a counter's two (`fixedWindowRest`).
   */
  turned?: boolean;
  /**
   * The end has moved on, later, before it came: the count drains as time passes, a bucket's or a sliding window's.
   * (Not only `fixed: false`: at a fixed window's turn, answers from the old window's last requests, arriving after
   * the new window's first, bring its end back early.)
   */
  drains?: boolean;
  /** The end the latest answer implied, judged where it was seen (`counterTurn`). */
  windowEnd?: number;
}

/**
 * How long a window's end must stay put before the window is taken to be fixed: longer than `SAME_END_MS`, so that
 * a sliding window's end, which moves on a second every second, has shown that it moves by then.
 */
export const FIXED_EVIDENCE_MS = 2500;
const SAME_END_MS = 1500;
/** Two whole-second roundings, either way: how far a counter's turn may be from its ideal figures. */
const ROUNDING_MS = 2000;
/** Below this a counter's turn cannot be told from whole-second rounding. */
const COUNTER_MIN_WINDOW_MS = 2 * ROUNDING_MS;
/**
 * The margin on a window known to be fixed. Not 1: a reset rounded down (unconfirmed) would meet a 429 at each
 * turn, and pacing a hair under the quota keeps every window-long span, not only the server's windows, within it.
 */
export const FIXED_WINDOW_MARGIN = 0.99;

export interface Pace {
  ratePerSecond: number;
  /** No request may start before this: the window's quota is spent. */
  holdUntil?: number;
}

const isCount = (v: number | undefined): v is number => v !== undefined && Number.isFinite(v) && v >= 0;

/**
 * Folds one response's headers into the model. Needs `allowed` and `reset` to create a model; a later response
 * with only some headers updates what it has. The count is placed at `now` and `startIndex`; `seenAt` is when the
 * server was as the headers say (a lag before the answer when they are stale).
 */
export function observeHeaders(
  model: HeaderModel | undefined,
  headers: RateLimitHeaders,
  now: number,
  startIndex: number,
  seenAt = now,
): HeaderModel | undefined {
  const { allowed, count, resetSeconds } = headers;
  const hasAllowed = allowed !== undefined && Number.isFinite(allowed) && allowed > 0;
  const hasReset = isCount(resetSeconds);
  if (!model && !(hasAllowed && hasReset)) return model;
  const next: HeaderModel = { ...(model ?? { allowed: allowed as number, windowMs: 0, longestResetMs: 0 }) };
  if (hasAllowed) next.allowed = allowed;
  if (hasReset) {
    next.longestResetMs = Math.max(next.longestResetMs, Math.ceil(resetSeconds) * 1000, 1000);
    if (isCount(count)) {
      let endsAt = now + resetSeconds * 1000;
      // Whether the end stays put is judged where the server was as the headers say (`seenAt`), whatever `now` the
      // count is placed at: stale headers placed at their answer move their end by the lag once it is known, and a
      // fixed-clock window 1.7 s stale, taken to drain, was boosted into its end (6 429s).
      const seenEnd = seenAt + resetSeconds * 1000;
      const start = next.windowStart;
      // Whole-second resets make one window's implied end wobble by up to a second.
      const sameEnd = start !== undefined && Math.abs(seenEnd - start.endsAt) < SAME_END_MS;
      const prior = model?.quota;
      // A fixed window's turn brings its count down. One past the end that has not fallen is from before the turn:
      // stale headers after an idle span (a hold to the window's end) answer with the last state before it, its reset
      // still seconds away; taken for a turn, a full count was held for those seconds into the new window (1.188).
      const beforeTurn =
        next.fixed === true && start !== undefined && prior !== undefined && count > 1 && count >= prior.count;
      if (beforeTurn && !sameEnd && seenAt >= start.endsAt - 1000 && seenAt < start.endsAt + next.windowMs) {
        next.quota = { count, startIndex, endsAt: Math.min(endsAt, start.endsAt + now - seenAt), at: now };
        return withWindow(next);
      }
      if (!start || seenAt >= start.endsAt - 1000) {
        // The first answer, or one near or past the end we expected: a window (possibly a new one) starts here.
        if (!sameEnd) {
          if (start) next.turned = true;
          next.windowStart = { at: seenAt, endsAt: seenEnd };
        }
      } else if (!sameEnd) {
        // The end moved well before it came: not a fixed window.
        next.fixed = false;
        if (seenEnd > start.endsAt) next.drains = true;
        if (counterTurn(model?.windowEnd, seenEnd, seenAt)) next.counter = true;
        next.windowStart = { at: seenAt, endsAt: seenEnd };
      }
      // Every answer in the window bounds its end from above: the earliest, so that its turn comes no more than
      // a second after the end expected (one a second and more early was taken for an end that moved).
      if (sameEnd && start && next.windowStart === start && seenEnd < start.endsAt) {
        next.windowStart = { ...start, endsAt: seenEnd };
      }
      next.windowEnd = seenEnd;
      if (next.windowStart && next.fixed !== false && seenAt - next.windowStart.at >= FIXED_EVIDENCE_MS) {
        next.fixed = true;
      }
      // In a fixed window a whole-second reset, rounded up, puts the end somewhere in the second before
      // arrival + reset; every answer in the window bounds it from above, so the earliest is the tightest. Without
      // it a hold waits up to a second past the real reset, a tenth of a short window.
      if (next.fixed && prior && prior.endsAt > now && Math.abs(prior.endsAt - endsAt) < 1000) {
        endsAt = Math.min(endsAt, prior.endsAt);
      }
      next.quota = { count, startIndex, endsAt, at: now };
    }
  }
  return hasReset ? withWindow(next) : next;
}

/** The window from the longest reset seen: half of it for a counter, whose "back to zero" is two windows away. */
function withWindow(model: HeaderModel): HeaderModel {
  model.windowMs = model.counter ? model.longestResetMs / 2 : model.longestResetMs;
  return model;
}

/**
 * A sliding-window counter's turn: at the start of each window its "back to zero" moves from the end of this window
 * (a window away) to the end of the next (two away). An end that jumps on by about the time it was still away, to
 * about twice that, is such a turn; a sliding log's end moves on by the time it sent nothing, a fixed window's only
 * once it has come. Whole-second resets put each end up to a second late.
 */
function counterTurn(previousEnd: number | undefined, endsAt: number, now: number): boolean {
  if (previousEnd === undefined) return false;
  const jump = endsAt - previousEnd;
  const away = previousEnd - now;
  return (
    jump >= COUNTER_MIN_WINDOW_MS &&
    Math.abs(away - jump) < ROUNDING_MS &&
    Math.abs(endsAt - now - 2 * jump) < ROUNDING_MS
  );
}

/**
 * The pace the headers allow: `margin * allowed / window`, evenly. And a guard: while the latest count is current,
 * if it plus what was started since reaches `allowed` (another client spends the same token's quota, or the window
 * was underestimated before a full one had been seen), hold until the count is back to zero.
 *
 * Spreading the remaining quota until the reset is done only for a window known to be fixed (`fixedWindowRest`):
 * elsewhere the reset is when a sliding window or a bucket would be empty, which moves on with every request, and
 * paced on that it would crawl. The guard is exact for a fixed window, and errs on the safe side for the others.
 * Counting every start since against the count is also safe-side: starts that reach the server after the window has
 * turned are counted too, about `rate × latency` of them, which the margin absorbs while the latency is small against
 * the window (under 3% of it at the default margin).
 */
export function headerPace(
  model: Pick<HeaderModel, 'allowed' | 'windowMs' | 'quota' | 'drains'>,
  now: number,
  startsSoFar: number,
  margin: number,
): Pace {
  const ratePerSecond = (margin * model.allowed * 1000) / model.windowMs;
  const quota = model.quota;
  if (!quota || now >= quota.endsAt) return { ratePerSecond };
  const startedSince = Math.max(0, startsSoFar - quota.startIndex - 1);
  if (quota.count + startedSince < model.allowed) return { ratePerSecond };
  if (!model.drains || quota.count <= 0) return { ratePerSecond, holdUntil: quota.endsAt };
  // The count drains as its reset runs down (a bucket's or a GCRA's evenly, a sliding log's as its
  // requests age out), and there is room once it is under `allowed` with what was started since, not only at zero.
  // Held to zero, a GCRA of 101 requests, headers 2.6 s stale, sent nothing for 5 s after each count of 100.
  const room = Math.max(0, model.allowed - 1 - startedSince);
  return { ratePerSecond, holdUntil: quota.endsAt - ((quota.endsAt - quota.at) * room) / quota.count };
}

/**
 * A hold longer than `PROBE_HOLD_MS` on stale headers whose window has not been seen to turn lets one request through
 * every `PROBE_EVERY_MS` (`probeThroughHold`). Its end is a guess then (the longest reset: two windows for a
 * sliding-window counter whose stale end stayed put like a fixed one), and a count seconds old shows the real turn
 * only on an answer sent after it. Held to the guess without a probe, a counter of 600 per 60 s, headers 7 s stale,
 * sent its last 5 requests 55 s late (ratio 1.894); probing every 2 s, 1.025 (every 4 s, 1.063). In a true fixed
 * window, held to its real end, the probe is refused: one 429 and its whole-second pause, 1.002 -> 1.016–1.021.
 */
export const PROBE_HOLD_MS = 5000;
export const PROBE_EVERY_MS = 2000;

/** The hold that applies: `holdUntil`, or while it is still more than `PROBE_HOLD_MS` away, a probe's slot. */
export function probeThroughHold(holdUntil: number, now: number, lastStartAt: number | undefined): number {
  if (lastStartAt === undefined || holdUntil - now <= PROBE_HOLD_MS) return holdUntil;
  return Math.min(holdUntil, lastStartAt + PROBE_EVERY_MS);
}

/**
 * How far before a fixed window's estimated end its rest is spent: the end is the earliest arrival plus a reset
 * rounded up to whole seconds, so late by about one latency or more, never early (`observeHeaders`).
 */
export const FIXED_END_GUARD_MS = 250;
/** The rest of a fixed window is spent at most this many times as fast as the even pace: no burst. */
export const REST_PACE_FACTOR = 2;
/**
 * ...and only when spending it takes this many times the even pace: a window paced evenly from its start needs about
 * 1.05 (its quota by the guard), which stays even; one that began with the lane idle, more.
 */
export const REST_MIN_FACTOR = 1.25;
/** Nor in a window's last second: a few requests left over a short span look like a deficit, and are none. */
const REST_MIN_SPAN_MS = 1000;

/**
 * In a window known to be fixed, what its quota has left by its end is lost: the reads before the writes, the
 * planning between them, or a pace under the quota leave it unspent (a token-pool run's first windows were 40% empty,
 * each lane then needing a tenth window for 4 s of work). The rate that spends `FIXED_WINDOW_MARGIN × allowed`, less
 * the count and what was started since, by `FIXED_END_GUARD_MS` before the window's end, at most `REST_PACE_FACTOR`
 * times the even `pace`; undefined when that is under `REST_MIN_FACTOR` times it, nothing is left, the count is not
 * current, or the end is too near.
 *
 * Before the window has been seen to turn (`turned`), the even pace rests on a guess: the longest reset, which for a
 * sliding-window counter is two of its windows (paced on it, a counter ran at half its rate until its turn, ratio up to
 * 1.255). The guard is exact, so a true fixed window loses nothing to a faster pace but an earlier hold: until then
 * `REST_PACE_FACTOR` times the even pace (or the rest's, when faster), but no faster than the requests in flight over
 * `latencyMs` fit in the quota's margin. The guard cannot count those (an answer's count misses requests sent before
 * it that reach the server after it): a clock-aligned window 4 s from its end, paced at 148 a second, drew 3 429s.
 */
export function fixedWindowRest(
  model: Pick<HeaderModel, 'allowed' | 'quota' | 'turned'>,
  now: number,
  startsSoFar: number,
  pace: number,
  latencyMs = 0,
): number | undefined {
  const quota = model.quota;
  if (!quota || now >= quota.endsAt) return undefined;
  const span = quota.endsAt - FIXED_END_GUARD_MS - now;
  const startedSince = Math.max(0, startsSoFar - quota.startIndex - 1);
  const left = Math.floor(FIXED_WINDOW_MARGIN * model.allowed) - quota.count - startedSince;
  if (left <= 0) return undefined;
  const rest = span < REST_MIN_SPAN_MS ? 0 : (left * 1000) / span;
  const spend = rest >= REST_MIN_FACTOR * pace ? Math.min(REST_PACE_FACTOR * pace, rest) : undefined;
  if (model.turned) return spend;
  const inFlightFits = latencyMs > 0 ? ((1 - FIXED_WINDOW_MARGIN) * model.allowed * 1000) / latencyMs : 0;
  const faster = Math.max(spend ?? 0, Math.min(REST_PACE_FACTOR * pace, inFlightFits));
  return faster > pace ? faster : undefined;
}

/**
 * Little's law: in flight = arrival rate × time in system, times headroom for latency that varies, plus one spare
 * slot so a slow response does not delay the next paced start. It only grows at once: it shrinks when the need has
 * fallen by two or more, so latency noise does not make it flap.
 */
export function littleConcurrency(
  ratePerSecond: number,
  latencyMs: number | undefined,
  maxConcurrency: number,
  current = 1,
  headroom = 1.5,
): number {
  if (latencyMs === undefined) return 1;
  const needed = Math.min(maxConcurrency, Math.max(1, Math.ceil(((ratePerSecond * latencyMs) / 1000) * headroom) + 1));
  return needed >= current || needed < current - 1 ? needed : current;
}

/**
 * Latency for sizing concurrency: an EWMA that follows a rise quickly and a fall slowly, so it sits towards the
 * slower responses (which are what run out of slots), and does not swing with every fast one.
 */
export function latencyEwma(previous: number | undefined, sample: number, up = 0.3, down = 0.05): number {
  if (previous === undefined) return sample;
  return previous + (sample > previous ? up : down) * (sample - previous);
}

/** Starts kept to measure the rate actually achieved (by a token's model, and by the lanes together). */
export const MEASURE_SPAN_MS = 2000;
/** A timer that fires this late still keeps its pace slot, so timer lag does not slow the average rate. */
const LATE_TOLERANCE_MS = 20;

/**
 * The slot a start takes: the ideal one (`due`) when only the pace held it back (`due` not before `heldUntil`) and
 * the wake-up was only a little late; otherwise `now`, a fresh schedule, so that after idling, a pause or a hold no
 * backlog bursts out.
 */
export function slotFor(now: number, due: number, interval: number, heldUntil: number): number {
  return due >= heldUntil && now - due <= Math.min(interval / 2, LATE_TOLERANCE_MS) ? due : now;
}

/** How many of `sorted` (ascending) are after `after` and at or before `upTo`: counted without a copy, once per answer. */
export function countBetween(sorted: readonly number[], after: number, upTo: number): number {
  return Math.max(0, upperBound(sorted, upTo) - upperBound(sorted, after));
}

/** The index of the first element of `sorted` greater than `value`. */
function upperBound(sorted: readonly number[], value: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((sorted[mid] as number) <= value) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * The rate requests actually started at, from their start times (oldest first): over the last `spanMs`, counting
 * back from the newest start only as far as the first gap longer than `maxGapMs` (a pause or idle time is not a
 * rate). Undefined with fewer than three starts: too few to tell a rate from chance.
 */
export function measuredRate(
  starts: readonly number[],
  now: number,
  spanMs: number,
  maxGapMs = Number.POSITIVE_INFINITY,
): number | undefined {
  let first = starts.length - 1;
  if (first < 0) return undefined;
  while (
    first > 0 &&
    (starts[first - 1] as number) > now - spanMs &&
    (starts[first] as number) - (starts[first - 1] as number) <= maxGapMs
  ) {
    first--;
  }
  const n = starts.length - first;
  if (n < 3) return undefined;
  const elapsed = (starts[starts.length - 1] as number) - (starts[first] as number);
  return elapsed > 0 ? ((n - 1) * 1000) / elapsed : undefined;
}
