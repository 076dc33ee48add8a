/**
 * What the server accepted, for the rate model's measures of it (model.ts): the starts of accepted requests over the
 * last few seconds, their running total, and that total at the moments measures run from (the last 429 and, without
 * headers, discovery's start).
 */
import { countBetween, measuredRate } from './pacing.js';

/** Accepted requests between two 429s that make the second one news about the rate (`refused`). */
const STILL_FULL = 3;
const STILL_FULL_SHARE = 0.25;
/** The rate accepted since the last 429 is measured when that was this long ago (`sinceRefused`). */
const SINCE_REFUSED_MS: readonly [number, number] = [1000, 15_000];
/**
 * Without headers a probe past a cut rate goes up to this multiple of the rate accepted since discovery began, once
 * that is `LONG_RUN_MIN_MS` old (`longRun`). The average counts slow start's ramp and any debt a window's overshoot
 * left, so it sits under a window's limit: 17–18 of 20 req/s where a counter's debt had cut the rate to 7. But it also
 * counts a bucket's burst. Measured (bench/family-sweep.ts, test/governor): 1.2 brought that counter to 1.07 instead
 * of 1.09, but took a 40 req/s bucket with a whole window's burst to 53 and its halved limit past three windows.
 */
const LONG_RUN_HEADROOM = 1.1;
const LONG_RUN_MIN_MS = 5000;

export class AcceptedLog {
  /** Start times of accepted requests, over the span `accept` is given. */
  readonly starts: number[] = [];
  /** Accepted answers so far. */
  total = 0;
  /** When the last 429 came: the server was full then. */
  lastRefusedAt: number | undefined;
  /** At the last 429: the answers accepted and the time paused so far (`sinceRefused`). */
  private atRefused = { accepted: 0, pausedMs: 0 };
  /** Without headers: when discovery began, and the answers accepted by then (`longRun`). */
  private discoveredAt: { at: number; accepted: number } | undefined;

  accept(startedAt: number, now: number, spanMs: number): void {
    this.starts.push(startedAt);
    this.total++;
    while ((this.starts[0] as number) <= now - spanMs) this.starts.shift();
  }

  discoveryBegan(now: number): void {
    this.discoveredAt = { at: now, accepted: this.total };
  }

  /** Accepted since discovery began, and how long ago that was (undefined before it). */
  sinceDiscovery(now: number): { accepted: number; ms: number } | undefined {
    const from = this.discoveredAt;
    return from && { accepted: this.total - from.accepted, ms: now - from.at };
  }

  /** Requests per second accepted over the last `spanMs`, counted by their starts; undefined under a second of them. */
  rate(now: number, spanMs: number, pacedPerSecond: number): number | undefined {
    // Back to the first long gap: a pause is no measure of what the server takes.
    const accepted = measuredRate(this.starts, now, spanMs, Math.max(250, 3000 / pacedPerSecond));
    const from = this.starts[0];
    return from !== undefined && now - from >= 1000 ? accepted : undefined;
  }

  /**
   * What the server took since the last 429, `lastRefusedAt`, when that was neither too recent to measure nor so long
   * ago that it may not have been pressed since. That 429 found it empty, so all it accepted since came from what it
   * refilled: a rate over the last second or three also counts a bucket's burst, refilled and spent again after each
   * pause (an 18% bucket, 20 req/s, measured 37–40; each 429 then stepped down by a tenth, 8 429s a run). The pause
   * in between may waste refill, though: a bucket holds no more than its capacity, a GCRA of 6 requests refills that
   * in 0.3 s and Retry-After is whole seconds. So with `b` the capacity, `a` accepted in `t` of which `p` paused, the
   * rate `r` is `a / t` when `r·p` fits in `b`, and `(a − b) / (t − p)` otherwise: the larger of the two. The headers'
   * `allowed`, in requests, is taken as `b`: a window's quota or a scaled bucket's only make the second the smaller.
   * Without headers `b` is unknown (`capacity` undefined): `a / t`.
   *
   * `answeringMs` (with headers: the time the 429 now judged took to come back) is left out of `t`: what was started
   * in it has not been answered, so is not in `a`. Counted in, a second 429 1.2 s after a pause measured a bucket of
   * 3 at 19.4 of 20 req/s (seed 12 bucket 1.1% stale, 16 latency seeds: mean 1.111 -> 1.108; sweep, header runs over
   * 1.10 at 300/15 s 3-15 ms 2 -> 1 and 100/5 s 10 -> 8 of 108, 300/15 s 20-80 ms 1 -> 2).
   */
  sinceRefused(now: number, pausedMs: number, capacity: number | undefined, answeringMs = 0): number | undefined {
    const from = this.lastRefusedAt;
    const t = from === undefined ? 0 : now - from - answeringMs;
    if (t < SINCE_REFUSED_MS[0] || t > SINCE_REFUSED_MS[1]) return undefined;
    const a = this.total - this.atRefused.accepted;
    if (capacity === undefined) return (a * 1000) / t;
    const p = pausedMs - this.atRefused.pausedMs;
    return Math.max((a * 1000) / t, t > p ? ((a - capacity) * 1000) / (t - p) : 0);
  }

  /** How high a probe past a cut may go without headers: `LONG_RUN_HEADROOM` over the rate taken since discovery. */
  longRun(now: number): number | undefined {
    const from = this.discoveredAt;
    if (!from || now - from.at < LONG_RUN_MIN_MS) return undefined;
    return (LONG_RUN_HEADROOM * (this.total - from.accepted) * 1000) / (now - from.at);
  }

  /**
   * Records a 429 at `now` (and the time paused so far) as the last, and says whether fewer than `STILL_FULL` requests
   * were accepted since the one before: the server is then still full from before, as a sliding-window counter is
   * for most of the window after slow start overshot it, whatever the rate. Such a 429 says nothing of the limit: cut
   * at each, a 20 req/s counter fell to 2.8 (ratio 2.965).
   */
  refused(now: number, sentRate: number, pausedMs: number): boolean {
    const from = this.lastRefusedAt;
    const since = this.atRefused;
    this.lastRefusedAt = now;
    this.atRefused = { accepted: this.total, pausedMs };
    if (from === undefined) return false;
    // The starts kept reach back a few seconds only: a 429 longer ago is counted in answers (that ago, 60 at 20 req/s
    // over the 3 s kept fell short of a quarter of 12 s, and a 429 after 12 s was taken as full).
    const kept = this.starts[0];
    const accepted =
      kept !== undefined && kept > from ? this.total - since.accepted : countBetween(this.starts, from, now);
    return accepted < Math.max(STILL_FULL, (STILL_FULL_SHARE * sentRate * (now - from)) / 1000);
  }
}
