import { describe, expect, test } from 'vitest';
import { forEachPooled, poolSize } from '../../src/run/pool.js';

/** Work items that end when told to, recording how many run at once. */
function gatedWork() {
  const open = new Map<number, () => void>();
  let active = 0;
  let maxActive = 0;
  const started: number[] = [];
  const work = (item: number) =>
    new Promise<void>((resolve) => {
      started.push(item);
      active++;
      maxActive = Math.max(maxActive, active);
      open.set(item, () => {
        active--;
        open.delete(item);
        resolve();
      });
    });
  const tick = () => new Promise((resolve) => setImmediate(resolve));
  /** Ends the oldest open item and lets the pool react. */
  const endOne = async () => {
    await tick();
    const [first] = open.values();
    first?.();
    await tick();
  };
  return { work, started, open, endOne, maxActive: () => maxActive };
}

function* counted(n: number, pulled: { count: number }) {
  for (let i = 1; i <= n; i++) {
    pulled.count++;
    yield i;
  }
}

describe('forEachPooled', () => {
  test('runs every item, at most size() at once, and follows size() as it changes', async () => {
    const g = gatedWork();
    let size = 2;
    const done = forEachPooled([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], () => size, g.work);
    await g.endOne();
    expect(g.open.size).toBe(2);
    size = 4;
    await g.endOne();
    expect(g.open.size).toBe(4);
    size = 1;
    while (g.open.size > 0) await g.endOne();
    await done;
    expect(g.started).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(g.maxActive()).toBe(4);
  });

  test('takes items as slots free up, not all at once', async () => {
    const g = gatedWork();
    const pulled = { count: 0 };
    const done = forEachPooled(counted(1000, pulled), () => 3, g.work);
    await g.endOne();
    expect(pulled.count).toBeLessThanOrEqual(5);
    while (g.open.size > 0) await g.endOne();
    await done;
    expect(pulled.count).toBe(1000);
  });

  test('after a stop no item starts; it resolves when those under way end', async () => {
    const g = gatedWork();
    const stop = new AbortController();
    const done = forEachPooled([1, 2, 3, 4, 5, 6], () => 2, g.work, stop.signal);
    await g.endOne();
    stop.abort();
    while (g.open.size > 0) await g.endOne();
    await done;
    expect(g.started).toEqual([1, 2, 3]);
  });

  test('rejects with the first error', async () => {
    const boom = new Error('boom');
    await expect(
      forEachPooled(
        [1, 2, 3],
        () => 2,
        async (i) => {
          if (i === 2) throw boom;
        },
      ),
    ).rejects.toBe(boom);
  });

  test('an empty list resolves at once', async () => {
    await expect(
      forEachPooled(
        [],
        () => 1,
        async () => {},
      ),
    ).resolves.toBeUndefined();
  });
});

describe('poolSize', () => {
  test("twice the governor's in-flight figure, within the cap; the cap without a governor", () => {
    let concurrency = 1;
    const governor = { stats: () => ({ concurrency }) };
    const size = poolSize(governor, 32);
    expect(size()).toBe(2);
    concurrency = 7;
    expect(size()).toBe(14);
    concurrency = 20;
    expect(size()).toBe(32);
    expect(poolSize({}, 16)()).toBe(16);
    expect(poolSize(undefined, 4)()).toBe(4);
  });
});
