/**
 * Each request's retry loop is p-retry, wrapped thinly, because p-retry alone cannot carry the governor's policy:
 * - it sleeps with its own `setTimeout` and measures with `performance.now()`: no injectable clock, so the tests could
 *   not run hours of backoff on a fake clock;
 * - its backoff is `random(1..2) · min · factor^n` from `Math.random`, not full jitter from an injected source;
 * - each call waits on its own: it cannot express "every request waits out the Retry-After of any 429" (the flaw of
 *   octokit's throttling plugin, its issue #629), a retry budget shared by all requests, or one login for everyone.
 * So p-retry's own delay is zero and it runs the loop: `shouldRetry` is the outcome classifier's (`disposition`),
 * `onFailedAttempt` awaits the governor's gate (the budget and the limits, the backoff or the login, on the injected
 * clock; a 429's shared pause then holds the retry's start in the scheduler, ahead of fresh work), and the request's
 * signal goes to p-retry and to every wait, so an abort cancels a pending backoff.
 */
import pRetry, { AbortError } from 'p-retry';
import type { ApiCall, ApiFailure, ApiOutcome } from '../genesys/types.js';
import type { Permit } from './model.js';
import { mayHaveActed } from './retry.js';
import type { ExecuteResult } from './types.js';

/** Where one request stands, for the gate's limits and for the error a stop ends it with. */
export interface RequestState {
  attempts: number;
  last: ApiFailure | undefined;
  /** Server, network and timeout failures so far. */
  transientFailures: number;
  /** 429s in a row, and the time spent waiting on their pauses. */
  rateLimited: number;
  rateLimitWaitMs: number;
  authRetries: number;
}

/** What the loop needs of the governor. */
export interface RetryGate {
  /** Waits for this request's turn to start an attempt (pace, pause, slot, login); retries go ahead of fresh work. */
  start(
    signal: AbortSignal | undefined,
    request: RequestState,
  ): Promise<{ permit: Permit } | { loginFailure: ApiFailure }>;
  send<T>(call: ApiCall<T>, permit: Permit, signal: AbortSignal | undefined, attempt: number): Promise<ApiOutcome<T>>;
  /** The classifier: whether this failure is worth another attempt at all. */
  retryable(outcome: ApiFailure): boolean;
  /** Before another attempt: charges it and waits as the policy says; throws a `FailedAttempt` to give up. */
  beforeRetry(failure: FailedAttempt, signal: AbortSignal | undefined, request: RequestState): Promise<void>;
  finish<T>(outcome: ApiOutcome<T>, attempts: number): ExecuteResult<T>;
}

/** An attempt's failure as p-retry sees it. Never leaves the governor: `execute` resolves with the outcome. */
export class FailedAttempt extends Error {
  constructor(
    readonly outcome: ApiFailure,
    /** The attempt's start; none for a failure that came from the login gate. */
    readonly permit?: Permit,
  ) {
    super('attempt failed');
    this.name = 'FailedAttempt';
  }
}

export async function withRetries<T>(
  gate: RetryGate,
  call: ApiCall<T>,
  signal: AbortSignal | undefined,
  /** See ExecuteOptions.unrepeatable. */
  unrepeatable = false,
): Promise<ExecuteResult<T>> {
  const request: RequestState = {
    attempts: 0,
    last: undefined,
    transientFailures: 0,
    rateLimited: 0,
    rateLimitWaitMs: 0,
    authRetries: 0,
  };
  // An abort, a stop, or what a call threw ends the loop as it is: p-retry's AbortError carries it out unchanged.
  let escaped: { error: unknown } | undefined;
  const carryOut = (error: unknown): never => {
    escaped = { error };
    throw new AbortError('escaped');
  };
  const retryable = (error: Error) =>
    error instanceof FailedAttempt &&
    gate.retryable(error.outcome) &&
    !(unrepeatable && mayHaveActed(error.outcome) && !error.outcome.login);
  try {
    const outcome = await pRetry(
      async (): Promise<ApiOutcome<T>> => {
        const grant = await gate.start(signal, request).catch(carryOut);
        if ('loginFailure' in grant) return grant.loginFailure;
        request.attempts++;
        const outcome = await gate.send(call, grant.permit, signal, request.attempts).catch(carryOut);
        if (!outcome.ok) throw new FailedAttempt(outcome, grant.permit);
        return outcome;
      },
      {
        retries: Number.POSITIVE_INFINITY,
        minTimeout: 0,
        signal,
        shouldRetry: ({ error }) => retryable(error),
        onFailedAttempt: async ({ error }) => {
          if (retryable(error)) await gate.beforeRetry(error as FailedAttempt, signal, request);
        },
      },
    );
    return gate.finish(outcome, request.attempts);
  } catch (error) {
    if (escaped) throw escaped.error;
    if (error instanceof FailedAttempt) return gate.finish(error.outcome, request.attempts);
    throw error;
  }
}
