import { describe, expect, test } from 'vitest';
import {
  AcceptedLog,
  CEILING_MARGIN,
  ceilingRate,
  learnedLimit,
  MAX_PROBE_SECONDS,
  PROBE_SECONDS,
  relearned,
} from '../../src/governor/ceiling.js';

describe('the ceiling under a limit above the tokens', () => {
  test('learns the limit from what was accepted in the window, not from the rate that failed', () => {
    // 600 accepted in a 5 s window while the lanes pushed 196/s: the limit is 120/s.
    expect(learnedLimit(600, 5000, 196)).toBe(120);
    // A bucket's burst spent in the window is not its rate: never above the rate that was refused.
    expect(learnedLimit(900, 5000, 150)).toBe(150);
  });

  test('keeps under the learned limit, then probes past it; a probe that finds it again waits twice as long', () => {
    const first = relearned(undefined, 120, 0, 0);
    expect(first.probeSeconds).toBe(PROBE_SECONDS);
    expect(ceilingRate(first, 0)).toBeCloseTo(CEILING_MARGIN * 120);
    expect(ceilingRate(first, PROBE_SECONDS * 1000)).toBeCloseTo(120);
    expect(ceilingRate(first, 2 * PROBE_SECONDS * 1000)).toBeGreaterThan(120);
    const same = relearned(first, 118, 30_000, 30_000);
    expect(same.probeSeconds).toBe(2 * PROBE_SECONDS);
    expect(ceilingRate(same, 30_000 + PROBE_SECONDS * 1000)).toBeLessThan(same.limit);
    let settled = same;
    for (let i = 0; i < 10; i++) settled = relearned(settled, 118, 0, 0);
    expect(settled.probeSeconds).toBe(MAX_PROBE_SECONDS);
    // A limit that moved is probed for quickly again.
    expect(relearned(settled, 80, 0, 0).probeSeconds).toBe(PROBE_SECONDS);
    // A refusal while probing above the last limit does not take it lower, whatever little was accepted.
    const probed = relearned(first, 90, 2 * PROBE_SECONDS * 1000, 2 * PROBE_SECONDS * 1000);
    expect(probed.limit).toBe(120);
  });

  test('the accepted log counts one window back', () => {
    const log = new AcceptedLog();
    for (let t = 0; t < 10_000; t += 10) log.add(t, 5000);
    expect(log.countAfter(9990 - 5000)).toBe(500);
    expect(log.countAfter(9000)).toBe(99);
    expect(log.first).toBeGreaterThanOrEqual(4990);
  });
});
