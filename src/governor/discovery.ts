/**
 * Discovery, pure policy (rates in requests per second, times in `clock.now()` ms): the rate for platforms that send
 * no rate-limit headers, and the ceiling after 429s that headers did not predict (model.ts keeps the state). After
 * TCP CUBIC and botocore's adaptive mode: exponential slow start until the first 429; then each 429 sets `wMax` to
 * the rate that failed and drops to `BETA * wMax`; the rate climbs back along a cubic that flattens near `wMax` (where
 * the limit was) and probes beyond it only slowly. The cubic is scaled by `wMax`, so its shape in time is the same for
 * 5 and for 500 requests a second.
 */
export interface Discovery {
  phase: 'slow_start' | 'cubic';
  /** slow_start: the rate at `since`; cubic: wMax. */
  base: number;
  since: number;
  /** cubic: the rate the climb starts from, `BETA * base` unless the rate accepted said less, or measured the cut (`throttled`). */
  from?: number;
  /** cubic: `base` is a cut that may be well under the limit: how high to probe past it (`discoveryRate`). */
  probeTo?: number;
  /** cubic, from slow start's cut (without headers): the rate slow start failed at (`discoveryRate`, `rampLimit`). */
  rampFailedAt?: number;
  /** cubic: `base` is the limit worked out from two 429s (`probed`): a later 429 near it is a small error in it. */
  estimated?: boolean;
  /** cubic: `base` is what a bucket took since slow start's 429, under its limit (`throttled`); `probed` keeps it. */
  sustainedCut?: boolean;
  /** cubic, from `stillFull`: the server took next to nothing since the last 429, a debt it is still paying. */
  owed?: boolean;
  /** cubic, a ceiling over headers (model.ts): resumes slow start once it has held its top (`regrowing`). */
  regrow?: boolean;
}

/** A 429 near the top of the climb steps down to this fraction of the rate that failed. */
export const BETA = 0.9;
/**
 * A 429 that ends slow start, or that the last decrease did not prevent, first takes this fraction of the failed rate
 * as the new wMax. Tuned on the simulated limiters (test/governor): larger factors overshoot again after a halved
 * limit; smaller ones leave the rate low for long.
 */
export const OVERSHOOT_FACTOR = 0.7;
/** Seconds the cubic takes to climb back to wMax. */
export const CUBIC_K_SECONDS = 20;
/**
 * Slow start doubles the rate this often. A window that fills refuses every request in flight until its 429 is back,
 * about the rate times a round trip: without headers, 300/15 s at 20–80 ms, slow start met a fixed window at 87 req/s
 * (7 429s at once, of the 6 in 610 the target allows) and a clock-aligned one at 93–141 (5–10). Growing slowly past a
 * knee of 2–3 requests in flight (rate × latency), doubling every 6–12 s there, cut that to 1–3 and put those windows
 * within the target (sweep, 300/15 s: fixed 6/6 over -> 0/6, clock-aligned 5/6 -> 0–2/6; 27 -> 10–17 runs over), but
 * slow start then failed at half the rate, and what follows from that rate moved: a counter's debt was taken for a
 * limit that fell (origin 5808: 1.073 -> 1.885), a fixed window's halved limit was over it three windows on (20.6 of
 * 20), a sliding log at 100/5 s 1.16 -> 1.24. Not taken; the cut after such a slow start would need retuning with it.
 */
export const SLOW_START_DOUBLING_MS = 2000;
/** Time into a climb from a cut `base` without a 429 after which the rate probes past it (`discoveryRate`). */
export const PROBE_AFTER_MS = 2000;
export const MIN_RATE = 0.05;
/**
 * A cut to the rate the server took since the last 429 (`throttled`, `measuredCut`) starts its climb at this share of
 * it, not at `BETA`: with headers that rate discounts a burst refilled in the pause (model.ts `acceptedSinceRefused`),
 * and measured 19.1–19.3 where the limit was 20. From 0.9 of it, a bucket of 10 at 20 req/s, headers 0.3 s stale, was
 * held at 17.3–18.7 (1.118); from 0.98, 1.105, and 17 header runs of the five-configuration sweep 0.006–0.034 faster
 * with the same 429s (0.99: the same runs within 0.007). Without headers it is `a / t`, burst and all: from 0.98 of
 * it, headerless windows drew more 429s (100/5 s: a counter 1.083 -> 1.130, fixed-clock windows 1.11 -> 1.13).
 */
export const MEASURED_CUT_FROM = 0.98;
/**
 * After slow start's cut the climb probes past wMax in a straight line: this fraction of wMax a second, from where the
 * climb starts, up to `RAMP_PROBE_CAP` of the rate slow start failed at. Measured (bench/family-sweep.ts, headerless
 * buckets of 1–6% at 300/15 s): 0.02 and 0.05 did no better (mean ratio 1.158 and 1.145 against 1.143); 0.05 put a
 * 1% GCRA at 600/60 s over the target.
 */
export const RAMP_PROBE_SLOPE = 0.03;
export const RAMP_PROBE_CAP = 0.9;
/** A 429 below this multiple of the climb's starting rate counts as "the last decrease was not enough". */
const NO_CLIMB = 1.05;

export function startDiscovery(ratePerSecond: number, now: number): Discovery {
  return { phase: 'slow_start', base: ratePerSecond, since: now };
}

/**
 * The cubic barely grows past its `base`, about a tenth of it per `CUBIC_K_SECONDS`, so a base cut too low is nearly
 * permanent: after slow start overshot a sliding-window counter, the 429s while the next window paid for that
 * overshoot cut the rate to a third of the limit, where it stayed for 40 s (ratio 2.06 in real time). A climb from
 * such a cut (`throttled`, `probeTo`) resumes slow start `PROBE_AFTER_MS` into it, up to `probeTo`.
 *
 * Slow start's cut is no better: a small bucket refuses it at 1.3–1.75 times its rate, so `OVERSHOOT_FACTOR` leaves
 * 0.9–1.2 of it, and a cut under the limit stayed there (a 1% GCRA at 300/15 s: 15.6–17.4 of 20 req/s, ratio 1.245).
 * So that climb probes past its wMax within seconds, slowly enough that its 429 comes just past the limit (`probed`).
 */
export function discoveryRate(state: Discovery, now: number): number {
  const elapsed = Math.max(0, now - state.since);
  if (state.phase === 'slow_start') return state.base * 2 ** (elapsed / SLOW_START_DOUBLING_MS);
  const x = elapsed / 1000 / CUBIC_K_SECONDS - 1;
  const cubic = Math.max(MIN_RATE, state.base + (state.base - climbFrom(state)) * x ** 3);
  const regrowFor = elapsed - REGROW_AT_MS;
  if (state.regrow && regrowFor > 0) return Math.max(cubic, state.base * 2 ** (regrowFor / SLOW_START_DOUBLING_MS));
  const { probeTo, rampFailedAt } = state;
  if (rampFailedAt !== undefined) {
    const linear = climbFrom(state) + (RAMP_PROBE_SLOPE * state.base * elapsed) / 1000;
    return Math.max(cubic, Math.min(RAMP_PROBE_CAP * rampFailedAt, linear));
  }
  if (probeTo === undefined || probeTo <= state.base || elapsed <= PROBE_AFTER_MS) return cubic;
  const probe = Math.min(probeTo, state.base * 2 ** ((elapsed - PROBE_AFTER_MS) / SLOW_START_DOUBLING_MS));
  return Math.max(cubic, probe);
}

export const climbFrom = (state: Discovery): number => state.from ?? BETA * state.base;

/**
 * A ceiling that has held its top (the cubic's `base`, `CUBIC_K_SECONDS` into its climb) this long without a 429
 * resumes slow start from it (`regrow`): the 429 that set it may have said less than the limit (another client's
 * burst, a limit that fell for a while), and the cubic probes past its top by a tenth in 20 s, so one such 429 a
 * second into a run held a 3-request bucket at 3 of 20 req/s for 40 s (ratio 3.30; resumed 2 s after its top, 1.82;
 * 5 s, 1.91). The family sweep measured the same for 2 s and 5 s; sooner, halfway up the climb (10 s), it put a
 * header run at 600/60 s over the target on 429s (1 -> 2 of 108).
 */
export const REGROW_AFTER_MS = 2000;
const REGROW_AT_MS = CUBIC_K_SECONDS * 1000 + REGROW_AFTER_MS;

/** Whether a start at `at` was paced by the slow start a ceiling resumed (`regrow`). */
export const regrowing = (state: Discovery, at: number): boolean =>
  state.phase === 'cubic' && state.regrow === true && at - state.since > REGROW_AT_MS;

/**
 * A 429 on the slow start a ceiling resumed (`regrowing`): the limit is past the top it held, and under the rate that
 * failed. Settles at the top, or at `OVERSHOOT_FACTOR` of that rate when higher (as slow start's 429 takes it); the
 * top it held stays the limit's measure, so this climb does not resume slow start again (model.ts).
 */
export function regrowRefused(previous: Discovery, failedAtRate: number, resumeAt: number): Discovery {
  return { ...settle(Math.max(previous.base, OVERSHOOT_FACTOR * failedAtRate), resumeAt), estimated: false };
}

/**
 * After a 429: `failedAtRate` is the rate the server refused; the climb starts when sending resumes.
 * A 429 at the top of a climb (the limit is about where it was) steps down to `BETA * failedAtRate` and climbs back
 * towards `failedAtRate`. A 429 that ends slow start (whose ramp has overshot by the time a window fills), or that
 * comes before the climb has risen at all (the last decrease was not enough: the limit fell), first cuts the rate it
 * takes as the limit by `OVERSHOOT_FACTOR`.
 *
 * `acceptedRate`, when known, is what the server took just before: the limit is at least that. Below the step down
 * (a header model that ramped past the limit, whose 429 came only once a small burst was spent), the climb starts
 * there and still flattens at the rate that failed. Taking the accepted rate as the limit itself would hold a run at
 * that lower bound: measured along a ramp it can be half the rate that failed, and the cubic probes past its wMax
 * only over tens of seconds.
 *
 * `sustainedRate`, when known, is what the server took since an earlier 429 (model.ts): a bucket's burst is not in
 * it, so it bounds the cut instead (the rate just before, spending a burst refilled in the pause, kept cuts of a
 * bucket with a 18% burst at a tenth, one per 429).
 *
 * `probeTo`, when given (model.ts: since slow start ended, without headers), is kept for a climb from a cut, or after
 * a 429 well under the last cut: `discoveryRate` then probes past the cut.
 *
 * `measuredCut` (with headers): a cut to `sustainedRate` starts its climb at `MEASURED_CUT_FROM` of it.
 */
export function throttled(
  previous: Discovery | undefined,
  failedAtRate: number,
  resumeAt: number,
  acceptedRate?: number,
  sustainedRate = acceptedRate,
  probeTo?: number,
  measuredCut = false,
): Discovery {
  if (previous?.estimated && failedAtRate > climbFrom(previous) && resumeAt - previous.since >= ESTIMATE_HELD_MS) {
    return settle(ESTIMATE_CAP * failedAtRate, resumeAt);
  }
  // A 429 before the probe from slow start's cut passed it (`rampProbed`): that cut was still over the limit.
  const overshot =
    previous !== undefined &&
    (previous.phase === 'slow_start' ||
      previous.rampFailedAt !== undefined ||
      failedAtRate <= climbFrom(previous) * NO_CLIMB);
  // The server took this much: no cut goes below it (a climb from it is no evidence the limit fell).
  const cut = overshot
    ? Math.max(failedAtRate * OVERSHOOT_FACTOR, Math.min(sustainedRate ?? 0, failedAtRate))
    : failedAtRate;
  const base = Math.max(MIN_RATE, cut);
  // Refused well below the last cut: the climb never came near it, so nothing said the limit was there.
  const untested = previous !== undefined && failedAtRate < BETA * previous.base;
  const tookLess = acceptedRate !== undefined && acceptedRate < BETA * base;
  const tookSustained = overshot && sustainedRate !== undefined && cut === sustainedRate && cut < failedAtRate;
  // Also when the rate that failed was already capped at it (model.ts, `SETTLED_MS`): a bucket of 3 at 20 req/s,
  // headers 3.3 s stale, refused at 20.1 after taking 19.9 for 10 s, then climbed from 17.9 instead of 19.5
  // (1.169 -> 1.112).
  const fromTook = measuredCut && overshot && sustainedRate !== undefined && cut === sustainedRate;
  // Without headers, a 429 on the climb from slow start's cut before it passed that cut: the cut was over the limit
  // (a 4.5% GCRA refused slow start at 1.75 times its rate). What the server took since, from empty through a refill
  // capped at the burst, is then at or just under the limit: the climb starts there and probes past it as from slow
  // start's cut. From `BETA` of it, without a probe, a 4.5% GCRA was held at 16.6–18.3 of 20 req/s. Sweep, 300/15 s:
  // 4.5–5.4% at 20–80 ms 1.136–1.163 -> 1.113–1.117, at 3–15 ms 1.125–1.152 -> 1.107–1.119; 600/60 s, a 1.2% GCRA
  // 1.099 -> 1.069.
  const sustainedCut = !measuredCut && !tookLess && previous?.rampFailedAt !== undefined && tookSustained;
  const from = tookLess
    ? Math.max(MIN_RATE, acceptedRate)
    : fromTook
      ? Math.max(MIN_RATE, MEASURED_CUT_FROM * base)
      : sustainedCut
        ? base
        : undefined;
  return {
    phase: 'cubic',
    base,
    since: resumeAt,
    ...(from !== undefined && { from }),
    ...(probeTo !== undefined && (overshot || untested) && { probeTo }),
    ...(previous?.phase === 'slow_start' && { rampFailedAt: failedAtRate }),
    ...(sustainedCut && { rampFailedAt: previous.rampFailedAt, sustainedCut }),
  };
}

/**
 * A limit worked out from two 429s (`probed`) is at most this fraction of the rate that failed; a later 429 near it
 * (`ESTIMATE_HELD_MS` or more after) takes the same fraction of its own rate: the estimate was a little high.
 */
const ESTIMATE_CAP = 0.95;
/**
 * Sooner, a 429 near the estimate is no small error in it: a clock-aligned window's 429s (100 per 5 s) came one a
 * window, and 4 s instead of 8 took each as such (1.79% 429s against 1.63%). 12 s measured the same as 8.
 */
const ESTIMATE_HELD_MS = 8000;
/** The climb from an estimated limit starts this close under it: the cubic is within 1% of it 4 s later. */
const ESTIMATE_SETTLE = 0.98;
/**
 * Slow start's ramp is exponential, so it spends a burst with less overshoot than the straight-line formula with its
 * slope at the cut says (`rampLimit`): on 20 req/s GCRAs of 3–4 requests, (R₂ − L) / (R₁ − L) measured 0.24–0.27
 * against 0.294. On the sweep (headerless buckets of 1–6% at 300/15 s, mean ratio): 0.8 1.159, 1 1.149, 0.9 1.143.
 */
const RAMP_EXPONENTIAL = 0.9;

const settle = (limit: number, resumeAt: number): Discovery => {
  const base = Math.max(MIN_RATE, limit);
  return { phase: 'cubic', base, since: resumeAt, from: ESTIMATE_SETTLE * base, estimated: true };
};

/** Whether a 429 at `rate` met the probe past slow start's cut (`discoveryRate`): `probed` then finds the limit. */
export const rampProbed = (state: Discovery | undefined, rate: number): state is Discovery =>
  state?.rampFailedAt !== undefined && rate > state.base;

/**
 * The 429 of the probe past slow start's cut: with slow start's own, it says where the limit is (`rampLimit`), and
 * the climb settles there instead of stepping down from the rate that failed and climbing back into the next 429.
 */
export function probed(previous: Discovery, failedAtRate: number, resumeAt: number): Discovery {
  const limit = rampLimit(previous.rampFailedAt ?? failedAtRate, failedAtRate);
  const estimate = Math.min(limit, ESTIMATE_CAP * failedAtRate);
  // From a cut the server took (`sustainedCut`), the limit is at least that. Slow start's ramp says nothing of a
  // sliding-window counter's limit: without this floor, one at 100/5 s went from 1.128 to 1.254 (with it, 1.144).
  return settle(previous.sustainedCut ? Math.max(estimate, previous.base) : estimate, resumeAt);
}

/**
 * The limit L of a bucket from two 429s: slow start's at `rampFailed` (R₁) and the probe's at `probeFailed` (R₂).
 * Each came once a ramp past L had spent the burst B, refilled in the pause between: (R − L)² = 2·s·B for a ramp of
 * slope s. Slow start's slope at a rate r is r·ln 2 / `SLOW_START_DOUBLING_MS`, the probe's `RAMP_PROBE_SLOPE`·r, so
 * (R₂ − L) / (R₁ − L) = ρ whatever B, and L = (R₂ − ρ·R₁) / (1 − ρ).
 */
export function rampLimit(rampFailed: number, probeFailed: number): number {
  const rho = RAMP_EXPONENTIAL * Math.sqrt((RAMP_PROBE_SLOPE * SLOW_START_DOUBLING_MS) / 1000 / Math.LN2);
  return (probeFailed - rho * rampFailed) / (1 - rho);
}

/**
 * Freed under this share of the cut (`stillFull`), the server is paying a debt, not draining: a sliding-window counter
 * after slow start overshot it frees a fifteenth of the last window's count a second until its turn (1–3 of 20 req/s),
 * while its Retry-After says a second. Over that share, the server is recovering: at 100 per 5 s the counter freed 3.4
 * against a cut of 19.8, and a climb from 3.4 held it 0.04–0.15 slower (seeds 6–9: 1.13–1.19 -> 1.23–1.28).
 */
const FREED_SHARE = 0.1;
/**
 * While a debt is paid, wMax is held to this multiple of `freed.longRun` (model.ts `probeTo`: the rate taken since
 * discovery began, with its headroom), a climb's top that slow start's cut left at 0.7 of the rate it failed at (77 of
 * 20 req/s). From the debt's end the cubic rose past 40 and met 2 429s twice. On the six runs that pay one (three
 * counters, 20–80 and 3–15 ms): 74 -> 65 429s, mean ratio 1.075 -> 1.070; 1.0 and 1.2 held one at 1.18 and 1.10.
 */
const OWED_HEADROOM = 1.5;

/**
 * A 429 while the server is still full from the last one (model.ts): the limit is where it was, so wMax stays; only
 * the climb starts lower, so the next resume sends less into a server that is not draining yet.
 *
 * `freed`, when given (model.ts, without headers): the rate the server took since the last 429, a Retry-After or so
 * ago, the least rate to resume at, and the long-run rate (`OWED_HEADROOM`). A debt (`FREED_SHARE`), or a 429 while
 * one is paid (`owed`), starts the climb at that rate instead of `OVERSHOOT_FACTOR` under the last start: resumed at
 * 0.7 of the rate before (a 20 req/s counter, 49 -> 34 -> ... -> 5.7 req/s), each of 6 resumes in 6 s met 429s, 8 in
 * all; from what it freed (1–1.7 req/s), 4 resumes met one each. The floor is one request per Retry-After: a climb
 * from under it (0.05 req/s) waited out its interval, seconds after the server had turned (that counter: 1.126
 * without the floor, 1.069 with it).
 */
export function stillFull(
  previous: Discovery,
  failedAtRate: number,
  resumeAt: number,
  probeTo?: number,
  freed?: { rate: number; floor: number; longRun?: number },
): Discovery {
  const cut = Math.min(climbFrom(previous), failedAtRate) * OVERSHOOT_FACTOR;
  const owed = freed !== undefined && (freed.rate < FREED_SHARE * cut || previous.owed === true);
  const from = Math.max(
    MIN_RATE,
    owed ? Math.max(freed.floor, Math.min(failedAtRate * OVERSHOOT_FACTOR, freed.rate)) : cut,
  );
  return {
    phase: 'cubic',
    base:
      owed && freed.longRun !== undefined
        ? Math.max(from, Math.min(previous.base, OWED_HEADROOM * freed.longRun))
        : previous.base,
    since: resumeAt,
    from,
    ...(probeTo !== undefined && { probeTo }),
    ...(owed && { owed }),
  };
}

/**
 * How far over the rate a window took before slow start spent it (`windowSpent`) the climb may go. The rate measured
 * from the run's first answer to the 429 is over a window's limit when the quota ran out inside one window (300 in
 * 9 s of a 15 s window: 33 of 20 req/s) and about at it when slow start crossed windows (170 in 7.4 s at 100 per 5 s).
 * Measured on the family sweep (bench/sweep.ts): 1.0 held a sliding log at 300 per 15 s, 3–15 ms, to a ratio of 1.114
 * and a fixed window at 100 per 5 s to 1.204 (from 1.160); 1.2, the sliding log at 20–80 ms to 1.103; 1.4 raised
 * none of them, and no ratio by more than 0.02 (fixed, 300 per 15 s: 1.041 to 1.060).
 */
export const WINDOW_HEADROOM = 1.4;

/**
 * Without headers, a 429 that ends slow start with a Retry-After over a second: a window is spent until then (a
 * bucket's Retry-After is its next token, a second at these rates). The cut, `OVERSHOOT_FACTOR` of the rate that
 * failed, is then far above the window's limit, slow start's ramp being past it by the quota's worth (77 req/s
 * against 20 at 300 per 15 s), and the next window is spent early again (seconds of 429s from a sliding log, which
 * frees only what it took a window ago). So wMax is held to `WINDOW_HEADROOM` over the rate the server took:
 * `accepted` answers in the `elapsedMs` from the first to the 429. Fewer than 3 answers, or under a second, say
 * nothing of a rate.
 */
export function windowSpent(state: Discovery, accepted: number, elapsedMs: number): Discovery {
  // A window, not a bucket: the probe past the cut that works out a bucket's limit (`rampLimit`) has nothing to find.
  // Left on, it climbed towards 0.9 of slow start's rate (99 req/s), and a fixed window whose limit then halved was
  // still at 22 of 20 req/s three windows later.
  const { rampFailedAt: _, ...window } = state;
  if (accepted < 3 || elapsedMs < 1000) return window;
  const cap = (WINDOW_HEADROOM * accepted * 1000) / elapsedMs;
  if (cap >= window.base) return window;
  const { from, ...rest } = window;
  return { ...rest, base: cap, ...(from !== undefined && from < BETA * cap && { from }) };
}
