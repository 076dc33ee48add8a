import { describe, expect, it } from 'vitest';
import { chunk } from '../../src/plan/read-strategy.js';

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
