import { describe, expect, it } from 'vitest';
import { chooseReadStrategy, chunk } from '../../src/plan/read-strategy.js';

describe('chooseReadStrategy', () => {
  it('counts GETs of 100 ids and searches of 100 emails', () => {
    expect(chooseReadStrategy({ ids: 0, emails: 0 })).toEqual({ kind: 'by-key', calls: 0 });
    expect(chooseReadStrategy({ ids: 1, emails: 0 })).toEqual({ kind: 'by-key', calls: 1 });
    expect(chooseReadStrategy({ ids: 100, emails: 101 })).toEqual({ kind: 'by-key', calls: 3 });
    expect(chooseReadStrategy({ ids: 250, emails: 1 })).toEqual({ kind: 'by-key', calls: 4 });
  });

  it('never lists when the directory size is unknown', () => {
    expect(chooseReadStrategy({ ids: 50_000, emails: 50_000 })).toEqual({ kind: 'by-key', calls: 1000 });
  });

  it('lists the directory when that takes fewer calls', () => {
    // 1000 ids + 1000 emails = 20 calls by key; 4,000 users = 8 pages of 500.
    expect(chooseReadStrategy({ ids: 1000, emails: 1000, directorySize: 4000 })).toEqual({
      kind: 'full-listing',
      calls: 8,
    });
    expect(chooseReadStrategy({ ids: 0, emails: 3, directorySize: 0 })).toEqual({ kind: 'by-key', calls: 1 });
    expect(chooseReadStrategy({ ids: 101, emails: 101, directorySize: 0 })).toEqual({ kind: 'full-listing', calls: 1 });
  });

  it('reads by key on a tie and when the directory is large', () => {
    // 2 calls by key against 2 pages (501..1000 users).
    expect(chooseReadStrategy({ ids: 101, emails: 0, directorySize: 1000 })).toEqual({ kind: 'by-key', calls: 2 });
    expect(chooseReadStrategy({ ids: 900, emails: 100, directorySize: 200_000 })).toEqual({
      kind: 'by-key',
      calls: 10,
    });
  });

  it('uses the limits it is given', () => {
    const limits = { idsPerGet: 10, emailsPerSearch: 25, listPageSize: 100 };
    expect(chooseReadStrategy({ ids: 95, emails: 26 }, limits)).toEqual({ kind: 'by-key', calls: 12 });
    expect(chooseReadStrategy({ ids: 95, emails: 26, directorySize: 1001 }, limits)).toEqual({
      kind: 'full-listing',
      calls: 11,
    });
  });

  it('rejects counts and limits that make no sense', () => {
    expect(() => chooseReadStrategy({ ids: -1, emails: 0 })).toThrow(RangeError);
    expect(() => chooseReadStrategy({ ids: 1.5, emails: 0 })).toThrow(RangeError);
    expect(() => chooseReadStrategy({ ids: 1, emails: 0, directorySize: Number.NaN })).toThrow(RangeError);
    expect(() =>
      chooseReadStrategy({ ids: 1, emails: 0 }, { idsPerGet: 0, emailsPerSearch: 1, listPageSize: 1 }),
    ).toThrow(RangeError);
  });
});

describe('chunk', () => {
  it('splits in order, the last chunk shorter', () => {
    expect(chunk([1, 2, 3, 4, 5], 2)).toEqual([[1, 2], [3, 4], [5]]);
    expect(chunk([1, 2, 3, 4], 2)).toEqual([
      [1, 2],
      [3, 4],
    ]);
    expect(chunk([], 100)).toEqual([]);
    expect(chunk(['a'], 100)).toEqual([['a']]);
  });

  it('covers every item exactly once for any size', () => {
    const items = Array.from({ length: 1234 }, (_, i) => i);
    for (const size of [1, 7, 100, 500, 1234, 5000]) {
      const chunks = chunk(items, size);
      expect(chunks.flat()).toEqual(items);
      expect(chunks.length).toBe(Math.ceil(items.length / size));
      expect(chunks.every((c) => c.length <= size && c.length > 0)).toBe(true);
    }
  });

  it('rejects a size below one', () => {
    expect(() => chunk([1], 0)).toThrow(RangeError);
    expect(() => chunk([1], 2.5)).toThrow(RangeError);
  });
});
