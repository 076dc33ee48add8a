import { describe, expect, test } from 'vitest';
import {
  BETA,
  CUBIC_K_SECONDS,
  discoveryRate,
  MEASURED_CUT_FROM,
  OVERSHOOT_FACTOR,
  PROBE_AFTER_MS,
  probed,
  RAMP_PROBE_CAP,
  RAMP_PROBE_SLOPE,
  rampLimit,
  rampProbed,
  SLOW_START_DOUBLING_MS,
  startDiscovery,
  stillFull,
  throttled,
  WINDOW_HEADROOM,
  windowSpent,
} from '../../src/governor/discovery.js';
import {
  countBetween,
  FIXED_END_GUARD_MS,
  fixedWindowRest,
  type HeaderModel,
  headerPace,
  latencyEwma,
  littleConcurrency,
  measuredRate,
  observeHeaders,
  PROBE_EVERY_MS,
  PROBE_HOLD_MS,
  probeThroughHold,
  REST_PACE_FACTOR,
} from '../../src/governor/pacing.js';
import {
  backoffDelay,
  createBudget,
  depositSuccess,
  disposition,
  fullJitterDelay,
  renewLeadMs,
  withdrawRetry,
} from '../../src/governor/retry.js';
import { failure, seededRandom, success } from '../models/platform-sim.js';

describe('backoff', () => {
  test('full jitter stays within [0, min(cap, base·2^n)] for any draw', () => {
    const random = seededRandom(42);
    for (let n = 0; n < 20; n++) {
      const ceiling = Math.min(30_000, 1000 * 2 ** n);
      for (let i = 0; i < 200; i++) {
        const d = fullJitterDelay(n, 1000, 30_000, random);
        expect(d).toBeGreaterThanOrEqual(0);
        expect(d).toBeLessThanOrEqual(ceiling);
      }
    }
  });

  test('full jitter scales the ceiling by the injected draw', () => {
    expect(fullJitterDelay(0, 1000, 30_000, () => 0)).toBe(0);
    expect(fullJitterDelay(3, 1000, 30_000, () => 0.5)).toBe(4000);
    expect(fullJitterDelay(10, 1000, 30_000, () => 0.5)).toBe(15_000);
  });

  test("a Retry-After is used as it is, never capped nor jittered; without one it's full jitter", () => {
    expect(backoffDelay(failure('server', { retryAfterSeconds: 120 }), 0, 1000, 30_000, () => 0.1)).toBe(120_000);
    expect(backoffDelay(failure('server', { retryAfterSeconds: 0 }), 4, 1000, 30_000, () => 0.9)).toBe(0);
    expect(backoffDelay(failure('server'), 2, 1000, 30_000, () => 0.5)).toBe(2000);
  });
});

describe('disposition', () => {
  test.each([
    ['rate_limited', 'rate_limited'],
    ['auth', 'reauth'],
    ['server', 'backoff'],
    ['network', 'backoff'],
    ['timeout', 'backoff'],
    ['conflict', 'done'],
    ['invalid', 'done'],
    ['permission', 'done'],
    ['not_found', 'done'],
  ] as const)('%s → %s', (kind, expected) => {
    expect(disposition(failure(kind))).toBe(expected);
  });

  test('success is done', () => {
    expect(disposition(success(1))).toBe('done');
  });
});

describe('retry budget', () => {
  test('starts with minRetries, a retry costs one, an empty budget refuses', () => {
    let budget = createBudget({ ratio: 0.1, minRetries: 3 });
    for (let i = 0; i < 3; i++) budget = withdrawRetry(budget) ?? expect.unreachable();
    expect(withdrawRetry(budget)).toBeUndefined();
  });

  test('ten successes pay for one retry at ratio 0.1; the bank is capped at ten times minRetries', () => {
    let budget = createBudget({ ratio: 0.1, minRetries: 0 });
    for (let i = 0; i < 9; i++) budget = depositSuccess(budget);
    expect(withdrawRetry(budget)).toBeUndefined();
    budget = depositSuccess(budget);
    expect(withdrawRetry(budget)?.tokens).toBeCloseTo(0, 9);

    let capped = createBudget({ ratio: 1, minRetries: 5 });
    for (let i = 0; i < 500; i++) capped = depositSuccess(capped);
    expect(capped.tokens).toBe(50);
  });
});

describe('token renewal lead', () => {
  test('60 s for long tokens, a tenth of the lifetime for short ones, as configured when set', () => {
    expect(renewLeadMs(86_400_000, undefined)).toBe(60_000);
    expect(renewLeadMs(300_000, undefined)).toBe(30_000);
    expect(renewLeadMs(undefined, undefined)).toBe(60_000);
    expect(renewLeadMs(300_000, 90_000)).toBe(90_000);
  });
});

describe('header model', () => {
  test("a count past a fixed window's end that has not fallen is from before its turn (stale after a hold): no new window", () => {
    let model = observeHeaders(undefined, { allowed: 300, count: 1, resetSeconds: 15 }, 0, 0);
    for (let t = 100; t <= 9000; t += 100)
      model = observeHeaders(model, { allowed: 300, count: t / 30, resetSeconds: (15_000 - t) / 1000 }, t, t / 30);
    expect(model).toMatchObject({ fixed: true, quota: { count: 300, endsAt: 15_000 } });
    // Held to the end; the first answer after it (seen 0.75 s back) carries the state before the hold: full, 6 s left.
    model = observeHeaders(model, { allowed: 300, count: 300, resetSeconds: 6 }, 14_300, 300, 14_300);
    expect(model?.turned).toBeUndefined();
    expect(model?.windowStart?.endsAt).toBe(15_000);
    expect(headerPace(model as HeaderModel, 15_100, 302, 0.99).holdUntil).toBeUndefined();
    // The turn itself brings the count down.
    model = observeHeaders(model, { allowed: 300, count: 2, resetSeconds: 15 }, 15_100, 302, 15_100);
    expect(model).toMatchObject({ turned: true, windowStart: { endsAt: 30_100 } });
  });

  test('a window whose end stays put for 2.5 s is fixed; one whose end moves on with time is not', () => {
    // Fixed: the reset counts down with the clock, so arrival + reset stays at 5000.
    let fixed = observeHeaders(undefined, { allowed: 200, count: 1, resetSeconds: 5 }, 0, 0);
    for (let t = 100; t <= 2400; t += 100)
      fixed = observeHeaders(fixed, { allowed: 200, count: t / 10, resetSeconds: (5000 - t) / 1000 }, t, t);
    expect(fixed?.fixed).toBeUndefined();
    fixed = observeHeaders(fixed, { allowed: 200, count: 160, resetSeconds: 2.4 }, 2600, 160);
    expect(fixed?.fixed).toBe(true);
    // Whole-second resets, rounded up: the earliest arrival + reset in the window is the tightest end.
    fixed = observeHeaders(fixed, { allowed: 200, count: 170, resetSeconds: 3 }, 2700, 170);
    expect(fixed?.quota?.endsAt).toBe(5000);
    // Its length is known once it has turned: a new end, a window on, at the end expected.
    expect(fixed?.turned).toBeUndefined();
    fixed = observeHeaders(fixed, { allowed: 200, count: 1, resetSeconds: 5 }, 5000, 200);
    expect(fixed).toMatchObject({ turned: true, fixed: true, windowMs: 5000 });

    // Sliding: "back to zero" is always about a window away, so the end moves on by a second every second.
    let sliding = observeHeaders(undefined, { allowed: 200, count: 190, resetSeconds: 5 }, 0, 0);
    for (let t = 100; t <= 3000; t += 100)
      sliding = observeHeaders(sliding, { allowed: 200, count: 190, resetSeconds: 5 }, t, t);
    expect(sliding).toMatchObject({ fixed: false, drains: true });
    expect(sliding?.quota?.endsAt).toBe(8000);
  });

  test('stale headers: whether the end stays put is judged where they were seen, whatever the count is placed at', () => {
    // A fixed window ending at 10 s, headers 1.5 s stale: placed at their answers, the end would move on by 1.5 s
    // once the lag is known; seen a lag before, it stays at 10 s.
    let model = observeHeaders(undefined, { allowed: 300, count: 0, resetSeconds: 10 }, 0, 0);
    for (let t = 100; t <= 4500; t += 100) {
      const seenAt = t < 1500 ? t : t - 1500;
      model = observeHeaders(
        model,
        { allowed: 300, count: t / 100, resetSeconds: (10_000 - seenAt) / 1000 },
        t,
        t / 100,
        seenAt,
      );
    }
    expect(model).toMatchObject({ fixed: true });
    expect(model?.drains).toBeUndefined();
  });

  test("the end expected is the earliest any answer implied: a turn seen over a second before the first answer's is a turn", () => {
    // 300 per 15 s; the first answer's reset, rounded up, puts the end at 15.9 s; a later one at 15.05 s.
    let model = observeHeaders(undefined, { allowed: 300, count: 1, resetSeconds: 15 }, 900, 0);
    model = observeHeaders(model, { allowed: 300, count: 100, resetSeconds: 5 }, 10_050, 100);
    for (let t = 10_100; t <= 13_500; t += 100)
      model = observeHeaders(
        model,
        { allowed: 300, count: t / 100, resetSeconds: Math.ceil((15_000 - t) / 1000) },
        t,
        t / 100,
      );
    expect(model?.fixed).toBe(true);
    // The turn, seen at 14.85 s (stale headers are placed by a lag measured to within a latency): more than a second
    // before 15.9 s, but not before 15.05 s.
    model = observeHeaders(model, { allowed: 300, count: 1, resetSeconds: 15 }, 14_850, 200);
    expect(model).toMatchObject({ fixed: true, turned: true });
  });

  test("a sliding-window counter's window is half its longest reset: its end jumps on by a window a window early", () => {
    // A 15 s counter, 300 per window, first seen 12 s into a window: back to zero at the end of the next (18 s away).
    let counter = observeHeaders(undefined, { allowed: 300, count: 1, resetSeconds: 18 }, 0, 0);
    for (let t = 100; t < 3000; t += 100)
      counter = observeHeaders(counter, { allowed: 300, count: t / 100, resetSeconds: Math.ceil(18 - t / 1000) }, t, t);
    expect(counter?.windowMs).toBe(18_000);
    // The window turns at 3 s: the end moves from 18 s to 33 s, the reset from 15 s to 30 s.
    counter = observeHeaders(counter, { allowed: 300, count: 30, resetSeconds: 30 }, 3000, 30);
    expect(counter).toMatchObject({ counter: true, fixed: false, longestResetMs: 30_000, windowMs: 15_000 });

    // A sliding log that sent nothing for 6 s: its end moves on by 6 s, but it was a window (15 s) away, not 6.
    let log = observeHeaders(undefined, { allowed: 300, count: 290, resetSeconds: 15 }, 0, 0);
    log = observeHeaders(log, { allowed: 300, count: 290, resetSeconds: 15 }, 100, 1);
    log = observeHeaders(log, { allowed: 300, count: 200, resetSeconds: 15 }, 6100, 2);
    expect(log).toMatchObject({ fixed: false, windowMs: 15_000 });
    expect(log?.counter).toBeUndefined();
  });

  test('needs allowed and reset to start; the window is the longest reset, rounded up to a second', () => {
    expect(observeHeaders(undefined, { allowed: 300 }, 0, 0)).toBeUndefined();
    let model = observeHeaders(undefined, { allowed: 200, count: 5, resetSeconds: 2.2 }, 1000, 0);
    expect(model).toEqual({
      allowed: 200,
      windowMs: 3000,
      longestResetMs: 3000,
      quota: { count: 5, startIndex: 0, endsAt: 3200, at: 1000 },
      windowStart: { at: 1000, endsAt: 3200 },
      windowEnd: 3200,
    });
    model = observeHeaders(model, { allowed: 200, count: 1, resetSeconds: 5 }, 3300, 9);
    expect(model).toMatchObject({ windowMs: 5000, quota: { count: 1, startIndex: 9, endsAt: 8300 } });
    model = observeHeaders(model, { allowed: 200, count: 50, resetSeconds: 4 }, 4300, 50);
    expect(model).toMatchObject({ windowMs: 5000 });
    model = observeHeaders(model, { allowed: 100 }, 4400, 51);
    expect(model).toMatchObject({ allowed: 100, windowMs: 5000, quota: { count: 50 } });
  });

  test('ignores nonsense values', () => {
    const model = observeHeaders(undefined, { allowed: 200, count: 5, resetSeconds: 5 }, 0, 0);
    expect(observeHeaders(model, { allowed: 0, count: -1, resetSeconds: Number.NaN }, 10, 1)).toEqual(model);
  });

  test('paces at margin × allowed / window', () => {
    expect(headerPace({ allowed: 300, windowMs: 60_000 }, 0, 0, 0.97)).toEqual({ ratePerSecond: 4.85 });
  });

  test('holds until the count is back to zero once it, plus what was started since, reaches allowed', () => {
    const model = observeHeaders(undefined, { allowed: 100, count: 97, resetSeconds: 12 }, 1000, 10);
    if (!model) throw new Error('no model');
    // Started since the observed request: none, then two (98, 99 of 100), then three (the quota is spent).
    expect(headerPace(model, 1100, 11, 0.97).holdUntil).toBeUndefined();
    expect(headerPace(model, 1100, 13, 0.97).holdUntil).toBeUndefined();
    expect(headerPace(model, 1100, 14, 0.97)).toEqual({ ratePerSecond: (0.97 * 100) / 12, holdUntil: 13_000 });
    // Once the window has turned, the old count says nothing.
    expect(headerPace(model, 13_000, 14, 0.97).holdUntil).toBeUndefined();
  });

  test('a count that drains: holds until it, draining towards its reset, leaves room for one more', () => {
    // A bucket or GCRA of 100: 97 counted at 1000, back to zero at 13 000, so about 8 a second drain.
    const model = observeHeaders(undefined, { allowed: 100, count: 97, resetSeconds: 12 }, 1000, 10);
    if (!model) throw new Error('no model');
    const moving = { ...model, drains: true };
    // Three started since: 100 in all, so the count must fall to 96 (1 of 97 drained, 1/97 of the 12 s).
    expect(headerPace(moving, 1100, 14, 0.97).holdUntil).toBeCloseTo(13_000 - (12_000 * 96) / 97, 6);
    // The started alone fill it: to zero. Not seen to drain: to zero, as for a fixed window.
    expect(headerPace(moving, 1100, 110, 0.97).holdUntil).toBe(13_000);
    expect(headerPace(model, 1100, 14, 0.97).holdUntil).toBe(13_000);
  });
});

describe('a probe through a long hold', () => {
  test('a hold more than PROBE_HOLD_MS away lets a start through PROBE_EVERY_MS after the last; a near one holds', () => {
    const hold = 60_000;
    expect(probeThroughHold(hold, 1000, 500)).toBe(500 + PROBE_EVERY_MS);
    expect(probeThroughHold(hold, 4000, 1000)).toBeLessThanOrEqual(4000);
    expect(probeThroughHold(hold, hold - PROBE_HOLD_MS, 0)).toBe(hold);
    expect(probeThroughHold(hold, 1000, undefined)).toBe(hold);
  });
});

describe("a fixed window's rest", () => {
  // 100 per 5 s, paced at 19.8 a second; the request that carried the count (10) was start 9; the window ends at 5 s.
  const model = { allowed: 100, turned: true, quota: { count: 10, startIndex: 9, endsAt: 5000, at: 0 } };
  const pace = 19.8;

  test('after an idle start, spends what is left (99 - 10) by the guard before the end', () => {
    expect(fixedWindowRest(model, 2000, 10, pace)).toBeCloseTo((89 * 1000) / (5000 - FIXED_END_GUARD_MS - 2000), 9);
    // What was started since the count is spent too.
    expect(fixedWindowRest(model, 2000, 30, pace)).toBeCloseTo((69 * 1000) / (5000 - FIXED_END_GUARD_MS - 2000), 9);
  });

  test('stays even when the even pace spends it anyway, and never goes past twice the pace', () => {
    // 89 over 4.25 s is 20.9 a second: about the pace, no deficit.
    expect(fixedWindowRest(model, 500, 10, pace)).toBeUndefined();
    expect(fixedWindowRest(model, 3200, 10, pace)).toBe(REST_PACE_FACTOR * pace);
  });

  test('nothing in the last second, nothing once spent, nothing after the end', () => {
    expect(fixedWindowRest(model, 4000, 10, pace)).toBeUndefined();
    expect(fixedWindowRest(model, 2000, 99, pace)).toBeUndefined();
    expect(fixedWindowRest(model, 5000, 10, pace)).toBeUndefined();
    expect(fixedWindowRest({ allowed: 100 }, 2000, 10, pace)).toBeUndefined();
  });

  test('before a window has turned: twice the pace, no faster than what is in flight over a latency fits in the margin', () => {
    const first = { ...model, turned: false };
    // The margin is 1 of 100 requests: at 50 ms, 20 a second; at 20 ms, 50, so twice the pace.
    expect(fixedWindowRest(first, 500, 10, pace, 20)).toBe(REST_PACE_FACTOR * pace);
    expect(fixedWindowRest(first, 500, 10, pace, 50)).toBeCloseTo(20, 9);
    // Not below the even pace, and not once the quota is spent or the window is over.
    expect(fixedWindowRest(first, 500, 10, pace, 80)).toBeUndefined();
    expect(fixedWindowRest(first, 500, 10, pace)).toBeUndefined();
    expect(fixedWindowRest(first, 2000, 99, pace, 20)).toBeUndefined();
    expect(fixedWindowRest(first, 5000, 10, pace, 20)).toBeUndefined();
    // Even in the last second.
    expect(fixedWindowRest(first, 4500, 10, pace, 20)).toBe(REST_PACE_FACTOR * pace);
  });
});

describe('discovery without headers', () => {
  test('slow start doubles the rate every period', () => {
    const state = startDiscovery(5, 1000);
    expect(discoveryRate(state, 1000)).toBe(5);
    expect(discoveryRate(state, 1000 + SLOW_START_DOUBLING_MS)).toBe(10);
    expect(discoveryRate(state, 1000 + 3 * SLOW_START_DOUBLING_MS)).toBe(40);
  });

  test('a 429 ending slow start cuts the failed rate, then climbs in a straight line past the cut, under the rate that failed', () => {
    const state = throttled(startDiscovery(5, 0), 80, 10_000);
    const wMax = 80 * OVERSHOOT_FACTOR;
    expect(state.base).toBeCloseTo(wMax, 9);
    expect(state.rampFailedAt).toBe(80);
    expect(discoveryRate(state, 10_000)).toBeCloseTo(BETA * wMax, 9);
    // Past the cut within seconds (the cubic takes CUBIC_K_SECONDS to come back to it).
    const at = (s: number) => discoveryRate(state, 10_000 + s * 1000);
    expect(at(5)).toBeCloseTo(BETA * wMax + 5 * RAMP_PROBE_SLOPE * wMax, 9);
    expect(at(5)).toBeGreaterThan(wMax);
    expect(at(CUBIC_K_SECONDS)).toBe(RAMP_PROBE_CAP * 80);
  });

  test('the cubic climbs back to wMax and probes beyond', () => {
    const wMax = 56;
    const state = throttled(undefined, wMax, 10_000);
    expect(discoveryRate(state, 10_000)).toBeCloseTo(BETA * wMax, 9);
    expect(discoveryRate(state, 10_000 + CUBIC_K_SECONDS * 1000)).toBeCloseTo(wMax, 9);
    // Concave below wMax: most of the climb is done in the first half.
    const half = discoveryRate(state, 10_000 + (CUBIC_K_SECONDS * 1000) / 2);
    expect(half - BETA * wMax).toBeGreaterThan((wMax - BETA * wMax) * 0.8);
    expect(discoveryRate(state, 10_000 + 2 * CUBIC_K_SECONDS * 1000)).toBeCloseTo(wMax * (1 + (1 - BETA)), 9);
  });

  test('a window spent at the end of slow start holds wMax to the rate it took, with headroom; too little said nothing', () => {
    // 300 accepted in the 9 s before a 429 at 110 req/s: the cut would be 77, the window took 33.
    const cut = throttled(startDiscovery(5, 0), 110, 16_000, undefined, undefined, 36);
    const spent = windowSpent(cut, 300, 9000);
    expect(spent.base).toBeCloseTo((WINDOW_HEADROOM * 300) / 9, 9);
    expect(spent.probeTo).toBe(36);
    expect(discoveryRate(spent, 16_000)).toBeCloseTo(BETA * spent.base, 9);
    // A window: no probe for a bucket's limit (rampLimit) past the cut, which would climb towards 0.9 of 110.
    expect(cut.rampFailedAt).toBe(110);
    expect(spent.rampFailedAt).toBeUndefined();
    // A cap above the cut, fewer than 3 answers or under a second leave the cut as it was.
    const { rampFailedAt: _, ...window } = cut;
    expect(windowSpent(cut, 900, 9000)).toEqual(window);
    expect(windowSpent(cut, 2, 9000)).toEqual(window);
    expect(windowSpent(cut, 300, 900)).toEqual(window);
  });

  test("a 429 under slow start's cut climbs from what the bucket took since, and probes past it", () => {
    // A 4.5% GCRA at 20 req/s: slow start refused at 35.3, the climb from its cut at 25.2, having taken 18.5 since.
    const cut = throttled(startDiscovery(5, 0), 35.3, 6800);
    const again = throttled(cut, 25.2, 11_100, undefined, 18.5);
    expect(again.base).toBe(18.5);
    expect(again.sustainedCut).toBe(true);
    expect(again.rampFailedAt).toBe(35.3);
    // From the rate taken, not BETA under it, and past it in a straight line.
    expect(discoveryRate(again, 11_100)).toBe(18.5);
    expect(discoveryRate(again, 13_100)).toBeCloseTo(18.5 + 2 * RAMP_PROBE_SLOPE * 18.5, 9);
    // Its 429 works out the limit as the probe's from slow start's cut, never under the rate taken.
    expect(rampProbed(again, 21.6)).toBe(true);
    expect(probed(again, 21.6, 20_000).base).toBeCloseTo(Math.max(18.5, rampLimit(35.3, 21.6)), 9);
    expect(probed(again, 19, 20_000).base).toBe(18.5);
    // Without a measure of what was taken, or when it is under the overshoot factor's cut, as before.
    const unmeasured = throttled(cut, 25.2, 11_100);
    expect(unmeasured.sustainedCut).toBeUndefined();
    expect(unmeasured.rampFailedAt).toBeUndefined();
    expect(discoveryRate(unmeasured, 11_100)).toBeCloseTo(BETA * unmeasured.base, 9);
    expect(throttled(cut, 25.2, 11_100, undefined, 12).sustainedCut).toBeUndefined();
    // Not a cut after a cut that was no probe from slow start's.
    expect(throttled(throttled(undefined, 30, 0), 25.2, 11_100, undefined, 18.5).sustainedCut).toBeUndefined();
  });

  test("the probe's 429 and slow start's say where a bucket's limit is", () => {
    // Measured on GCRAs of 20 req/s without headers (4 and 3 requests): slow start refused at 27.23 and 24.82, the
    // probe at 21.76 and 21.30.
    expect(rampLimit(27.23, 21.76)).toBeGreaterThan(19.6);
    expect(rampLimit(27.23, 21.76)).toBeLessThan(20);
    expect(rampLimit(24.82, 21.3)).toBeCloseTo(20, 0);
    const cut = throttled(startDiscovery(5, 0), 27.23, 6000);
    // Only a 429 past the cut is the probe's: one under it says the cut was still over the limit.
    expect(rampProbed(cut, 21.76)).toBe(true);
    expect(rampProbed(cut, 18)).toBe(false);
    expect(rampProbed(throttled(undefined, 20, 0), 25)).toBe(false);
    expect(throttled(cut, 18, 9000).base).toBeLessThan(cut.base);
    const settled = probed(cut, 21.76, 15_000);
    expect(settled.base).toBeCloseTo(rampLimit(27.23, 21.76), 9);
    expect(settled.rampFailedAt).toBeUndefined();
    // It climbs from just under the limit, and stays within 2% of it.
    expect(discoveryRate(settled, 15_000)).toBeCloseTo(0.98 * settled.base, 9);
    expect(discoveryRate(settled, 15_000 + CUBIC_K_SECONDS * 1000)).toBeCloseTo(settled.base, 9);
    // Never above 0.95 of the probe's rate, whatever slow start's said.
    expect(probed(throttled(startDiscovery(5, 0), 10, 6000), 21.76, 15_000).base).toBeCloseTo(0.95 * 21.76, 9);
    // A 429 near the estimate long after it was a little too high: 0.95 of that rate, not a cut by the overshoot factor.
    const later = throttled(settled, settled.base, 40_000);
    expect(later.base).toBeCloseTo(0.95 * settled.base, 9);
    expect(later.estimated).toBe(true);
    // Sooner, as any 429 without a climb: the overshoot factor.
    expect(throttled(settled, settled.base, 20_000).base).toBeCloseTo(OVERSHOOT_FACTOR * settled.base, 9);
  });

  test('a 429 at the top of a climb steps down a little; one before any climb cuts harder', () => {
    const atTop = throttled({ phase: 'cubic', base: 40, since: 0 }, 41, 30_000);
    expect(atTop.base).toBe(41);
    const noClimb = throttled({ phase: 'cubic', base: 40, since: 0 }, 36, 3000);
    expect(noClimb.base).toBeCloseTo(36 * OVERSHOOT_FACTOR, 9);
    expect(throttled(undefined, 40, 0).base).toBe(40);
  });

  test('a rate accepted below the step down starts the climb there, still flattening at the rate that failed', () => {
    const state = throttled(undefined, 27, 1000, 17);
    expect(state.base).toBe(27);
    expect(discoveryRate(state, 1000)).toBeCloseTo(17, 9);
    expect(discoveryRate(state, 1000 + CUBIC_K_SECONDS * 1000)).toBeCloseTo(27, 9);
    // Accepted at or above the step down changes nothing.
    expect(discoveryRate(throttled(undefined, 20, 0, 19.5), 0)).toBeCloseTo(BETA * 20, 9);
  });

  test('no cut goes below the rate accepted just before: a 429 just above a climb from it is no fallen limit', () => {
    const fromAccepted = throttled(undefined, 27, 0, 20);
    const next = throttled(fromAccepted, 20.8, 3000, 20.3);
    expect(next.base).toBeCloseTo(20.3, 9);
    // Without a rate accepted, the same 429 is the limit falling: cut by the overshoot factor.
    expect(throttled(fromAccepted, 20.8, 3000).base).toBeCloseTo(20.8 * OVERSHOOT_FACTOR, 9);
  });

  test('a sustained rate, when given, bounds the cut instead; the rate just before still starts the climb', () => {
    const previous = throttled(undefined, 40, 0, 30);
    // Just before, a bucket's refilled burst made 30 look accepted; since the last 429 it took 21.
    const next = throttled(previous, 30.5, 3000, 30, 21);
    expect(next.base).toBeCloseTo(30.5 * OVERSHOOT_FACTOR, 9);
    expect(discoveryRate(next, 3000)).toBeCloseTo(BETA * next.base, 9);
    expect(throttled(previous, 30.5, 3000, 30, 25).base).toBeCloseTo(25, 9);
  });

  test('with headers, a cut to the rate taken since the last 429 starts its climb just under it, not a tenth under', () => {
    const previous = throttled(undefined, 29.3, 0, 28.8);
    const measured = throttled(previous, 26.4, 3000, 27.6, 19.3, undefined, true);
    expect(measured.base).toBeCloseTo(19.3, 9);
    expect(discoveryRate(measured, 3000)).toBeCloseTo(MEASURED_CUT_FROM * 19.3, 9);
    // Without headers, or a cut not set by that rate: BETA under it.
    expect(discoveryRate(throttled(previous, 26.4, 3000, 27.6, 19.3), 3000)).toBeCloseTo(BETA * 19.3, 9);
    const notMeasured = throttled(previous, 26.4, 3000, 27.6, 30, undefined, true);
    expect(discoveryRate(notMeasured, 3000)).toBeCloseTo(BETA * 26.4, 9);
  });

  test('with headers, a 429 already capped at the rate taken since the last (model.ts, long after it) climbs from just under it too', () => {
    const previous = throttled(undefined, 22.3, 0);
    // The rate that failed, 20.1, was capped at the 19.9 taken since: the cut is that rate, not a fall under it.
    const capped = throttled(previous, 19.9, 11_000, 20.1, 19.9, undefined, true);
    expect(capped.base).toBeCloseTo(19.9, 9);
    expect(discoveryRate(capped, 11_000)).toBeCloseTo(MEASURED_CUT_FROM * 19.9, 9);
  });

  test('a climb from a cut with somewhere to probe resumes slow start past it, up to that rate; a tested limit does not', () => {
    const cut = throttled(throttled(startDiscovery(5, 0), 100, 10_000), 10, 12_000, undefined, undefined, 19);
    expect(cut.base).toBeCloseTo(10 * OVERSHOOT_FACTOR, 9);
    expect(cut.probeTo).toBe(19);
    // Along the cubic until PROBE_AFTER_MS, then doubling from the cut every SLOW_START_DOUBLING_MS.
    expect(discoveryRate(cut, 12_000 + PROBE_AFTER_MS)).toBeLessThan(cut.base);
    expect(discoveryRate(cut, 12_000 + PROBE_AFTER_MS + SLOW_START_DOUBLING_MS)).toBeCloseTo(2 * cut.base, 9);
    expect(discoveryRate(cut, 12_000 + PROBE_AFTER_MS + 4 * SLOW_START_DOUBLING_MS)).toBe(19);
    // Without it, the cubic: a tenth of the cut in a whole climb past it.
    const plain = throttled(throttled(startDiscovery(5, 0), 100, 10_000), 10, 12_000);
    expect(discoveryRate(plain, 12_000 + 2 * CUBIC_K_SECONDS * 1000)).toBeCloseTo(plain.base * (1 + (1 - BETA)), 9);
    // A 429 at the top of a climb says where the limit is: nothing to probe.
    expect(throttled({ phase: 'cubic', base: 40, since: 0 }, 41, 30_000, undefined, undefined, 60).probeTo).toBe(
      undefined,
    );
    // One well under the last cut, after a climb from a start lowered further, still leaves it untested.
    expect(
      throttled({ phase: 'cubic', base: 80, since: 0, from: 19 }, 20, 2000, undefined, undefined, 27).probeTo,
    ).toBe(27);
  });

  test('a 429 from a server still full keeps wMax and only starts the climb lower, from the resume', () => {
    const after = throttled(startDiscovery(5, 0), 100, 10_000);
    const full = stillFull(after, 70, 11_000);
    expect(full.base).toBe(after.base);
    expect(full.since).toBe(11_000);
    expect(discoveryRate(full, 11_000)).toBeCloseTo(Math.min(BETA * after.base, 70) * OVERSHOOT_FACTOR, 9);
    expect(discoveryRate(full, 11_000 + 20_000)).toBeCloseTo(after.base, 9);
  });

  test('a server that freed next to nothing since the last 429 is paying a debt: the climb starts at what it freed, not above one request per Retry-After', () => {
    const after = throttled(startDiscovery(5, 0), 100, 10_000);
    const cut = Math.min(BETA * after.base, 70) * OVERSHOOT_FACTOR;
    // 1.7 req/s freed against a cut of 44: the climb starts there, and the state says a debt is being paid.
    const owed = stillFull(after, 70, 11_000, undefined, { rate: 1.7, floor: 1 });
    expect(owed.base).toBe(after.base);
    expect(discoveryRate(owed, 11_000)).toBeCloseTo(1.7, 9);
    expect(owed.owed).toBe(true);
    // Nothing freed at all: one request per Retry-After, not MIN_RATE.
    expect(discoveryRate(stillFull(after, 70, 11_000, undefined, { rate: 0, floor: 1 }), 11_000)).toBe(1);
    // A server freeing over a tenth of the cut is recovering: the cut as before.
    const recovering = stillFull(after, 70, 11_000, undefined, { rate: 0.2 * cut, floor: 1 });
    expect(discoveryRate(recovering, 11_000)).toBeCloseTo(cut, 9);
    expect(recovering.owed).toBeUndefined();
    // While the debt is paid, a later 429 starts at what was freed since, even over that share.
    const again = stillFull(owed, 9, 12_500, undefined, { rate: 2.4, floor: 1 });
    expect(discoveryRate(again, 12_500)).toBeCloseTo(2.4, 9);
    expect(again.owed).toBe(true);
    // wMax is held to OWED_HEADROOM (1.5) over the long-run rate while the debt is paid, never under the climb's start.
    expect(stillFull(after, 70, 11_000, undefined, { rate: 1.7, floor: 1, longRun: 20 }).base).toBeCloseTo(30, 9);
    expect(stillFull(after, 70, 11_000, undefined, { rate: 1.7, floor: 1, longRun: 0.5 }).base).toBeCloseTo(1.7, 9);
    expect(stillFull(after, 70, 11_000, undefined, { rate: 0.2 * cut, floor: 1, longRun: 20 }).base).toBe(after.base);
    // ... but no higher than the cut from the rate that failed.
    expect(discoveryRate(stillFull(owed, 3, 12_500, undefined, { rate: 2.4, floor: 1 }), 12_500)).toBeCloseTo(
      3 * OVERSHOOT_FACTOR,
      9,
    );
  });
});

describe('concurrency and measurement', () => {
  test("Little's law with headroom and a spare slot, bounded by [1, max]", () => {
    expect(littleConcurrency(40, undefined, 16)).toBe(1);
    expect(littleConcurrency(40, 50, 16)).toBe(4);
    expect(littleConcurrency(5, 2000, 16)).toBe(16);
    expect(littleConcurrency(0.1, 10, 16)).toBe(2);
  });

  test('grows at once, shrinks only when the need falls by two', () => {
    expect(littleConcurrency(40, 50, 16, 3)).toBe(4);
    expect(littleConcurrency(40, 50, 16, 5)).toBe(5);
    expect(littleConcurrency(40, 50, 16, 6)).toBe(4);
  });

  test('latency estimate rises fast and falls slowly', () => {
    expect(latencyEwma(undefined, 50)).toBe(50);
    expect(latencyEwma(50, 150)).toBe(80);
    expect(latencyEwma(50, 10)).toBe(48);
  });

  test('measured rate ignores a pause or idle gap, and needs three starts', () => {
    expect(measuredRate([0, 100], 200, 2000)).toBeUndefined();
    expect(measuredRate([0, 100, 200, 300], 300, 2000)).toBe(10);
    // 1 s pause between 300 and 1300: only the starts after it count.
    expect(measuredRate([0, 100, 200, 300, 1300, 1350, 1400], 1400, 2000, 250)).toBe(20);
    expect(measuredRate([0, 100, 200, 300, 1300, 1350, 1400], 1400, 2000)).toBeCloseTo(6000 / 1400, 9);
  });

  test('countBetween counts the starts in (after, upTo], as a filter would, on any sorted list', () => {
    const starts = [0, 100, 100, 200, 300, 300, 300, 1300];
    const byFilter = (a: number, b: number) => starts.filter((t) => t > a && t <= b).length;
    for (const [a, b] of [
      [-1, 2000],
      [100, 300],
      [99, 100],
      [300, 300],
      [300, 299],
      [1300, 5000],
      [-5, -1],
      [0, 0],
    ])
      expect(countBetween(starts, a!, b!), `(${a}, ${b}]`).toBe(byFilter(a!, b!));
    expect(countBetween([], 0, 10)).toBe(0);
  });
});
