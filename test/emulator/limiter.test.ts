import { describe, expect, it } from 'vitest';
import {
  createLimiter,
  FixedWindowLimiter,
  type RateLimitAlgorithm,
  SlidingWindowLimiter,
  TokenBucketLimiter,
} from '../../src/emulator/limiter.js';
import { createPrng } from '../../src/emulator/prng.js';

describe('fixed window', () => {
  it('allows limit requests per window, then rejects until the window closes', () => {
    const l = new FixedWindowLimiter({ limit: 3, windowMs: 1000 });
    expect([0, 100, 200].map((t) => l.take(t))).toMatchObject([
      { allowed: true, count: 1, limit: 3, resetSeconds: 1 },
      { allowed: true, count: 2 },
      { allowed: true, count: 3 },
    ]);
    expect(l.take(300)).toEqual({ allowed: false, limit: 3, count: 3, resetSeconds: 1, retryAfterSeconds: 1 });
    expect(l.take(999).allowed).toBe(false);
    expect(l.take(1000)).toMatchObject({ allowed: true, count: 1 });
  });

  it('does not count rejected requests: hammering during a 429 neither helps nor extends it', () => {
    const l = new FixedWindowLimiter({ limit: 2, windowMs: 1000 });
    l.take(0);
    l.take(0);
    for (let t = 1; t < 1000; t += 3) expect(l.take(t).allowed).toBe(false);
    expect(l.take(1000)).toMatchObject({ allowed: true, count: 1 });
    expect(l.take(1001)).toMatchObject({ allowed: true, count: 2 });
  });

  it('reports the seconds left in the window as reset and Retry-After', () => {
    const l = new FixedWindowLimiter({ limit: 1, windowMs: 60_000 });
    expect(l.take(500).resetSeconds).toBe(60);
    expect(l.take(30_500)).toMatchObject({ allowed: false, resetSeconds: 30, retryAfterSeconds: 30 });
    expect(l.take(60_499)).toMatchObject({ allowed: false, retryAfterSeconds: 1 });
    expect(l.take(60_500).allowed).toBe(true);
  });

  it('applies a new limit and window at once, keeping what was counted', () => {
    const l = new FixedWindowLimiter({ limit: 5, windowMs: 10_000 });
    for (let i = 0; i < 3; i++) l.take(0);
    l.configure({ limit: 2, windowMs: 10_000 });
    expect(l.take(10)).toMatchObject({ allowed: false, count: 3, limit: 2 });
    l.configure({ limit: 2, windowMs: 1_000 });
    expect(l.take(999).allowed).toBe(false);
    expect(l.take(1_000)).toMatchObject({ allowed: true, count: 1, limit: 2 });
  });
});

describe('sliding window', () => {
  it('frees a slot when the oldest request leaves the window', () => {
    const l = new SlidingWindowLimiter({ limit: 3, windowMs: 1000 });
    expect([0, 400, 800].map((t) => l.take(t).allowed)).toEqual([true, true, true]);
    expect(l.take(900)).toEqual({ allowed: false, limit: 3, count: 3, resetSeconds: 1, retryAfterSeconds: 1 });
    expect(l.take(1000)).toMatchObject({ allowed: true, count: 3 });
    expect(l.take(1100).allowed).toBe(false);
    expect(l.take(1400)).toMatchObject({ allowed: true, count: 3 });
  });

  it('gives Retry-After to the oldest slot and reset to the newest', () => {
    const l = new SlidingWindowLimiter({ limit: 2, windowMs: 10_000 });
    l.take(0);
    expect(l.take(5_000)).toMatchObject({ allowed: true, count: 2, resetSeconds: 10 });
    expect(l.take(6_000)).toMatchObject({ allowed: false, retryAfterSeconds: 4, resetSeconds: 9 });
    expect(l.take(9_999).allowed).toBe(false);
    expect(l.take(10_000)).toMatchObject({ allowed: true, count: 2 });
  });

  it('does not count rejected requests', () => {
    const l = new SlidingWindowLimiter({ limit: 1, windowMs: 1000 });
    l.take(0);
    for (let t = 1; t < 1000; t += 7) l.take(t);
    expect(l.take(1000)).toMatchObject({ allowed: true, count: 1 });
  });

  it('after a lower limit, waits for enough old requests to leave', () => {
    const l = new SlidingWindowLimiter({ limit: 4, windowMs: 1000 });
    for (const t of [0, 100, 200, 300]) l.take(t);
    l.configure({ limit: 2, windowMs: 1000 }, 400);
    // Three of the four must leave for a new one to fit under 2: the one at 200 leaves at 1200.
    expect(l.take(400)).toMatchObject({ allowed: false, count: 4, retryAfterSeconds: 1 });
    expect(l.take(1099).allowed).toBe(false);
    expect(l.take(1100)).toMatchObject({ allowed: false, count: 2 });
    expect(l.take(1200)).toMatchObject({ allowed: true, count: 2 });
  });

  it('stays correct across many windows (the log is compacted)', () => {
    const l = new SlidingWindowLimiter({ limit: 10, windowMs: 100 });
    let allowed = 0;
    for (let t = 0; t < 10_000; t++) if (l.take(t).allowed) allowed++;
    // 10 per 100 ms over 10 s.
    expect(allowed).toBe(1000);
  });
});

describe('token bucket', () => {
  it('starts full, then refills limit per window continuously', () => {
    const l = new TokenBucketLimiter({ limit: 4, windowMs: 1000 });
    expect([0, 0, 0, 0].map((t) => l.take(t).count)).toEqual([1, 2, 3, 4]);
    expect(l.take(0)).toEqual({ allowed: false, limit: 4, count: 4, resetSeconds: 1, retryAfterSeconds: 1 });
    expect(l.take(249).allowed).toBe(false);
    expect(l.take(250)).toMatchObject({ allowed: true, count: 4 });
    // 500 ms later two tokens are back.
    expect(l.take(750)).toMatchObject({ allowed: true, count: 3 });
    expect(l.take(750)).toMatchObject({ allowed: true, count: 4 });
    expect(l.take(750).allowed).toBe(false);
  });

  it('does not count rejected requests', () => {
    const l = new TokenBucketLimiter({ limit: 1, windowMs: 1000 });
    l.take(0);
    for (let t = 0; t < 1000; t += 9) l.take(t);
    expect(l.take(1000).allowed).toBe(true);
  });

  it('reports reset as the time to refill completely', () => {
    const l = new TokenBucketLimiter({ limit: 300, windowMs: 60_000 });
    for (let i = 0; i < 300; i++) l.take(0);
    expect(l.take(0)).toMatchObject({ allowed: false, resetSeconds: 60, retryAfterSeconds: 1, count: 300 });
    expect(l.take(30_000)).toMatchObject({ allowed: true, count: 151 });
  });

  it('clamps the tokens to a lower capacity', () => {
    const l = new TokenBucketLimiter({ limit: 10, windowMs: 1000 });
    l.configure({ limit: 2, windowMs: 1000 }, 0);
    expect([l.take(0).allowed, l.take(0).allowed, l.take(0).allowed]).toEqual([true, true, false]);
    expect(l.take(0).retryAfterSeconds).toBe(1);
  });
});

describe('every algorithm', () => {
  const algorithms: RateLimitAlgorithm[] = ['fixed', 'sliding', 'bucket'];

  it.each(algorithms)('%s: Retry-After is enough, and not a whole second too long', (algorithm) => {
    const config = { limit: 5, windowMs: 4_000 };
    const prng = createPrng(42);
    // Bursty arrivals: a rejection can come at any point of a window.
    const times: number[] = [];
    for (let t = 0; times.length < 120; ) {
      t += prng.chance(0.3) ? prng.int(0, 3_000) : prng.int(0, 40);
      times.push(t);
    }
    const replay = (upTo: number) => {
      const limiter = createLimiter(algorithm, config);
      for (let i = 0; i < upTo; i++) limiter.take(times[i] as number);
      return limiter;
    };
    let rejections = 0;
    const live = createLimiter(algorithm, config);
    times.forEach((t, i) => {
      const decision = live.take(t);
      expect(decision.count).toBeLessThanOrEqual(decision.limit);
      expect(decision.resetSeconds).toBeGreaterThanOrEqual(1);
      if (decision.allowed) {
        expect(decision.retryAfterSeconds).toBe(0);
        return;
      }
      rejections++;
      const r = decision.retryAfterSeconds;
      expect(r).toBeGreaterThanOrEqual(1);
      expect(replay(i + 1).take(t + r * 1000).allowed).toBe(true);
      if (r > 1) expect(replay(i + 1).take(t + (r - 1) * 1000 - 1).allowed).toBe(false);
    });
    expect(rejections).toBeGreaterThan(10);
  });

  it.each(algorithms)('%s: rejects a bad configuration', (algorithm) => {
    expect(() => createLimiter(algorithm, { limit: 0, windowMs: 1000 })).toThrow(/limit must be a positive integer/);
    expect(() => createLimiter(algorithm, { limit: 1, windowMs: 0 })).toThrow(/window must be positive/);
  });
});
