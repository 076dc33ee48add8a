import { describe, expect, it } from 'vitest';
import type { WorkOutcome } from '../../src/run/engine.js';
import { OutcomeMap } from '../../src/run/settled.js';

describe('OutcomeMap', () => {
  it('gives back what was set, plain rows held as integers and the others as they are, in the order set', () => {
    const outcomes: [number, WorkOutcome][] = [
      [7, { status: 'updated', attempts: 1, writes: 1, conflictRounds: 0 }],
      [3, { status: 'unchanged', attempts: 4095, writes: 63, conflictRounds: 63 }],
      [
        9,
        {
          status: 'failed',
          attempts: 2,
          writes: 0,
          conflictRounds: 0,
          failure: { ok: false, kind: 'invalid', message: 'no', rateLimit: {}, latencyMs: 0 },
        },
      ],
      [1, { status: 'updated', attempts: 1, writes: 1, conflictRounds: 1, conflict: 'title was changed' }],
      [2, { interrupted: true, inFlight: true }],
      [4, { status: 'skipped', attempts: 4096, writes: 0, conflictRounds: 0 }],
    ];
    const map = new OutcomeMap();
    for (const [row, o] of outcomes) map.set(row, o);
    expect(map.size).toBe(outcomes.length);
    expect([...map]).toEqual(outcomes);
    expect([...map.values()]).toEqual(outcomes.map(([, o]) => o));
    for (const [row, o] of outcomes) expect(map.get(row)).toEqual(o);
    expect(map.get(5)).toBeUndefined();
    // An outcome with `conflict: undefined` (as applyUserChange makes them) packs like one without.
    map.set(8, { status: 'updated', attempts: 1, writes: 1, conflictRounds: 0, conflict: undefined });
    expect(map.get(8)).toEqual({ status: 'updated', attempts: 1, writes: 1, conflictRounds: 0 });
    expect(typeof Map.prototype.get.call(map, 8)).toBe('number');
    expect(typeof Map.prototype.get.call(map, 1)).toBe('object');
    const seen: number[] = [];
    map.forEach((_, row) => {
      seen.push(row);
    });
    expect(seen).toEqual([7, 3, 9, 1, 2, 4, 8]);
  });
});
