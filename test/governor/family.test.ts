/**
 * The governor against the emulator's limiter family (the same limiter code, on the fake clock): a seeded sample of
 * 16 members at 300 requests per 15 s (20 req/s, so a 1% burst is still 3 requests: a one-request bucket refuses any
 * client whose requests arrive with 20–80 ms of jitter), and the two cases issue #12 names at 100 per 5 s.
 * Figures printed with DEBUG_SIM=1. Ratio = time to the last accepted call ÷ calls at the allowed rate.
 */
import { describe, expect, test } from 'vitest';
import { type FamilyMember, memberLabel, sampleFamily } from '../../src/emulator/family.js';
import { createGovernor } from '../../src/governor/index.js';
import { type FamilyRun, runFamilyMember } from '../models/family-sim.js';

const SAMPLE_SEED = 12;
const SAMPLE = sampleFamily(SAMPLE_SEED, 16, 15_000);

/**
 * Members the governor does not yet hold within issue #12's targets (ratio ≤ 1.10, 429s ≤ 1%), with the bounds it
 * does hold today, so a regression still fails. Each is an open item, not an accepted result. Figures with the
 * CLI's warm-up (family-sim.ts: reads, an idle gap, then writes) and 429s that carry headers, as the emulator's do.
 * This is one sample: `npx tsx bench/family-sweep.ts` runs 12 seeds × 16 members and prints the worst of each class
 * (47 of 192 runs over the targets at this commit: headerless window limiters' 429s are most of them).
 */
const SHORTFALLS: Record<string, { ratio: number; refusedPct: number }> = {
  // Without headers the counter punishes slow start's overshoot in the next window too: each resume after a 429 meets
  // another for seconds. Those no longer cut the rate (model.ts, stillFull): 2.965 -> 1.096, but 3.05% -> 3.36% 429s.
  // The climb then starts at what the counter freed (discovery.ts, stillFull): 1.084 -> 1.069, 21 -> 19 429s (3.05%);
  // its top held to the long-run rate, 1.058 and 15 (2.42%), 7 of them in flight when slow start's first came back.
  'sliding-counter headers=absent': { ratio: 1.07, refusedPct: 2.5 },
  // Without headers, a GCRA of 4 requests: slow start's 429 and the probe's past its cut put the limit at 19.8 of
  // 20 req/s (discovery.ts, rampLimit), but each costs a second's pause: 1.142 and 2 429s (0.33%). Before, one 429
  // and the cubic under the limit: 1.150, 0.17%. Slow start alone, with a single 429 and then exactly 20 req/s: 1.090.
  'gcra burst=1.4% headers=absent': { ratio: 1.15, refusedPct: 0.4 },
  // Without headers the ratio is fine (a fixed window gives a whole quota at once), but what slow start has in flight
  // when the window's quota runs out is refused with it: 7 429s at once, then 1 when the next window is spent (8 in
  // 612, 1.31%; ratio 1.060); 6 and 3 clock-aligned (9 in 613, 1.47%; 0.896). Before wMax was held to the rate the
  // window took (discovery.ts, windowSpent), the climb spent the next window sooner: 9 in 613 (1.041) and 10 in 614
  // (0.876).
  'fixed headers=absent': { ratio: 1.07, refusedPct: 1.35 },
  'fixed-clock headers=absent': { ratio: 0.91, refusedPct: 1.5 },
  // A bucket of 3 at 20 req/s, headers 3.3 s stale: slow start from 5 req/s and the ramp's 429 cost about 1.6 s, and
  // the ceiling the ramp's last doubling gives after it is 1.0-1.11 times the bucket's rate. Held at 0.9 of it (the
  // ramp's counts, stale, taken as pressure after the 429), 1.060-1.163 over 16 latency seeds, this one 1.093; now
  // the climb to it draws a second 429 and a ceiling measured since the first: 1.084-1.131, this one 1.105.
  'bucket burst=1.1% headers=stale lag=3314ms': { ratio: 1.11, refusedPct: 0.5 },
};

const run = (member: FamilyMember, limit: number, windowMs: number, seed: number): Promise<FamilyRun> =>
  runFamilyMember({ member, limit, windowMs, calls: 600, seed, createGovernor });

function show(r: FamilyRun): void {
  if (process.env.DEBUG_SIM) {
    console.log(
      `${r.label}: ratio ${r.ratio.toFixed(3)}, 429s ${r.refusedPct.toFixed(2)}% (${r.refused}/${r.requests})`,
    );
  }
}

describe('the limiter family on the fake clock', () => {
  test('the sample covers every algorithm and header model', () => {
    expect(SAMPLE.length).toBeGreaterThanOrEqual(12);
    expect(new Set(SAMPLE.map((m) => m.algorithm)).size).toBe(6);
    expect(new Set(SAMPLE.map((m) => m.headers)).size).toBe(4);
  });

  test.each(SAMPLE.map((m, i) => [memberLabel(m), m, i] as const))(
    '%s: ratio ≤ 1.10 and 429s ≤ 1% (or its recorded shortfall)',
    async (label, member, i) => {
      const r = await run(member, 300, 15_000, i + 1);
      show(r);
      const bound = SHORTFALLS[label] ?? { ratio: 1.1, refusedPct: 1 };
      expect(r.ratio).toBeLessThanOrEqual(bound.ratio);
      expect(r.refusedPct).toBeLessThanOrEqual(bound.refusedPct);
    },
  );

  test('a 429 with a stale count does not pull the pace far under the limit (the count describes the server before it was pressed)', async () => {
    const member = SAMPLE.find((m) => m.algorithm === 'bucket' && m.headers === 'stale') as FamilyMember;
    const rates: { at: number; rate: number }[] = [];
    let firstPause: number | undefined;
    await runFamilyMember({
      member,
      limit: 300,
      windowMs: 15_000,
      calls: 600,
      seed: 7,
      createGovernor: (o) =>
        createGovernor({
          ...o,
          onEvent: (e) => {
            if (e.type === 'pause') firstPause ??= e.at;
            if (e.type === 'rate') rates.push({ at: e.at, rate: e.requestsPerSecond });
          },
        }),
    });
    expect(firstPause).toBeDefined();
    const after = rates.filter((r) => r.at >= (firstPause as number)).map((r) => r.rate);
    // 20 req/s allowed: before the fix, 12 (6.4 in real time) for the rest of the run.
    expect(Math.min(...after)).toBeGreaterThan(0.85 * 20);
  });

  test('stale headers on buckets with a 10–18% burst: after a 429 the ceiling comes from what was accepted since the one before, not a burst refilled in its pause (429s ≤ 0.7%)', async () => {
    for (const burst of [0.1, 0.15, 0.183]) {
      for (const seed of [1, 2, 3]) {
        const r = await run({ algorithm: 'bucket', burst, headers: 'stale', headerLagMs: 2500 }, 300, 15_000, seed);
        show(r);
        expect(r.ratio).toBeLessThanOrEqual(1.05);
        // Measured over the rate just before: 0.49–1.31% (3–8 429s, a step down of a tenth at each).
        expect(r.refusedPct).toBeLessThanOrEqual(0.7);
      }
    }
  });

  test('without headers, a GCRA of 13 requests: a 429 while slow start overshoot is paid for is not cut below what was accepted since the one before (ratio ≤ 1.18)', async () => {
    for (const seed of [1, 2, 3, 4]) {
      const r = await run({ algorithm: 'gcra', burst: 0.045, headers: 'absent' }, 300, 15_000, seed);
      show(r);
      // Cut again by 0.7 after slow start's own cut, to 15 of 20 req/s: 1.245.
      expect(r.ratio).toBeLessThanOrEqual(1.18);
      expect(r.refusedPct).toBeLessThanOrEqual(1);
    }
  });

  test('a fixed window aligned to the clock, headers 4.4 s stale: its count is placed where it was taken (429s ≤ 1% each, ≤ 16 over four runs)', async () => {
    let refused = 0;
    for (const seed of [1, 2, 3, 4]) {
      const member: FamilyMember = { algorithm: 'fixed-clock', headers: 'stale', headerLagMs: 4410, originMs: 10_485 };
      const r = await run(member, 300, 15_000, seed);
      show(r);
      // Placed at the answer, what started in the lag was not counted against the quota: 6, 5, 4 and 8 429s.
      expect(r.refusedPct).toBeLessThanOrEqual(1);
      expect(r.ratio).toBeLessThanOrEqual(1.05);
      refused += r.refused;
    }
    expect(refused).toBeLessThanOrEqual(16);
  });

  test('without headers, a sliding counter whose window turns during slow start: once the overshoot is paid for, the pace probes back up to the limit', async () => {
    // Slow start overshoots across the turn, and the counter then allows about a fifteenth of the last window's
    // requests a second until the next turn: the 429s of that debt cut the rate to 7-10 of 20 req/s. In real time
    // (bench/family-one.ts, seed 12) it then sat at 5-6 req/s for 40 s without a 429: ratio 2.06.
    for (const originMs of [5000, 6000, 7000]) {
      const rates: { at: number; rate: number }[] = [];
      let start = 0;
      const r = await runFamilyMember({
        member: { algorithm: 'sliding-counter', headers: 'absent', originMs },
        limit: 300,
        windowMs: 15_000,
        calls: 600,
        seed: 6,
        createGovernor: (o) => {
          start = o.clock.now();
          return createGovernor({
            ...o,
            onEvent: (e) => {
              if (e.type === 'rate') rates.push({ at: e.at - start, rate: e.requestsPerSecond });
            },
          });
        },
      });
      show(r);
      // The debt is paid at the counter's next turn; 10 s later the pace is back near the limit (before: 8-10 req/s).
      const paceAt = (t: number) => rates.filter((e) => e.at <= t).at(-1)?.rate ?? 0;
      expect(paceAt(originMs + 15_000 + 10_000), `origin ${originMs}`).toBeGreaterThanOrEqual(15);
      // Before: 1.521, 1.571, 1.262.
      expect(r.ratio, `origin ${originMs}`).toBeLessThanOrEqual(1.15);
    }
  });

  test('without headers, a sliding counter full for seconds after slow start, Retry-After 1: each resume starts at what it freed, and 429s under the long-run rate are more of the debt', async () => {
    // Slow start fills the window at 9 s; until its turn the counter frees 1-3 of 20 req/s. Resumed at 0.7 of the rate
    // before, a resume a second met a 429 (27, 17 and 21 429s; ratio 1.110, 1.062, 1.084). Cut at each 429 under the
    // rate freed, the pace fell to 2 of 20 req/s for the rest of the run (origin 3510: ratio 3.3).
    for (const originMs of [1277, 2292, 3510]) {
      const r = await run({ algorithm: 'sliding-counter', headers: 'absent', originMs }, 300, 15_000, 6);
      show(r);
      // 14, 15, 17; ratio 1.054, 1.058, 1.090. Without `OWED_HEADROOM`: 14, 19, 19; 1.073, 1.069, 1.093.
      expect(r.refused, `origin ${originMs}`).toBeLessThanOrEqual(18);
      expect(r.ratio, `origin ${originMs}`).toBeLessThanOrEqual(1.1);
    }
  });

  test('without headers, a 429 seconds after the last while a counter pays its debt is still the debt: the pace is not left at a cut of the last start', async () => {
    // Origin 5808 (seed 29's sample): the third 429 of the debt came 3.3 s after the second, past what counts as freed
    // since the last; cut to 0.7 of the last start, with wMax no longer held, the pace sat at 6 of 20 req/s for the
    // rest of the run (ratio 1.835). Measured as freed since: 1.073.
    const r = await run({ algorithm: 'sliding-counter', headers: 'absent', originMs: 5808 }, 300, 15_000, 6);
    show(r);
    expect(r.ratio).toBeLessThanOrEqual(1.1);
    expect(r.refusedPct).toBeLessThanOrEqual(2.5);
  });

  test("truthful headers on a sliding counter: its first reset is two windows, and until its turn shows it the pace is not half the limit's", async () => {
    for (const originMs of [7500, 12_000, 14_500]) {
      const member: FamilyMember = { algorithm: 'sliding-counter', headers: 'truthful', originMs };
      const r = await run(member, 300, 15_000, 1);
      show(r);
      // Paced on that reset until the turn: 1.121, 1.209, 1.271.
      expect(r.ratio, `origin ${originMs}`).toBeLessThanOrEqual(1.08);
      expect(r.refused, `origin ${originMs}`).toBe(0);
    }
  });

  test("a GCRA of 3 requests, headers 0.8 s stale: a 429 just after the check's ramp stopped is judged over its last doubling, not the ramp's average", async () => {
    for (const seed of [2, 3, 6, 7]) {
      const r = await run({ algorithm: 'gcra', burst: 0.011, headers: 'stale', headerLagMs: 801 }, 300, 15_000, seed);
      show(r);
      // Over two seconds its ceiling was 13–17 of 20 req/s for the rest of the run: 1.337–1.396.
      expect(r.ratio, `seed ${seed}`).toBeLessThanOrEqual(1.18);
      expect(r.refused, `seed ${seed}`).toBeLessThanOrEqual(1);
    }
  });

  test("a bucket of 3 requests, headers 3.3 s stale: the ramp's 429 came before any count above 0, and the lag is still measured from the first start, so the ramp's pressure is seen as the ramp's", async () => {
    for (let k = 0; k < 8; k++) {
      const seed = 7 + 1000 * k;
      const r = await run(
        { algorithm: 'bucket', burst: 0.011, headers: 'stale', headerLagMs: 3314 },
        300,
        15_000,
        seed,
      );
      show(r);
      // Measured from the first start after the 429's pause, the lag came out as one latency: the ramp's counts at the
      // top of the bucket, 3.3 s later, were taken as pressure at 18–20 req/s and held the run there (1.075–1.169).
      expect(r.ratio, `seed ${seed}`).toBeLessThanOrEqual(1.135);
      expect(r.refused, `seed ${seed}`).toBeLessThanOrEqual(3);
    }
  });

  test('a GCRA of 101 requests, headers 2.6 s stale: a count at its top holds only until it has drained room, not to zero', async () => {
    for (const seed of [1, 3, 4, 7]) {
      const r = await run({ algorithm: 'gcra', burst: 0.337, headers: 'stale', headerLagMs: 2622 }, 300, 15_000, seed);
      show(r);
      // Held to zero, nothing was sent for 5 s after a count of 100: 0.947 (1.31% 429s), 1.133, 1.133, 1.131.
      expect(r.ratio, `seed ${seed}`).toBeLessThanOrEqual(1.0);
      expect(r.refusedPct, `seed ${seed}`).toBeLessThanOrEqual(0.2);
    }
  });

  test('a bucket of 20 requests, headers 2.4 s stale: a 429 long after the last is capped by what was accepted between (429s ≤ 0.85%)', async () => {
    for (const seed of [2, 5, 7]) {
      const r = await run(
        { algorithm: 'bucket', burst: 0.065, headers: 'stale', headerLagMs: 2418 },
        300,
        15_000,
        seed,
      );
      show(r);
      // Capped only by the rate that failed, above the bucket's, each climb back drew another: 1.15%, 0.98%, 1.15%.
      // The cap costs some time: 1.021, 0.995, 1.018 before.
      expect(r.refusedPct, `seed ${seed}`).toBeLessThanOrEqual(0.85);
      expect(r.ratio, `seed ${seed}`).toBeLessThanOrEqual(1.08);
    }
  });

  test('fixed-clock windows with headers 1.2–1.8 s stale: judged where the server was, they stay fixed, and their turn is no headroom to boost on', async () => {
    const members: [number, number][] = [
      [1713, 8069],
      [1457, 9348],
      [1773, 10_439],
      [1153, 12_325],
    ];
    for (const [headerLagMs, originMs] of members) {
      const r = await run({ algorithm: 'fixed-clock', headers: 'stale', headerLagMs, originMs }, 300, 15_000, 4);
      show(r);
      // Before: 2, 6, 5 and 7 429s (0.33%, 0.98%, 0.82%, 1.15%), boosted into the window's end.
      expect(r.refusedPct, `lag ${headerLagMs}`).toBeLessThanOrEqual(0.85);
      expect(r.ratio, `lag ${headerLagMs}`).toBeLessThanOrEqual(1.0);
    }
  });

  test('a fixed window with headers 0.75 s stale, held to its end: the stale answers after the hold are from before its turn, not a new window', async () => {
    const r = await run({ algorithm: 'fixed', headers: 'stale', headerLagMs: 753 }, 300, 15_000, 21);
    show(r);
    // Their count (full) and reset (6 s, from before the hold) were taken for a new window's: held 5 s more, 1.188.
    expect(r.ratio).toBeLessThanOrEqual(1.05);
    expect(r.refused).toBe(0);
  });

  test('a sliding-window counter of 600 per 60 s, headers 3–7 s stale, held on a guessed end two windows away: a probe every 2 s shows its turn', async () => {
    const members: [number, number, number][] = [
      [7087, 53_793, 18],
      [3000, 0, 3],
      [7000, 0, 3],
    ];
    for (const [headerLagMs, originMs, seed] of members) {
      const member: FamilyMember = { algorithm: 'sliding-counter', headers: 'stale', headerLagMs, originMs };
      const r = await run(member, 600, 60_000, seed);
      show(r);
      // Held to the guessed end, nothing sent could show the turn: 1.894, 2.002, 2.001 (then 1.025, 1.073, 1.136).
      expect(r.ratio, `lag ${headerLagMs}`).toBeLessThanOrEqual(1.15);
      expect(r.refused, `lag ${headerLagMs}`).toBe(0);
    }
  });

  test("a sliding-window counter, headers 4 s stale: a second 429 soon after the first meets the last window's weight, and keeps the rate it learnt (ratio ≤ 1.10)", async () => {
    const member: FamilyMember = { algorithm: 'sliding-counter', headers: 'stale', headerLagMs: 4031, originMs: 4854 };
    const r = await run(member, 300, 15_000, 18);
    show(r);
    // Cut again at the second, from 19.4 to 12 req/s for the rest of the run: 1.252.
    expect(r.ratio).toBeLessThanOrEqual(1.1);
    expect(r.refusedPct).toBeLessThanOrEqual(0.5);
  });

  test('every recorded shortfall is in the sample (none is stale)', () => {
    const labels = new Set(SAMPLE.map(memberLabel));
    for (const label of Object.keys(SHORTFALLS)) expect(labels.has(label), label).toBe(true);
  });
});

describe('issue #12: 600 changes at 100 per 5 s', () => {
  test('a bucket with a 10% burst and headers scaled to the window: ratio ≤ 1.05, 429s ≤ 0.5%', async () => {
    for (const seed of [1, 2, 3]) {
      const r = await run({ algorithm: 'bucket', burst: 0.1, headers: 'scaled' }, 100, 5000, seed);
      show(r);
      expect(r.ratio).toBeLessThanOrEqual(1.05);
      expect(r.refusedPct).toBeLessThanOrEqual(0.5);
    }
  });

  test('the same bucket with truthful headers (allowed 10, resets of a second): ratio ≤ 1.05, no 429', async () => {
    for (const seed of [1, 2, 3]) {
      const r = await run({ algorithm: 'bucket', burst: 0.1, headers: 'truthful' }, 100, 5000, seed);
      show(r);
      expect(r.ratio).toBeLessThanOrEqual(1.05);
      expect(r.refused).toBe(0);
    }
  });

  test('a sliding log without headers at 300 per 15 s: once slow start has spent its window, the climb stays near its rate', async () => {
    // Slow start's own 429s are 6 or so at once. After the pause the log frees what slow start sent a window before,
    // slowly at first: a climb from the cut (77 req/s) met 429s for seconds, 17, 14 and 13 in all (2.1–2.8%); from
    // the rate the window took, with headroom (46 req/s, discovery.ts windowSpent), 10, 8 and 10 (1.3–1.6%).
    for (const seed of [1, 2, 3]) {
      const r = await run({ algorithm: 'sliding', headers: 'absent' }, 300, 15_000, seed);
      show(r);
      expect(r.ratio).toBeLessThanOrEqual(1.1);
      expect(r.refusedPct).toBeLessThanOrEqual(1.7);
    }
  });

  test('a sliding window without headers: ratio ≤ 1.20', async () => {
    for (const seed of [1, 2, 3]) {
      const r = await run({ algorithm: 'sliding', headers: 'absent' }, 100, 5000, seed);
      show(r);
      expect(r.ratio).toBeLessThanOrEqual(1.2);
      expect(r.refusedPct).toBeLessThanOrEqual(1);
    }
  });
});
