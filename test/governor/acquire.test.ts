/** Obtaining a pool's tokens once (issue #12), on the fake clock: within the token endpoint's own limit. */
import { describe, expect, test } from 'vitest';
import type { ApiOutcome } from '../../src/genesys/types.js';
import { acquireTokens } from '../../src/governor/acquire.js';
import { FakeClock, seededRandom } from '../models/platform-sim.js';

const ok: ApiOutcome<unknown> = { ok: true, status: 200, body: {}, rateLimit: {}, latencyMs: 10 };
const limited = (retryAfterSeconds: number): ApiOutcome<unknown> => ({
  ok: false,
  kind: 'rate_limited',
  status: 429,
  code: 'too.many.requests.retry.after',
  message: 'slow down',
  rateLimit: {},
  retryAfterSeconds,
  latencyMs: 10,
  login: true,
});

function endpoint(clock: FakeClock, answer: (call: number, lane: number) => ApiOutcome<unknown>) {
  const calls: { lane: number; at: number }[] = [];
  const login = async (lane: number) => {
    calls.push({ lane, at: clock.now() });
    await clock.sleep(10);
    return answer(calls.length, lane);
  };
  return { calls, login };
}

describe('acquireTokens', () => {
  test('logs each lane in once, one after another, waiting out the endpoint Retry-After for every later one', async () => {
    const clock = new FakeClock(0);
    // The endpoint issues two tokens, then asks for 30 s.
    const { calls, login } = endpoint(clock, (n) => (n === 3 ? limited(30) : ok));
    const [result] = await clock.settle([acquireTokens(4, login, { clock, random: seededRandom(1) })]);
    expect(result).toEqual({ status: 'fulfilled', value: { obtained: 4 } });
    expect(calls.map((c) => c.lane)).toEqual([0, 1, 2, 2, 3]);
    expect((calls[3] as { at: number }).at - (calls[2] as { at: number }).at).toBeGreaterThanOrEqual(30_000);
  });

  test('backs off on a 5xx and tries again', async () => {
    const clock = new FakeClock(0);
    const failure: ApiOutcome<unknown> = {
      ok: false,
      kind: 'server',
      status: 503,
      message: 'x',
      rateLimit: {},
      latencyMs: 1,
    };
    const { calls, login } = endpoint(clock, (n) => (n <= 2 ? failure : ok));
    const [result] = await clock.settle([acquireTokens(2, login, { clock, random: seededRandom(1) })]);
    expect(result).toEqual({ status: 'fulfilled', value: { obtained: 2 } });
    expect(calls.map((c) => c.lane)).toEqual([0, 0, 0, 1]);
  });

  test('bad credentials end it at once, with no token', async () => {
    const clock = new FakeClock(0);
    const refused: ApiOutcome<unknown> = {
      ok: false,
      kind: 'auth',
      status: 401,
      message: 'no',
      rateLimit: {},
      latencyMs: 1,
    };
    const { calls, login } = endpoint(clock, () => refused);
    const [result] = await clock.settle([acquireTokens(3, login, { clock })]);
    expect(result).toEqual({ status: 'fulfilled', value: { obtained: 0, failure: refused } });
    expect(calls).toHaveLength(1);
  });

  test('a later lane refused for longer than maxWaitMs is given up: the run keeps the tokens it has', async () => {
    const clock = new FakeClock(0);
    const { login } = endpoint(clock, (_, lane) => (lane >= 2 ? limited(40) : ok));
    const [result] = await clock.settle([acquireTokens(5, login, { clock, maxWaitMs: 60_000 })]);
    expect(result).toMatchObject({ status: 'fulfilled', value: { obtained: 2, failure: { kind: 'rate_limited' } } });
  });

  test('an abort while waiting on the endpoint rejects with its reason', async () => {
    const clock = new FakeClock(0);
    const stop = new AbortController();
    const { login } = endpoint(clock, (n) => (n === 1 ? limited(30) : ok));
    const pending = acquireTokens(2, login, { clock, signal: stop.signal });
    await clock.advance(1000);
    stop.abort(new Error('stopped'));
    await expect(pending).rejects.toThrow('stopped');
  });
});
