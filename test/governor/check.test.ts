/** The model check's policy (src/governor/check.ts), pure. */
import { describe, expect, test } from 'vitest';
import {
  BOOST_DOUBLING_MS,
  boostAt,
  checkIdle,
  checkRateLimited,
  drainRate,
  type HeadroomCheck,
  observeCheck,
  PRESSURE_SETTLE,
  rampedLately,
  startCheck,
} from '../../src/governor/check.js';

const base = { allowed: 10, busy: false, windowMs: 1000, headerRate: 9.7, sentRate: 9.7 };

/** Feeds answers every 100 ms from `from` for `ms`, a request each, with `count(i)`. */
function feed(check: HeadroomCheck, from: number, ms: number, count: (i: number) => number, extra = {}) {
  let c = check;
  for (let i = 0; i * 100 < ms; i++) {
    c = observeCheck(c, { ...base, now: from + i * 100, count: count(i), index: i, startedInWindow: 10, ...extra });
  }
  return c;
}

describe('drainRate', () => {
  test('what was started less the rise of the count, over the time between', () => {
    const samples = [
      { at: 0, count: 2, index: 0 },
      { at: 1000, count: 7, index: 25 },
    ];
    expect(drainRate(samples)).toBe(20);
  });

  test('undefined over less than half a second, or when the count fell by more than was sent (a window turned)', () => {
    expect(
      drainRate([
        { at: 0, count: 1, index: 0 },
        { at: 400, count: 1, index: 8 },
      ]),
    ).toBeUndefined();
    expect(
      drainRate([
        { at: 0, count: 90, index: 0 },
        { at: 1000, count: 5, index: 20 },
      ]),
    ).toBeUndefined();
  });
});

describe('observeCheck', () => {
  test('stale headers that have counted nothing yet, their pace under the starting rate: raised at once, from that rate', () => {
    const blind = { ...base, allowed: 3, headerRate: 2.91, count: 0, index: 0, startedInWindow: 1 };
    const raised = observeCheck(startCheck(0), { ...blind, now: 20, blindFloorRate: 5 });
    expect(raised.growing).toBe(true);
    expect(boostAt(raised, 20) * 2.91).toBeCloseTo(5, 9);
    expect(boostAt(raised, 20 + BOOST_DOUBLING_MS) * 2.91).toBeCloseTo(10, 9);
    // Without the floor the first window must pass first; with the headers' own pace at or over it, or a window
    // longer than a whole-second reset, nothing changes.
    expect(observeCheck(startCheck(0), { ...blind, now: 20 }).growing).toBe(false);
    const faster = observeCheck(startCheck(0), { ...blind, headerRate: 6, now: 20, blindFloorRate: 5 });
    expect(faster.growing).toBe(false);
    expect(faster.boost).toBe(1);
    const longer = observeCheck(startCheck(0), { ...blind, windowMs: 2000, now: 20, blindFloorRate: 5 });
    expect(longer.growing).toBe(false);
  });

  test('a count well below allowed and below what was started raises the pace once the span has passed', () => {
    const quiet = feed(startCheck(0), 0, 1500, () => 1);
    expect(quiet.growing).toBe(true);
    expect(boostAt(quiet, quiet.since + BOOST_DOUBLING_MS)).toBeCloseTo(2 * quiet.base, 9);
  });

  test('after pressure, a one-second window (a whole-second reset can say no less) is raised after three quarters of it', () => {
    const pressed: HeadroomCheck = { ...startCheck(0), startedAt: -10_000 };
    expect(feed(pressed, 100, 700, () => 1).growing).toBe(false);
    expect(feed(pressed, 100, 800, () => 1).growing).toBe(true);
  });

  test('no raise while the count holds most of what was started within the window (a sliding log, a fixed window late on)', () => {
    const c = feed(startCheck(0), 0, 5000, () => 5, { startedInWindow: 6 });
    expect(c.growing).toBe(false);
    expect(c.boost).toBe(1);
  });

  test('pressure settles the boost at the drain rate, never above what was sent', () => {
    let c: HeadroomCheck = { ...startCheck(0), growing: true, base: 2, since: 0, startedAt: -10_000 };
    // Sent at 25/s while the count rose 7 in 0.8 s: the server drained about 16/s.
    for (let i = 0; i <= 20; i++) {
      const count = Math.min(8, 1 + i * 0.35);
      c = observeCheck(c, { ...base, now: i * 40, count, index: i, sentRate: 25, startedInWindow: 25 });
    }
    expect(c.growing).toBe(false);
    const settled = c.boost * base.headerRate;
    // 20 started, the count up 7, in 0.8 s: 16.25/s, less only the settling share (the drain is measured).
    expect(settled).toBeCloseTo(16.25 * PRESSURE_SETTLE, 6);
    // No more than a hair under it (at 0.97 of it, 15.8: buckets of a few requests settled 5% under their rate).
    expect(settled).toBeGreaterThan(16);
  });

  test("a ramp's pressure settles at the drain over its last doubling, not over the slower span before it", () => {
    let c: HeadroomCheck = { ...startCheck(0), growing: true, base: 4, since: 0, startedAt: -10_000 };
    // 1 s at 10/s with the count flat, then 1 s at 24/s with the count up 2 of 3: drained 22/s over the last second,
    // 16/s over both.
    for (let i = 0; i <= 10; i++) {
      c = observeCheck(c, { ...base, allowed: 3, now: i * 100, count: 1, index: i, sentRate: 10, startedInWindow: 10 });
    }
    for (let i = 1; i <= 24; i++) {
      const count = i === 24 ? 3 : 1 + Math.floor(i / 12);
      c = observeCheck(c, {
        ...base,
        allowed: 3,
        headerRate: 2.91,
        now: 1000 + (i * 1000) / 24,
        count,
        index: 10 + i,
        sentRate: 17,
        startedInWindow: 24,
      });
    }
    expect(c.growing).toBe(false);
    expect(c.boost * 2.91).toBeCloseTo(22 * PRESSURE_SETTLE, 0);
  });

  test('a ramp a near count stopped lately still settles at the drain over its last doubling', () => {
    let c: HeadroomCheck = { ...startCheck(0), growing: true, base: 4, since: 0, startedAt: -10_000 };
    const answer = { ...base, allowed: 10, headerRate: 2, sentRate: 17, startedInWindow: 40 };
    for (let i = 0; i <= 10; i++) c = observeCheck(c, { ...answer, now: i * 100, count: 1, index: i });
    // 1 s at 24/s: the count rises to 7 (near: the raise stops), then 9 (pressure). Drained over the last second
    // about 15.6/s; over both, 13/s.
    for (let i = 1; i <= 24; i++) {
      const count = i === 24 ? 9 : 1 + Math.floor((i * 6) / 23);
      c = observeCheck(c, { ...answer, now: 1000 + (i * 1000) / 24, count, index: 10 + i });
      if (i === 23) expect(c.growing).toBe(false);
    }
    expect(c.boost * 2).toBeGreaterThan(15);
    expect(c.boost * 2).toBeLessThan(16.5);
  });

  test('answers to requests started before a settle do not lower it again (current headers too)', () => {
    let c: HeadroomCheck = { ...startCheck(-10_000), boost: 2 };
    const pressed = { ...base, count: 9, sentRate: 19.4, startedInWindow: 20 };
    c = observeCheck(c, { ...pressed, now: 1000, index: 10, started: 20 });
    const settled = c.boost;
    expect(settled).toBeLessThan(2);
    c = observeCheck(c, { ...pressed, now: 1050, index: 19, started: 21 });
    expect(c.boost).toBe(settled);
    c = observeCheck(c, { ...pressed, now: 1100, index: 20, started: 22 });
    expect(c.boost).toBeLessThan(settled);
  });

  test('a current count near allowed by one request besides its own is jitter; a stale one is not waited for', () => {
    const growing: HeadroomCheck = { ...startCheck(0), growing: true, base: 1, since: 0, startedAt: -10_000 };
    const answer = { ...base, allowed: 3, now: 500, count: 2, index: 10, startedInWindow: 10 };
    expect(observeCheck(growing, answer).growing).toBe(true);
    expect(observeCheck(growing, { ...answer, seenAt: 0 }).growing).toBe(false);
  });

  test('stale headers: a count is sampled when the server was as it says, so the drain compares like with like', () => {
    // Headers 3 s behind: at 3000 + t the count is the server's at t, with the requests started by t.
    let c = startCheck(0);
    for (let i = 0; i <= 10; i++) {
      const t = i * 100;
      c = observeCheck(c, { ...base, now: 3000 + t, seenAt: t, count: 1, index: 2 * i, startedInWindow: 20 });
    }
    expect(c.samples.map((s) => s.at)).toEqual([0, 100, 200, 300, 400, 500, 600, 700, 800, 900, 1000]);
    // 20 started in the second, the count flat: the server drained 20/s, not what was started by the answers' time.
    expect(drainRate(c.samples)).toBeCloseTo(20, 9);
  });

  test('answers closer together than 20 ms keep only the newest of them, but for the oldest, so a fast run holds few samples', () => {
    let c = startCheck(0);
    for (let i = 0; i < 2000; i++) c = observeCheck(c, { ...base, now: i, count: 1, index: i, startedInWindow: 20 });
    // 1,000 answers a second for two seconds: about one sample per 20 ms (not 2,000), the newest exact.
    expect(c.samples.length).toBeLessThanOrEqual(110);
    expect(c.samples[0]!.at).toBe(0);
    expect(c.samples.at(-1)).toEqual({ at: 1999, count: 1, index: 1999 });
    // An index rising one per ms with a flat count: the drain is the rate sent, as with every sample kept.
    expect(drainRate(c.samples)).toBeCloseTo(1000, 0);
  });

  test('stale pressure from before a decrease does not lower the boost again: one congestion event, one decrease', () => {
    // Boost 2 settles on pressure at 1000; the headers, 3 s stale, keep showing that pressure until 4000.
    let c: HeadroomCheck = { ...startCheck(-10_000), boost: 2 };
    const pressed = { ...base, count: 9, sentRate: 19.4, startedInWindow: 20 };
    c = observeCheck(c, { ...pressed, now: 1000, seenAt: -2000, index: 10 });
    const settled = c.boost;
    expect(settled).toBeLessThan(2);
    expect(c.settledAt).toBe(1000);
    for (let t = 1100; t < 4000; t += 100) c = observeCheck(c, { ...pressed, now: t, seenAt: t - 3000, index: t / 50 });
    expect(c.boost).toBe(settled);
    // Pressure seen after the decrease is news: it lowers the boost again.
    c = observeCheck(c, { ...pressed, now: 4100, seenAt: 1100, index: 90 });
    expect(c.boost).toBeLessThan(settled);
  });

  test('a raise stops where it was at the last start when no request has started for an idle span', () => {
    const growing: HeadroomCheck = { ...startCheck(0), growing: true, base: 1, since: 0 };
    expect(checkIdle(growing, 900, 1500)).toBe(growing);
    const idle = checkIdle(growing, 1000, 9000);
    expect(idle).toMatchObject({ growing: false, busyAt: 9000 });
    expect(idle.boost).toBeCloseTo(2, 9);
  });

  test('a pace of a request a second is no idling: a raise stops only after two of its intervals without a start', () => {
    const growing: HeadroomCheck = { ...startCheck(0), growing: true, base: 1, since: 0 };
    expect(checkIdle(growing, 1000, 2030, 1030)).toBe(growing);
    expect(checkIdle(growing, 1000, 3100, 1030).growing).toBe(false);
  });

  test('a count of one request in a bucket of one holds nothing but that request: no pressure, and a raise after the span', () => {
    // A whole-second reset on a bucket of one says 1 request a second, whatever its refill; stale or current.
    const one = { ...base, allowed: 1, headerRate: 0.97, sentRate: 0.97, startedInWindow: 1, count: 1 };
    let c = startCheck(0);
    for (let t = 0; t <= 2000; t += 1000) c = observeCheck(c, { ...one, now: t, seenAt: t - 200, index: t / 1000 });
    expect(c.growing).toBe(true);
    // Two requests in a bucket of two, stale, are near still.
    const two = observeCheck(c, { ...one, allowed: 2, count: 2, now: 3000, seenAt: 2800, index: 3 });
    expect(two.growing).toBe(false);
  });

  test('a current count of two in a bucket of two is one arrival early: the raise goes on; three of three is pressure', () => {
    const raising: HeadroomCheck = { ...startCheck(-10_000), growing: true, base: 2, since: 0 };
    const two = {
      ...base,
      allowed: 2,
      headerRate: 1.94,
      sentRate: 6,
      startedInWindow: 6,
      count: 2,
      now: 500,
      index: 9,
    };
    expect(observeCheck(raising, two)).toMatchObject({ growing: true, base: 2, since: 0 });
    const three = observeCheck(raising, { ...two, allowed: 3, count: 3 });
    expect(three.growing).toBe(false);
  });

  test('a 429 stops the raise where it was', () => {
    const growing: HeadroomCheck = { ...startCheck(0), growing: true, base: 1, since: 0 };
    const stopped = checkRateLimited(growing, BOOST_DOUBLING_MS);
    expect(stopped).toMatchObject({ growing: false, busyAt: BOOST_DOUBLING_MS });
    expect(stopped.boost).toBeCloseTo(2, 9);
  });

  test('a 429 lifts the boost to the ceiling learned from the rate accepted, so stale pressure cannot pull it under', () => {
    const check: HeadroomCheck = { ...startCheck(0), boost: 1.5 };
    const lifted = checkRateLimited(check, 500, { rate: 20, headerRate: 4 });
    expect(lifted).toMatchObject({ boost: 5, growing: false, settledAt: 500 });
    // Later pressure from before the 429 is not news.
    const after = observeCheck(lifted, { ...base, now: 2000, seenAt: 400, count: 10, index: 30, startedInWindow: 20 });
    expect(after.boost).toBe(5);
  });

  test('pressure on a request started before the 429 is not news either, wherever its stale count is placed', () => {
    const check: HeadroomCheck = { ...startCheck(0), boost: 1.5 };
    // 33 requests had started by the 429. A stale count placed a little late (a lag measured to within a latency)
    // falls after the 429, but the request it answered was started before it.
    const lifted = checkRateLimited(check, 500, { rate: 20, headerRate: 4 }, 33);
    const pressed = { ...base, now: 4000, seenAt: 600, count: 10, startedInWindow: 20 };
    expect(observeCheck(lifted, { ...pressed, index: 30 }).boost).toBe(5);
    // On a request started since, it lowers the boost.
    expect(observeCheck(lifted, { ...pressed, index: 40 }).boost).toBeLessThan(5);
  });
});

describe('rampedLately', () => {
  test("the ramp's while it grows, and for a doubling after the count's pressure stopped it; not a pace the headers gave", () => {
    const growing: HeadroomCheck = { ...startCheck(0), growing: true, base: 1, since: 0 };
    expect(rampedLately(growing, 5000)).toBe(true);
    const stopped: HeadroomCheck = { ...startCheck(0), boost: 4, busyAt: 2000 };
    expect(rampedLately(stopped, 2000 + BOOST_DOUBLING_MS - 1)).toBe(true);
    expect(rampedLately(stopped, 2000 + BOOST_DOUBLING_MS)).toBe(false);
    expect(rampedLately({ ...stopped, boost: 1 }, 2100)).toBe(false);
  });
});
