/**
 * Obtaining the tokens of a pool once, before the run (issue #12): one login per lane, one after another, each
 * retried through the same p-retry loop as every request (attempts.ts). The token endpoint has a limit of its own
 * (its figure is unconfirmed): a 429 from it holds every later login for its Retry-After, and a 5xx backs off with
 * full jitter. A refused connection, bad credentials or a missing permission are not retried: they are the
 * configuration's, and the run stops at once as it always has.
 *
 * The first token is required; after it, a lane the endpoint keeps refusing for longer than `maxWaitMs` is given up,
 * and the run goes on with the lanes it has (the caller says so).
 */
import type { ApiFailure, ApiOutcome } from '../genesys/types.js';
import { type FailedAttempt, type RequestState, type RetryGate, withRetries } from './attempts.js';
import type { Clock } from './clock.js';
import type { Permit } from './model.js';
import { DEFAULTS } from './options.js';
import { backoffDelay } from './retry.js';
import { sleepUnlessAborted } from './waits.js';

export interface AcquireOptions {
  clock: Clock;
  random?: () => number;
  /** Attempts per login for 5xx answers, the first included. Default 6. */
  maxAttempts?: number;
  /** Longest wait on the token endpoint's 429s for one lane beyond the first. Default 60 s. */
  maxWaitMs?: number;
  signal?: AbortSignal;
  /** Told each time the token endpoint's 429 holds the login of `lane` (from 0) for `waitMs`. */
  onWait?: (lane: number, waitMs: number) => void;
}

export interface Acquired {
  /** Lanes 0..obtained-1 hold a token. */
  obtained: number;
  /** Why the next lane has none (the first lane's failure when obtained is 0). */
  failure?: ApiFailure;
}

const DEFAULT_MAX_WAIT_MS = 60_000;

export async function acquireTokens(
  count: number,
  login: (lane: number, signal?: AbortSignal) => Promise<ApiOutcome<unknown>>,
  options: AcquireOptions,
): Promise<Acquired> {
  const { clock, signal } = options;
  const random = options.random ?? Math.random;
  const maxAttempts = options.maxAttempts ?? DEFAULTS.maxAttempts;
  const maxWaitMs = options.maxWaitMs ?? DEFAULT_MAX_WAIT_MS;
  /** The token endpoint's 429 holds every later login until then. */
  let pausedUntil = Number.NEGATIVE_INFINITY;
  let index = 0;
  const stop = { signal: signal ?? new AbortController().signal, error: () => signal?.reason };

  for (let lane = 0; lane < count; lane++) {
    const gate: RetryGate = {
      async start(startSignal) {
        const wait = pausedUntil - clock.now();
        if (wait > 0) await sleepUnlessAborted(clock, wait, startSignal, stop);
        const permit: Permit = { generation: 0, startedAt: clock.now(), index: index++ };
        return { permit };
      },
      send: (call, _permit, sendSignal) => call(sendSignal),
      retryable: (outcome) => outcome.kind === 'rate_limited' || outcome.kind === 'server',
      async beforeRetry(failure: FailedAttempt, retrySignal, request: RequestState) {
        const { outcome } = failure;
        const now = clock.now();
        if (outcome.kind === 'rate_limited') {
          request.rateLimited++;
          const waitMs = backoffDelay(
            outcome,
            request.rateLimited - 1,
            DEFAULTS.backoffBaseMs,
            DEFAULTS.backoffCapMs,
            random,
          );
          request.rateLimitWaitMs += waitMs;
          // The first token is worth any wait the endpoint asks for, within the usual count of 429s.
          const over =
            lane > 0 ? request.rateLimitWaitMs > maxWaitMs : request.rateLimited > DEFAULTS.maxRateLimitRetries;
          if (over) throw failure;
          pausedUntil = Math.max(pausedUntil, now + waitMs);
          options.onWait?.(lane, waitMs);
          return;
        }
        request.transientFailures++;
        if (request.transientFailures >= maxAttempts) throw failure;
        const delay = backoffDelay(
          outcome,
          request.transientFailures - 1,
          DEFAULTS.backoffBaseMs,
          DEFAULTS.backoffCapMs,
          random,
        );
        await sleepUnlessAborted(clock, delay, retrySignal, stop);
      },
      finish: (outcome, attempts) => ({ outcome, attempts }),
    };
    const { outcome } = await withRetries(gate, (callSignal) => login(lane, callSignal), signal);
    if (!outcome.ok) return { obtained: lane, failure: outcome };
  }
  return { obtained: count };
}
