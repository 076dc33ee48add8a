/** The family sweep's summary (bench/sweep.ts): runs over issue #12's targets, the worst of each, per class. */
import { describe, expect, it } from 'vitest';
import { type SweepRow, summarise, sweepTables } from '../bench/sweep.js';
import type { FamilyMember } from '../src/emulator/family.js';

const row = (seed: number, member: FamilyMember, ratio: number, refusedPct: number): SweepRow => ({
  seed,
  member,
  run: { label: '', calls: 604, ratio, refusedPct, refused: 0, requests: 604, maxInFlight: 1 },
});
const options = { seeds: 2, members: 2, limit: 300, windowMs: 15_000, latencyMs: [20, 80] as [number, number] };
const bucket: FamilyMember = { algorithm: 'bucket', burst: 0.05, headers: 'stale', headerLagMs: 900 };
const fixed: FamilyMember = { algorithm: 'fixed', headers: 'absent' };

describe('family sweep summary', () => {
  const s = summarise(options, [
    row(1, bucket, 1.1, 0.5),
    row(1, fixed, 1.02, 1.47),
    row(2, bucket, 1.12, 0),
    row(2, fixed, 0.9, 0.2),
  ]);

  it('counts a run over when its ratio is over 1.10 or its 429s over 1%, at the limits not', () => {
    expect(s.runs).toBe(4);
    expect(s.over).toBe(2);
  });

  it('names the member and seed behind each worst figure, and keeps each class apart', () => {
    expect(s.worstRatio).toEqual({ value: 1.12, member: 'bucket burst=5% headers=stale lag=900ms', seed: 2 });
    expect(s.worstRefusedPct).toEqual({ value: 1.47, member: 'fixed headers=absent', seed: 1 });
    expect(s.classes).toEqual([
      { name: 'bucket headers=stale', runs: 2, over: 1, worstRatio: 1.12, worstRefusedPct: 0.5 },
      { name: 'fixed headers=absent', runs: 2, over: 1, worstRatio: 1.02, worstRefusedPct: 1.47 },
    ]);
  });

  it('tabulates each configuration and each class, a dash where a class did not run', () => {
    const other = summarise({ ...options, limit: 100, windowMs: 5000 }, [row(1, bucket, 1, 0)]);
    const md = sweepTables([s, other]);
    expect(md).toContain('| 300/15 s, 20–80 ms | 2 of 4 | 1.120 (bucket burst=5% headers=stale lag=900ms, 2) |');
    expect(md).toContain('| fixed headers=absent | 1/2 (1.02, 1.5%) | – |');
    expect(md).toContain('| bucket headers=stale | 1/2 (1.12, 0.5%) | 0/1 |');
    expect(sweepTables([])).toBe('_The sweep did not run._');
  });
});
