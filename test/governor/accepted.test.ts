/** What the server accepted, as the rate model measures it (src/governor/accepted.ts). */
import { describe, expect, test } from 'vitest';
import { AcceptedLog } from '../../src/governor/accepted.js';

describe('AcceptedLog.sinceRefused', () => {
  /**
   * A 429 at 0, a 1 s pause, then 20 req/s from 1000, each answered 50 ms after its start, accepted up to the one
   * started 100 ms before `now`; the next, started 50 ms before `now`, is the 429 judged at `now`.
   */
  function after429(now: number): AcceptedLog {
    const log = new AcceptedLog();
    log.refused(0, 20, 0);
    for (let start = 1000; start + 100 <= now; start += 50) log.accept(start, start + 50, 3000);
    return log;
  }

  test('a bucket of 3: what it took since the pause, less its capacity, over the time since the pause', () => {
    // 23 answers by 2200 (starts 1000-2100), 1000 ms paused: (23 - 3) / 1.2 s, short of the 20 req/s sent.
    expect(after429(2200).sinceRefused(2200, 1000, 3)).toBeCloseTo(20 / 1.2, 9);
  });

  test('the time the judged answer took to come back is left out: what started in it is not answered yet', () => {
    // The 429 judged at 2200 was started at 2150: nothing started after it has been answered.
    expect(after429(2200).sinceRefused(2200, 1000, 3, 50)).toBeCloseTo(20 / 1.15, 9);
    expect(after429(2200).sinceRefused(2200, 1000, 3, 50)).toBeGreaterThan(
      after429(2200).sinceRefused(2200, 1000, 3) ?? 0,
    );
  });
});
