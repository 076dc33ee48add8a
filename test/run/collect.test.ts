import { describe, expect, it } from 'vitest';
import { COLLECT_FROM, collectGarbage } from '../../src/run/collect.js';

/** A WeakRef to an object nothing else holds, made in a job of its own (a WeakRef's target lives to its job's end). */
async function abandoned(): Promise<WeakRef<object>> {
  const ref = new WeakRef({ rows: Array.from({ length: 10_000 }, (_, i) => ({ i })) });
  await new Promise((resolve) => setImmediate(resolve));
  return ref;
}

describe('collectGarbage', () => {
  it('collects what nothing holds any more, before it resolves', async () => {
    const ref = await abandoned();
    const held = await abandoned();
    const keep = held.deref();
    await collectGarbage();
    expect(ref.deref()).toBeUndefined();
    expect(held.deref()).toBe(keep);
  });

  it('leaves a small phase to V8: no collection below COLLECT_FROM rows, one from it', async () => {
    const ref = await abandoned();
    await collectGarbage(COLLECT_FROM - 1);
    expect(ref.deref()).toBeDefined();
    await collectGarbage(COLLECT_FROM);
    expect(ref.deref()).toBeUndefined();
  });
});
