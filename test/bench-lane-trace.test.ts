/** The token scenarios' lane trace (bench/lane-trace.ts): windows placed as the `fixed` limiter places them, gaps. */
import { describe, expect, it } from 'vitest';
import { fixedWindows, laneTrace } from '../bench/lane-trace.js';

describe('lane trace', () => {
  it('opens a window at the first accepted request at or after the last one closed', () => {
    expect(fixedWindows([0, 100, 4999, 5000, 5001, 12_000], 5000)).toEqual([3, 2, 1]);
    expect(fixedWindows([], 5000)).toEqual([]);
  });

  it('gives each lane its login, span, 429s, idle gaps and windows, in seconds from the spawn', () => {
    const spawn = 1000;
    const t = laneTrace(
      [
        { at: 1500, token: 2, allowed: 1, limited: 0 },
        { at: 1525, token: 1, allowed: 2, limited: 0 },
        { at: 1550, token: 1, allowed: 1, limited: 1 },
        { at: 2550, token: 1, allowed: 1, limited: 0 },
        { at: 2600, token: 2, allowed: 1, limited: 0 },
      ],
      [1400, 1450],
      2550,
      spawn,
      3000,
      5000,
    );
    expect(t).toMatchObject({ firstLoginAt: 0.4, lastLoginAt: 0.45, firstRequestAt: 0.5, firstWriteAt: 1.55 });
    expect(t).toMatchObject({ lastRequestAt: 1.6, exitAt: 2 });
    const [one, two] = t.lanes;
    expect(one).toMatchObject({ token: 1, loginAt: 0.4, firstAt: 0.525, lastAt: 1.55, requests: 5, rateLimited: 1 });
    expect(one).toMatchObject({ idleSeconds: 1, longestGapSeconds: 1, gaps: [{ at: 0.55, seconds: 1 }] });
    expect(one?.windowCounts).toEqual([4]);
    expect(two).toMatchObject({ token: 2, loginAt: 0.45, requests: 2, idleSeconds: 1.1, windowCounts: [2] });
  });
});
