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
 * does hold today, so a regression still fails. Each is an open item, not an accepted result.
 */
const SHORTFALLS: Record<string, { ratio: number; refusedPct: number }> = {
  // Without headers the counter punishes slow start's overshoot in the next window too (measured 2.36, 3.07%).
  'sliding-counter headers=absent': { ratio: 2.4, refusedPct: 3.1 },
  // A count seconds old on a bucket of 3: the headers' pace is a seventh of the rate, and the check raises it only
  // as fast as the stale count can show pressure; most of the loss is that start-up (1.194, 0.17%).
  'bucket burst=1.1% headers=stale lag=3314ms': { ratio: 1.2, refusedPct: 0.2 },
  // Without headers, a GCRA of 4 requests: after its first 429s discovery's cubic settles below the rate (1.165, 0.17%).
  'gcra burst=1.4% headers=absent': { ratio: 1.17, refusedPct: 0.2 },
  // Without headers the ratio is fine (a fixed window gives a whole quota at once), but slow start's overshoot into
  // the first window's end costs 7 429s in 607 (1.15%).
  'fixed headers=absent': { ratio: 0.7, refusedPct: 1.2 },
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

  test('a sliding window without headers: ratio ≤ 1.20', async () => {
    for (const seed of [1, 2, 3]) {
      const r = await run({ algorithm: 'sliding', headers: 'absent' }, 100, 5000, seed);
      show(r);
      expect(r.ratio).toBeLessThanOrEqual(1.2);
      expect(r.refusedPct).toBeLessThanOrEqual(1);
    }
  });
});
