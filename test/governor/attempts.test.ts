import { describe, expect, test } from 'vitest';
import type { ApiCall, ApiFailure, ApiOutcome, ErrorKind } from '../../src/genesys/types.js';
import { FailedAttempt, type RequestState, type RetryGate, withRetries } from '../../src/governor/attempts.js';
import { failure, success } from '../models/platform-sim.js';

/** A gate that starts at once, answers from a script, and records what the loop asked of it. */
function scriptedGate(answers: ApiOutcome<string>[], retryable: (o: ApiFailure) => boolean) {
  const asked: string[] = [];
  let n = 0;
  const gate: RetryGate = {
    async start(_signal, request: RequestState) {
      asked.push(`start:${request.attempts}`);
      return { permit: { generation: 0, startedAt: 0, index: n } };
    },
    async send<T>(call: ApiCall<T>) {
      return call(undefined);
    },
    retryable,
    async beforeRetry(failed: FailedAttempt) {
      asked.push(`gate:${failed.outcome.kind}`);
    },
    finish: (outcome, attempts) => ({ outcome, attempts }),
  };
  const call = (async () => answers[n++] as ApiOutcome<string>) as ApiCall<string>;
  return { gate, call, asked };
}

describe('the p-retry loop around one request', () => {
  const byClassifier = (o: ApiFailure) =>
    (['server', 'network', 'timeout', 'rate_limited'] as ErrorKind[]).includes(o.kind);

  test('retries what the classifier retries, passing the gate before each retry, and ends on a success', async () => {
    const { gate, call, asked } = scriptedGate(
      [failure('server'), failure('rate_limited'), failure('network'), success('done')],
      byClassifier,
    );
    const result = await withRetries(gate, call, undefined);
    expect(result).toMatchObject({ outcome: { ok: true, body: 'done' }, attempts: 4 });
    expect(asked).toEqual([
      'start:0',
      'gate:server',
      'start:1',
      'gate:rate_limited',
      'start:2',
      'gate:network',
      'start:3',
    ]);
  });

  test.each(['invalid', 'permission', 'not_found', 'conflict'] as ErrorKind[])(
    'a %s failure is returned after one attempt, without passing the gate',
    async (kind) => {
      const { gate, call, asked } = scriptedGate([failure(kind), success('never')], byClassifier);
      const result = await withRetries(gate, call, undefined);
      expect(result).toMatchObject({ outcome: { ok: false, kind }, attempts: 1 });
      expect(asked).toEqual(['start:0']);
    },
  );

  test('a gate that gives up ends the loop with the outcome it gives', async () => {
    const { gate, call } = scriptedGate([failure('server'), success('never')], byClassifier);
    const last = failure('auth', { message: 'login failed' });
    gate.beforeRetry = async () => {
      throw new FailedAttempt(last);
    };
    expect(await withRetries(gate, call, undefined)).toEqual({ outcome: last, attempts: 1 });
  });

  test('what a call throws, and an abort, come out unchanged, whatever they are', async () => {
    const { gate } = scriptedGate([], byClassifier);
    const thrown = { not: 'an Error' };
    await expect(withRetries(gate, (async () => Promise.reject(thrown)) as ApiCall<string>, undefined)).rejects.toBe(
      thrown,
    );
    const stop = new AbortController();
    const reason = new Error('stopped by the user');
    stop.abort(reason);
    await expect(withRetries(gate, (async () => success('x')) as ApiCall<string>, stop.signal)).rejects.toBe(reason);
  });
});
