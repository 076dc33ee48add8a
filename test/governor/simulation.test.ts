/**
 * The governor against simulated limiters on a fake clock: minutes of traffic at 200 requests per 5 s window (the
 * benchmark's scale) in well under a second each. Figures printed with DEBUG_SIM=1.
 */
import { describe, expect, test } from 'vitest';
import { createGovernor, type GovernorEvent } from '../../src/governor/index.js';
import { FIXED_WINDOW_MARGIN } from '../../src/governor/pacing.js';
import {
  FakeClock,
  FixedWindowLimiter,
  type Limiter,
  SimApi,
  SlidingWindowLimiter,
  seededRandom,
  TokenBucketLimiter,
} from '../models/platform-sim.js';

const LIMIT = 200;
const WINDOW_MS = 5000;
const RATE = (LIMIT / WINDOW_MS) * 1000;

const limiters: Record<string, () => Limiter> = {
  fixed: () => new FixedWindowLimiter(LIMIT, WINDOW_MS, 1234),
  sliding: () => new SlidingWindowLimiter(LIMIT, WINDOW_MS),
  bucket: () => new TokenBucketLimiter(LIMIT, WINDOW_MS),
};

interface Scenario {
  limiter: Limiter;
  headers: boolean;
  calls: number;
  seed?: number;
  /** Halve the limit this long after the start. */
  halveAtMs?: number;
}

/** 40 workers, each running one call after another through the governor, until `calls` have been made. */
async function run({ limiter, headers, calls, seed = 1, halveAtMs }: Scenario) {
  const clock = new FakeClock(seed * 7919);
  const start = clock.now();
  const api = new SimApi({ clock, limiter, headers, seed });
  const events: GovernorEvent[] = [];
  const governor = createGovernor({ clock, random: seededRandom(seed + 1), onEvent: (e) => events.push(e) });
  let issued = 0;
  const workers = Array.from({ length: 40 }, async () => {
    while (issued < calls) {
      issued++;
      const { outcome } = await governor.execute(api.call);
      if (!outcome.ok) throw new Error(`request failed: ${outcome.kind}`);
    }
  });
  /** The governor's rate 1, 2, 3 windows after the halving. */
  const rateAfterWindows: number[] = [];
  if (halveAtMs !== undefined) {
    void clock.sleep(halveAtMs).then(() => limiter.setLimit(limiter.limit / 2));
    for (const n of [1, 2, 3]) {
      void clock.sleep(halveAtMs + n * WINDOW_MS).then(() => {
        rateAfterWindows.push(governor.stats().requestsPerSecond);
      });
    }
  }
  const settled = await clock.settle(workers);
  expect(api.maxInFlight).toBeLessThanOrEqual(16);
  expect(clock.pendingTimers).toBe(0);
  for (const s of settled) if (s.status === 'rejected') throw s.reason;
  const makespan = (api.accepted.at(-1) as number) - start;
  const total = api.accepted.length + api.refused.length;
  const halvedAt = start + (halveAtMs ?? 0);
  const acceptedBetween = (from: number, to: number) => api.accepted.filter((t) => t >= from && t < to).length;
  const result = {
    makespan,
    /** Makespan over the least time the calls could take at the limit. */
    ratio: makespan / ((calls / RATE) * 1000),
    refusedPct: (100 * api.refused.length) / total,
    refusedAfterOneWindow: api.refused.filter((t) => t >= halvedAt + WINDOW_MS).length,
    /** Accepted per second from one window after the halving, for a minute, over the new limit. */
    settledShare: acceptedBetween(halvedAt + WINDOW_MS, halvedAt + WINDOW_MS + 60_000) / 60 / (RATE / 2),
    rateAfterWindows,
    stats: governor.stats(),
    events,
    api,
  };
  if (process.env.DEBUG_SIM) {
    const { ratio, refusedPct, settledShare, refusedAfterOneWindow } = result;
    const rates = rateAfterWindows.map((x) => x.toFixed(1)).join(', ');
    console.log(
      `${limiter.name} headers=${headers} calls=${calls} seed=${seed} halve=${halveAtMs ?? '-'}: ratio ${ratio.toFixed(3)}` +
        ` throughput ${(100 / ratio).toFixed(1)}% 429s ${refusedPct.toFixed(2)}% maxInFlight ${api.maxInFlight}` +
        (halveAtMs === undefined
          ? ''
          : ` | after halving: rate after 1, 2, 3 windows ${rates}/s, 429s after 1 window ${refusedAfterOneWindow},` +
            ` throughput ${(100 * settledShare).toFixed(1)}% of new limit`),
    );
  }
  return result;
}

describe('with rate-limit headers', () => {
  test.each(Object.keys(limiters))('%s window: no 429 and within 5%% of the limit', async (name) => {
    for (const seed of [1, 2, 3]) {
      const r = await run({ limiter: (limiters[name] as () => Limiter)(), headers: true, calls: 4000, seed });
      expect(r.api.refused).toHaveLength(0);
      expect(r.ratio).toBeLessThanOrEqual(1.05);
      expect(r.stats.source).toBe('headers');
    }
  });

  test.each(Object.keys(limiters))('%s window: limit halved mid-run, settled within one window', async (name) => {
    const r = await run({
      limiter: (limiters[name] as () => Limiter)(),
      headers: true,
      calls: 6000,
      halveAtMs: 60_000,
    });
    expect(r.refusedPct).toBeLessThanOrEqual(0.5);
    expect(r.refusedAfterOneWindow).toBe(0);
    // At the new limit with the default margin, or with the fixed-window margin once the resets have shown one.
    expect(r.rateAfterWindows[0]).toBeGreaterThanOrEqual((RATE / 2) * 0.97 - 0.05);
    expect(r.rateAfterWindows[0]).toBeLessThanOrEqual(
      (RATE / 2) * (name === 'fixed' ? FIXED_WINDOW_MARGIN : 0.97) + 0.05,
    );
    expect(r.settledShare).toBeGreaterThanOrEqual(0.95);
    // A bucket may add what it holds: the governor uses its burst when the headers show headroom (check.ts).
    const burst = name === 'bucket' ? LIMIT / 2 / (60 * (RATE / 2)) : 0;
    expect(r.settledShare).toBeLessThanOrEqual(1 + burst);
  });
});

describe('without rate-limit headers (discovery)', () => {
  test.each(Object.keys(limiters))('%s window: ≤ 3%% 429s and ≥ 80%% of the limit over minutes', async (name) => {
    for (const seed of [1, 2, 3]) {
      const r = await run({ limiter: (limiters[name] as () => Limiter)(), headers: false, calls: 8000, seed });
      expect(r.refusedPct).toBeLessThanOrEqual(3);
      expect(r.ratio).toBeLessThanOrEqual(1 / 0.8);
      expect(r.stats.source).toBe('discovered');
    }
  });

  test('sliding window, bench-sized run (~40 s): within 1.20 of the bound', async () => {
    for (const seed of [1, 2, 3]) {
      const r = await run({ limiter: limiters.sliding?.() as Limiter, headers: false, calls: 1500, seed });
      expect(r.ratio).toBeLessThanOrEqual(1.2);
      expect(r.refusedPct).toBeLessThanOrEqual(3);
    }
  });

  // Without headers the news comes only from 429s, each with an authoritative Retry-After of a few seconds (the
  // sliding window must age out what it holds), and the window's memory delays the next one: the rate is cut within
  // one window and is at the new limit within three.
  test.each(Object.keys(limiters))(
    '%s window: limit halved mid-run: ≤ 2%% 429s, at the new limit within three windows',
    async (name) => {
      for (const seed of [1, 2, 3]) {
        const r = await run({
          limiter: (limiters[name] as () => Limiter)(),
          headers: false,
          calls: 6000,
          seed,
          halveAtMs: 60_000,
        });
        expect(r.refusedPct).toBeLessThanOrEqual(2);
        expect(r.rateAfterWindows[0]).toBeLessThanOrEqual(RATE * 0.95);
        expect(r.rateAfterWindows[2]).toBeLessThanOrEqual(RATE / 2);
        expect(r.settledShare).toBeGreaterThanOrEqual(0.75);
      }
    },
  );
});

describe('a fixed window that began idle', () => {
  // The reads and the planning before the writes: 20 calls at the start of a window, then nothing until 3 s in.
  async function firstWindow(): Promise<{ accepted: number; refused: number; perWindow: number[] }> {
    const clock = new FakeClock(0);
    const limiter = new FixedWindowLimiter(100, WINDOW_MS);
    const api = new SimApi({ clock, limiter, seed: 5 });
    const governor = createGovernor({ clock, random: seededRandom(2) });
    await clock.settle(Array.from({ length: 20 }, () => governor.execute(api.call)));
    await clock.settle([clock.sleep(3000 - clock.now())]);
    await clock.settle(Array.from({ length: 300 }, () => governor.execute(api.call)));
    const perWindow = [0, 0, 0, 0];
    for (const at of api.accepted) {
      const w = Math.floor(at / WINDOW_MS);
      perWindow[w] = (perWindow[w] ?? 0) + 1;
    }
    return { accepted: perWindow[0] as number, refused: api.refused.length, perWindow };
  }

  test('spends part of what it left, at most twice the pace, and no window takes more than its quota', async () => {
    const { accepted, refused, perWindow } = await firstWindow();
    expect(refused).toBe(0);
    // Evenly from 3 s: 20 + 2 s × 19.8 ≈ 60. The rest at twice the pace until a second before the end: about 75.
    expect(accepted).toBeGreaterThanOrEqual(70);
    for (const n of perWindow) expect(n).toBeLessThanOrEqual(100);
  });
});
