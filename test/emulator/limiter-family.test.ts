/** The limiter family: the algorithms added for issue #12 and the header models, pure on a hand-moved clock. */
import { describe, expect, it } from 'vitest';
import { memberLabel, sampleFamily } from '../../src/emulator/family.js';
import {
  burstCapacity,
  ClockFixedWindowLimiter,
  createLimiter,
  GcraLimiter,
  RATE_LIMIT_ALGORITHMS,
  SlidingCounterLimiter,
  TokenBucketLimiter,
} from '../../src/emulator/limiter.js';
import { HEADER_MODELS, presentLimiter } from '../../src/emulator/rate-headers.js';

describe('burst', () => {
  it('sizes a bucket as a share of the quota, at least one request', () => {
    expect(burstCapacity({ limit: 100, windowMs: 5000, burst: 0.1 })).toBe(10);
    expect(burstCapacity({ limit: 100, windowMs: 5000, burst: 0.001 })).toBe(1);
    expect(burstCapacity({ limit: 100, windowMs: 5000 })).toBe(100);
    expect(() => createLimiter('bucket', { limit: 10, windowMs: 1000, burst: 0 })).toThrow(/burst must be in/);
    expect(() => createLimiter('gcra', { limit: 10, windowMs: 1000, burst: 1.5 })).toThrow(/burst must be in/);
  });

  it.each([
    ['bucket', () => new TokenBucketLimiter({ limit: 100, windowMs: 5000, burst: 0.1 })],
    ['gcra', () => new GcraLimiter({ limit: 100, windowMs: 5000, burst: 0.1 })],
  ])('%s with a 10%% burst: 10 at once, then one per 50 ms, and headers in its own units', (_name, make) => {
    const l = make();
    const burst = Array.from({ length: 12 }, () => l.take(1000));
    expect(burst.filter((d) => d.allowed)).toHaveLength(10);
    expect(burst[9]).toMatchObject({ limit: 10, count: 10, resetSeconds: 1 });
    expect(burst[10]).toMatchObject({ allowed: false, retryAfterSeconds: 1 });
    expect(l.take(1049).allowed).toBe(false);
    expect(l.take(1050).allowed).toBe(true);
    // An even stream at the quota's rate is never refused, however small the burst.
    const even = make();
    expect(Array.from({ length: 400 }, (_, i) => even.take(i * 50).allowed).every(Boolean)).toBe(true);
  });
});

describe('fixed window aligned to the clock', () => {
  it('closes at the clock boundary, not a window after the first request', () => {
    const l = new ClockFixedWindowLimiter({ limit: 2, windowMs: 1000, originMs: 300 });
    expect(l.take(1200)).toMatchObject({ allowed: true, count: 1, resetSeconds: 1 });
    expect(l.take(1250).allowed).toBe(true);
    expect(l.take(1299)).toMatchObject({ allowed: false, retryAfterSeconds: 1 });
    // The window that opened at 300 + 1000 closes at 1300: a fresh quota at once.
    expect(l.take(1300)).toMatchObject({ allowed: true, count: 1 });
  });
});

describe('sliding-window counter', () => {
  it('weights the previous window by its overlap with the last window', () => {
    const l = new SlidingCounterLimiter({ limit: 10, windowMs: 1000 });
    for (let i = 0; i < 10; i++) expect(l.take(500 + i).allowed).toBe(true);
    expect(l.take(999)).toMatchObject({ allowed: false });
    // At 1500 half of the previous window overlaps: 5 weighted, so 5 more fit.
    const next = Array.from({ length: 7 }, () => l.take(1500).allowed).filter(Boolean);
    expect(next).toHaveLength(5);
    const refused = l.take(1500);
    expect(refused.allowed).toBe(false);
    // Capacity for one more returns once another tenth of the old window has aged out: 100 ms, rounded up.
    expect(refused.retryAfterSeconds).toBe(1);
    expect(l.take(1600).allowed).toBe(true);
  });
});

describe('header models', () => {
  const config = { limit: 100, windowMs: 5000, burst: 0.1 };

  it('truthful: the limiter as it counts; absent: nothing', () => {
    const truthful = presentLimiter('bucket', config, { model: 'truthful' });
    expect(truthful.take(0).headers).toEqual({ allowed: 10, count: 1, resetSeconds: 1 });
    expect(presentLimiter('bucket', config, { model: 'absent' }).take(0).headers).toBeUndefined();
  });

  it('scaled: the quota and a count in its units, with the true reset', () => {
    const l = presentLimiter('bucket', config, { model: 'scaled' });
    for (let i = 0; i < 4; i++) l.take(0);
    expect(l.take(0).headers).toEqual({ allowed: 100, count: 50, resetSeconds: 1 });
    // For a window the quota is its own unit: the same as truthful.
    const w = presentLimiter('sliding', { limit: 100, windowMs: 5000 }, { model: 'scaled' });
    expect(w.take(0).headers).toEqual({ allowed: 100, count: 1, resetSeconds: 5 });
  });

  it('stale: the headers of `lagMs` ago (a zero count before anything is that old)', () => {
    const l = presentLimiter('fixed', { limit: 100, windowMs: 5000 }, { model: 'stale', lagMs: 1000 });
    expect(l.take(0).headers).toMatchObject({ count: 0 });
    expect(l.take(500).headers).toMatchObject({ count: 0 });
    expect(l.take(1000).headers).toMatchObject({ count: 1, resetSeconds: 5 });
    expect(l.take(1600).headers).toMatchObject({ count: 2 });
    // The decision itself is never stale.
    expect(l.take(1700).count).toBe(5);
  });
});

describe('the family sample', () => {
  it('is seeded, and any 12 cover every algorithm and header model', () => {
    const a = sampleFamily(7, 12, 5000);
    expect(sampleFamily(7, 12, 5000)).toEqual(a);
    expect(new Set(a.map((m) => m.algorithm))).toEqual(new Set(RATE_LIMIT_ALGORITHMS));
    expect(new Set(a.map((m) => m.headers))).toEqual(new Set(HEADER_MODELS));
    for (const m of a) {
      if (m.burst !== undefined) expect(m.burst).toBeGreaterThanOrEqual(0.01);
      if (m.burst !== undefined) expect(m.burst).toBeLessThanOrEqual(1);
    }
    expect(memberLabel({ algorithm: 'bucket', burst: 0.1, headers: 'scaled' })).toBe('bucket burst=10% headers=scaled');
  });

  // 1% under the quota: a sliding-window counter, being an estimate, refuses the odd request of a stream right at it.
  it('every member answers an even stream just under its quota without a refusal', () => {
    for (const m of sampleFamily(3, 24, 5000)) {
      const l = presentLimiter(
        m.algorithm,
        { limit: 100, windowMs: 5000, burst: m.burst ?? 1, originMs: m.originMs ?? 0 },
        { model: m.headers, lagMs: m.headerLagMs ?? 1000 },
      );
      const refused = Array.from({ length: 300 }, (_, i) => l.take(i * 50.5)).filter((d) => !d.allowed);
      expect(refused, memberLabel(m)).toHaveLength(0);
    }
  });
});
