import { describe, expect, test } from 'vitest';
import type { ApiOutcome } from '../../src/genesys/types.js';
import { RateModel } from '../../src/governor/model.js';
import { resolveOptions } from '../../src/governor/options.js';
import { FakeClock, failure, success } from '../models/platform-sim.js';

/** Drives a RateModel by hand: each start at the first moment it allows, answered `latencyMs` later. */
function driver() {
  const model = new RateModel(resolveOptions({ clock: new FakeClock(0) }), () => {});
  let now = 0;
  const start = (): { index: number; startedAt: number } => {
    for (;;) {
      const next = model.tryStart(now);
      if ('index' in next) return { index: next.index, startedAt: now };
      now = next.notBefore;
    }
  };
  const send = (outcome: ApiOutcome<unknown>, latencyMs = 20): void => {
    const { index, startedAt } = start();
    now += latencyMs;
    model.observe(outcome, { generation: 0, startedAt, index }, now);
  };
  return {
    model,
    send,
    at: () => now,
    wait: (ms: number) => {
      now += ms;
    },
  };
}

/** A small bucket's headers, as a stale limiter gives them: `count` requests counted when it last looked. */
const stale = (count: number) => success('ok', { rateLimit: { allowed: 3, count, resetSeconds: 1 } });

describe('the lag of stale headers', () => {
  test('is measured from the first start, through a 429 pause that came before the first count above 0', () => {
    const d = driver();
    while (d.at() < 1000) d.send(stale(0));
    d.send(failure('rate_limited', { retryAfterSeconds: 1, rateLimit: { allowed: 3, count: 0, resetSeconds: 1 } }));
    expect(d.model.pausedUntil).toBeGreaterThan(d.at() + 900);
    d.send(stale(0));
    d.send(stale(2));
    // The first count above 0 came about 2.1 s after the first start: the pause taken for idle made it 150 ms.
    expect(d.model.headersLagMs).toBeGreaterThan(2000);
    expect(d.model.headersLagMs).toBeLessThanOrEqual(d.at());
  });

  test('is measured from the first start after an idle span (reads before writes), not from the run start', () => {
    const d = driver();
    for (let i = 0; i < 5; i++) d.send(stale(0));
    d.wait(5000);
    const resumedAt = d.at();
    for (let i = 0; i < 5; i++) d.send(stale(0));
    d.send(stale(1));
    expect(d.model.headersLagMs).toBeGreaterThan(0);
    expect(d.model.headersLagMs).toBeLessThanOrEqual(d.at() - resumedAt);
  });
});

describe('the unit of a scaled count', () => {
  test('a first count over half of allowed, shown again on a start from zero, is one request: a bucket of one paced past its reset', () => {
    const d = driver();
    // A bucket of one request, its count scaled to a quota of 100: every request taken from zero shows 100 of 100.
    const one = success('ok', { rateLimit: { allowed: 100, count: 100, resetSeconds: 1 } });
    while (d.at() < 6000) d.send(one);
    // Read as 100 requests of 100, each answer held the next to its whole-second reset: 6 starts in 6 s.
    expect(d.model.starts).toBeGreaterThan(30);
  });

  test('a first count over half of allowed that rises by one a request is a count others raised: paced on what is left', () => {
    const d = driver();
    // A fixed window of 300 per 60 s another client had taken 200 of: ours count on from there.
    let count = 200;
    while (d.at() < 10_000) {
      const resetSeconds = Math.ceil((60_000 - d.at()) / 1000);
      d.send(success('ok', { rateLimit: { allowed: 300, count: ++count, resetSeconds } }));
    }
    // 200 taken as one request's worth would make a quota of 1.5 requests a window: held at a request a minute.
    expect(d.model.starts).toBeGreaterThan(30);
    expect(d.model.pace(d.at()).ratePerSecond).toBeGreaterThan(1);
  });
});
