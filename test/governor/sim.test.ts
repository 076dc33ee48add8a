/** The simulation helpers are evidence for the governor's figures, so they are tested too. */
import { describe, expect, test } from 'vitest';
import {
  FakeClock,
  FixedWindowLimiter,
  gaps,
  maxInAnyWindow,
  SimApi,
  SlidingWindowLimiter,
  seededRandom,
  TokenBucketLimiter,
} from '../models/platform-sim.js';

describe('FakeClock', () => {
  test('fires timers in due order, then creation order, moving time to each', async () => {
    const clock = new FakeClock(100);
    const fired: string[] = [];
    void clock.sleep(30).then(() => fired.push(`b@${clock.now()}`));
    void clock.sleep(10).then(() => fired.push(`a@${clock.now()}`));
    void clock.sleep(30).then(() => fired.push(`c@${clock.now()}`));
    expect(clock.pendingTimers).toBe(3);
    await clock.advance(20);
    expect(fired).toEqual(['a@110']);
    expect(clock.now()).toBe(120);
    await clock.advance(100);
    expect(fired).toEqual(['a@110', 'b@130', 'c@130']);
    expect(clock.pendingTimers).toBe(0);
  });

  test('an abort rejects with the reason and removes the timer', async () => {
    const clock = new FakeClock();
    const controller = new AbortController();
    const sleeping = clock.sleep(1000, controller.signal).catch((err: unknown) => err);
    expect(clock.pendingTimers).toBe(1);
    controller.abort('why');
    expect(await sleeping).toBe('why');
    expect(clock.pendingTimers).toBe(0);
    expect(clock.nextTimerAt()).toBeUndefined();
    await expect(clock.sleep(5, AbortSignal.abort('early'))).rejects.toBe('early');
  });

  test('runUntil reports a stall instead of hanging', async () => {
    const clock = new FakeClock();
    await expect(clock.runUntil(() => false)).rejects.toThrow(/stalled/);
  });
});

describe('limiters', () => {
  test('fixed window: `limit` per aligned window, headers count up, Retry-After to the window end', () => {
    const limiter = new FixedWindowLimiter(3, 5000);
    expect([1000, 1500, 2000].map((t) => limiter.admit(t).ok)).toEqual([true, true, true]);
    expect(limiter.admit(2000).headers).toEqual({ allowed: 3, count: 3, resetSeconds: 3 });
    expect(limiter.admit(2100)).toMatchObject({ ok: false, retryAfterSeconds: 3 });
    expect(limiter.admit(4999.5)).toMatchObject({ ok: false, retryAfterSeconds: 1 });
    expect(limiter.admit(5000)).toMatchObject({ ok: true, headers: { count: 1, resetSeconds: 5 } });
  });

  test('sliding window: `limit` in any window; Retry-After until enough of the oldest age out', () => {
    const limiter = new SlidingWindowLimiter(3, 5000);
    for (const t of [0, 1000, 2000]) expect(limiter.admit(t).ok).toBe(true);
    expect(limiter.admit(4000)).toMatchObject({ ok: false, retryAfterSeconds: 1 });
    expect(limiter.admit(5000).ok).toBe(true);
    limiter.setLimit(1);
    // Three in the window (1000, 2000, 5000), limit 1: all three must age out, the last at 10000.
    expect(limiter.admit(5500)).toMatchObject({ ok: false, retryAfterSeconds: 5 });
    limiter.setLimit(2);
    // Limit 2: two must age out, the one at 2000 last, at 7000.
    expect(limiter.admit(5500)).toMatchObject({ ok: false, retryAfterSeconds: 2 });
  });

  test('token bucket: a burst of `limit`, then refill at limit per window', () => {
    const limiter = new TokenBucketLimiter(4, 2000);
    for (let i = 0; i < 4; i++) expect(limiter.admit(0).ok).toBe(true);
    expect(limiter.admit(0)).toMatchObject({ ok: false, retryAfterSeconds: 1, headers: { count: 4, resetSeconds: 2 } });
    expect(limiter.admit(499).ok).toBe(false);
    expect(limiter.admit(500).ok).toBe(true);
  });

  test.each([
    ['fixed', () => new FixedWindowLimiter(50, 1000)],
    ['sliding', () => new SlidingWindowLimiter(50, 1000)],
    ['bucket', () => new TokenBucketLimiter(50, 1000)],
  ])('%s refuses a burst over the limit and admits an even stream at it', (_name, make) => {
    const burst = make();
    const admitted = Array.from({ length: 100 }, () => burst.admit(10).ok).filter(Boolean).length;
    expect(admitted).toBe(50);
    const even = make();
    const refused = Array.from({ length: 500 }, (_, i) => even.admit(i * 20).ok).filter((okay) => !okay).length;
    expect(refused).toBe(0);
  });
});

describe('SimApi', () => {
  test('answers through the limiter after the latency, and records what the server saw', async () => {
    const clock = new FakeClock();
    const api = new SimApi({ clock, limiter: new FixedWindowLimiter(2, 60_000), latencyMs: [40, 40] });
    const outcomes = await clock.settle([api.call(), api.call(), api.call()]);
    expect(outcomes.map((o) => o.status === 'fulfilled' && o.value.status)).toEqual([200, 200, 429]);
    expect(outcomes[0]).toMatchObject({ value: { rateLimit: { allowed: 2, count: 1, resetSeconds: 60 } } });
    expect(outcomes[2]).toMatchObject({ value: { kind: 'rate_limited', retryAfterSeconds: 60, rateLimit: {} } });
    expect(api.accepted).toEqual([20, 20]);
    expect(api.refused).toEqual([20]);
    expect(api.maxInFlight).toBe(3);
    expect(clock.now()).toBe(40);
  });

  test('can hide the rate-limit headers', async () => {
    const clock = new FakeClock();
    const api = new SimApi({ clock, limiter: new FixedWindowLimiter(2, 60_000), headers: false });
    const [outcome] = await clock.settle([api.call()]);
    expect(outcome).toMatchObject({ value: { ok: true, rateLimit: {} } });
  });
});

describe('helpers', () => {
  test('seeded random repeats and stays in [0, 1)', () => {
    const a = seededRandom(9);
    const b = seededRandom(9);
    const draws = Array.from({ length: 1000 }, () => a());
    expect(draws.every((x) => x >= 0 && x < 1)).toBe(true);
    expect(Array.from({ length: 1000 }, () => b())).toEqual(draws);
  });

  test('maxInAnyWindow and gaps', () => {
    expect(maxInAnyWindow([0, 100, 999, 1000, 1500], 1000)).toBe(3);
    expect(gaps([0, 10, 25])).toEqual([10, 15]);
  });
});
