/**
 * The mechanism: one scheduler decides when each attempt may start (pace, shared pause, in-flight bound, login), and
 * each request's retry loop (attempts.ts, p-retry) asks the gate here what to do with each failure. The policy lives in
 * pacing.ts, discovery.ts, check.ts and retry.ts, the rate model in model.ts, the login in login.ts.
 *
 * The in-flight bound stays in the scheduler rather than in p-limit: it is decided in the same place as the pace, the
 * pause and the login, from one queue in which retries go ahead of fresh work, and an aborted waiter leaves it at once
 * (p-limit's queue is FIFO only, and drops waiters only all together). The run layer's p-limit pools of rows sit on top,
 * sized from this bound (`stats().concurrency`).
 */
import { setMaxListeners } from 'node:events';
import type { ApiCall, ApiFailure, ApiOutcome } from '../genesys/types.js';
import { FailedAttempt, type RequestState, type RetryGate, withRetries } from './attempts.js';
import { LanePool } from './lanes.js';
import type { Permit } from './model.js';
import { resolveOptions } from './options.js';
import { WaitQueue } from './queue.js';
import { backoffDelay, createBudget, depositSuccess, disposition, withdrawRetry } from './retry.js';
import {
  type ExecuteOptions,
  type ExecuteResult,
  type GiveUpReason,
  type Governor,
  type GovernorEvent,
  type GovernorOptions,
  type GovernorStats,
  GovernorStoppedError,
} from './types.js';
import { type StopWatch, sleepUnlessAborted, unlessAborted } from './waits.js';

type Grant = { permit: Permit } | { loginFailure: ApiFailure };

interface Waiter {
  cancelled: boolean;
  grant(grant: Grant): void;
  stop(): void;
}

/** A 401 re-authenticates at most this often for one request, even when each new token works for others. */
const MAX_AUTH_RETRIES = 3;

export function createGovernor(options?: GovernorOptions): Governor {
  const o = resolveOptions(options);
  const { clock } = o;

  const retryQueue = new WaitQueue<Waiter>();
  const freshQueue = new WaitQueue<Waiter>();
  let inFlight = 0;
  let timer: { at: number; cancel: AbortController } | undefined;
  let dispatching = false;
  let stopped = false;
  const stopSignal = new AbortController();
  // Every request waiting in a backoff listens for the stop: a retry storm has hundreds at once, and that is no leak.
  setMaxListeners(0, stopSignal.signal);

  let budget = createBudget(o.retryBudget);
  let pending = 0;
  let idleWaiters: (() => void)[] = [];
  const totals = {
    requests: 0,
    successes: 0,
    rateLimited: 0,
    retries: 0,
    reauths: 0,
    reauthFailures: 0,
    failures: {} as GovernorStats['failures'],
  };

  function emit(event: GovernorEvent): void {
    if (!o.onEvent) return;
    try {
      o.onEvent(event);
    } catch (err) {
      // A listener's bug must not leave the scheduler half-updated, nor be swallowed: report it and go on.
      process.emitWarning(err instanceof Error ? err : new Error(String(err)));
    }
  }

  // One lane per token (lanes.ts): each with its own rate model, 429 pause and login; one lane without `tokens`.
  const pool = new LanePool(o, emit, stopSignal.signal, totals, () => dispatch(), o.tokens);

  // ---- scheduler ----------------------------------------------------------------------------------------------

  function cancelTimer(): void {
    timer?.cancel.abort();
    timer = undefined;
  }

  function armTimer(at: number, now: number): void {
    if (timer && timer.at <= at) return;
    cancelTimer();
    const cancel = new AbortController();
    timer = { at, cancel };
    clock.sleep(at - now, cancel.signal).then(
      () => {
        if (timer?.cancel === cancel) timer = undefined;
        dispatch();
      },
      () => {},
    );
  }

  function dispatch(): void {
    if (dispatching) return;
    dispatching = true;
    try {
      for (;;) {
        const head = retryQueue.peek() ?? freshQueue.peek();
        if (!head) {
          cancelTimer();
          return;
        }
        const failure = pool.failure;
        if (failure) {
          take().grant({ loginFailure: failure });
          continue;
        }
        const now = clock.now();
        const start = pool.next(now);
        if ('wait' in start) return;
        if ('notBefore' in start) {
          armTimer(start.notBefore, now);
          return;
        }
        inFlight++;
        totals.requests++;
        take().grant({ permit: start.permit });
      }
    } finally {
      dispatching = false;
    }
  }

  function take(): Waiter {
    return (retryQueue.size > 0 ? retryQueue.shift() : freshQueue.shift()) as Waiter;
  }

  function acquire(signal: AbortSignal | undefined, request: RequestState): Promise<Grant> {
    const { attempts, last } = request;
    if (stopped) return Promise.reject(new GovernorStoppedError(attempts, last));
    const queue = attempts > 0 ? retryQueue : freshQueue;
    return new Promise<Grant>((resolve, reject) => {
      const onAbort = () => {
        queue.cancel(waiter);
        reject(signal?.reason);
        dispatch();
      };
      const waiter: Waiter = {
        cancelled: false,
        grant: (grant) => {
          signal?.removeEventListener('abort', onAbort);
          resolve(grant);
        },
        stop: () => {
          signal?.removeEventListener('abort', onAbort);
          reject(new GovernorStoppedError(attempts, last));
        },
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      queue.push(waiter);
      dispatch();
    });
  }

  // ---- outcomes -----------------------------------------------------------------------------------------------

  function observe(outcome: ApiOutcome<unknown>, permit: Permit, attempt: number): void {
    const now = clock.now();
    emit({
      type: 'response',
      at: now,
      status: outcome.status,
      ok: outcome.ok,
      kind: outcome.ok ? undefined : outcome.kind,
      latencyMs: outcome.latencyMs,
      attempt,
    });
    if (outcome.ok) {
      totals.successes++;
      budget = depositSuccess(budget);
    } else if (outcome.kind === 'rate_limited') {
      totals.rateLimited++;
    }
    pool.observe(outcome, permit, now);
  }

  // ---- the gate each failed attempt passes before the next ------------------------------------------------------

  function giveUp(reason: GiveUpReason, failure: FailedAttempt, attempts: number): never {
    emit({ type: 'give_up', at: clock.now(), reason, kind: failure.outcome.kind, attempt: attempts });
    throw failure;
  }

  function retried(at: number, outcome: ApiFailure, delayMs: number, attempt: number): void {
    totals.retries++;
    emit({ type: 'retry', at, reason: outcome.kind, delayMs, attempt });
  }

  const stopWatch = (request: RequestState): StopWatch => ({
    signal: stopSignal.signal,
    error: () => new GovernorStoppedError(request.attempts, request.last),
  });

  const gate: RetryGate = {
    start: acquire,

    send: (call, permit, signal, attempt) => unlessAborted(sendWith(call, permit, signal, attempt), signal, undefined),

    retryable(outcome) {
      const next = disposition(outcome);
      return next !== 'done' && (next !== 'reauth' || o.reauthenticate !== undefined || o.tokens !== undefined);
    },

    async beforeRetry(failure, signal, request) {
      const { outcome } = failure;
      const { attempts } = request;
      request.last = outcome;
      const now = clock.now();
      const next = disposition(outcome);

      if (next === 'rate_limited') {
        request.rateLimited++;
        const waitMs = Math.max(0, pool.restartAt(now) - now);
        if (request.rateLimited > o.maxRateLimitRetries || request.rateLimitWaitMs + waitMs > o.maxRateLimitWaitMs) {
          giveUp('rate_limit', failure, attempts);
        }
        request.rateLimitWaitMs += waitMs;
        // No wait here: the pause holds the starts it covers, this retry's too, which goes first when one may start.
        retried(now, outcome, waitMs, attempts);
        return;
      }
      request.rateLimited = 0;

      if (next === 'reauth') {
        const permit = failure.permit as Permit;
        const login = pool.loginOf(permit);
        const sentWith = permit.generation;
        if (login.freshTokenRefused(sentWith)) {
          // The credentials did not work for this lane's new token: other lanes may still carry the request.
          if (!pool.otherLaneReady(login)) giveUp('auth', failure, attempts);
          login.refused(outcome);
        }
        // With lanes, a request may meet a 401 once on each before a new token works.
        if (request.authRetries >= MAX_AUTH_RETRIES + pool.size - 1) giveUp('auth', failure, attempts);
        request.authRetries++;
        const relogin = sentWith === login.generation ? login.ensure('unauthorized') : undefined;
        // Another lane that can take the request now is not kept waiting for this lane's login, which the token
        // endpoint may hold for minutes; a lane whose login failed is left out, until every lane's has.
        if (relogin && !pool.otherLaneReady(login)) {
          const loginFailure = await unlessAborted(relogin, signal, stopWatch(request));
          if (loginFailure && pool.failure) throw new FailedAttempt(loginFailure);
        }
        retried(clock.now(), outcome, 0, attempts);
        return;
      }

      request.transientFailures++;
      if (request.transientFailures >= o.maxAttempts) giveUp('attempts', failure, attempts);
      const paid = withdrawRetry(budget);
      if (!paid) giveUp('budget', failure, attempts);
      budget = paid;
      const delayMs = backoffDelay(outcome, request.transientFailures - 1, o.backoffBaseMs, o.backoffCapMs, o.random);
      retried(now, outcome, delayMs, attempts);
      await sleepUnlessAborted(clock, delayMs, signal, stopWatch(request));
    },

    finish(outcome, attempts) {
      if (!outcome.ok) totals.failures[outcome.kind] = (totals.failures[outcome.kind] ?? 0) + 1;
      return { outcome, attempts };
    },
  };

  async function sendWith<T>(
    call: ApiCall<T>,
    permit: Permit,
    signal: AbortSignal | undefined,
    attempt: number,
  ): Promise<ApiOutcome<T>> {
    let outcome: ApiOutcome<T>;
    try {
      outcome = o.tokens ? await o.tokens.run(pool.laneOf(permit), () => call(signal)) : await call(signal);
    } catch (err) {
      pool.released(permit);
      inFlight--;
      dispatch();
      settleIdle();
      throw err;
    }
    pool.released(permit);
    inFlight--;
    observe(outcome, permit, attempt);
    dispatch();
    settleIdle();
    return outcome;
  }

  function settleIdle(): void {
    if (pending > 0 || inFlight > 0) return;
    pool.idle();
    if (idleWaiters.length === 0) return;
    const waiters = idleWaiters;
    idleWaiters = [];
    for (const resolve of waiters) resolve();
  }

  return {
    async execute<T>(call: ApiCall<T>, opts?: ExecuteOptions): Promise<ExecuteResult<T>> {
      const signal = opts?.signal;
      signal?.throwIfAborted();
      if (stopped) throw new GovernorStoppedError(0);
      pending++;
      try {
        return await withRetries(gate, call, signal, opts?.unrepeatable === true);
      } finally {
        pending--;
        settleIdle();
      }
    },

    stats(): GovernorStats {
      const now = clock.now();
      return {
        requests: totals.requests,
        successes: totals.successes,
        rateLimited: totals.rateLimited,
        retries: totals.retries,
        failures: { ...totals.failures },
        reauths: totals.reauths,
        reauthFailures: totals.reauthFailures,
        requestsPerSecond: pool.ratePerSecond(now),
        concurrency: pool.concurrency(),
        source: (pool.lanes[0] as (typeof pool.lanes)[number]).model.source,
        inFlight,
        queued: retryQueue.size + freshQueue.size,
        pausedMs: pool.pausedMs(now),
        retryTokens: budget.tokens,
        ...(pool.size > 1 && { lanes: pool.laneStats(now) }),
      };
    },

    stopStarting(): void {
      if (stopped) return;
      stopped = true;
      stopSignal.abort();
      cancelTimer();
      for (const waiter of [...retryQueue.drain(), ...freshQueue.drain()]) waiter.stop();
      settleIdle();
    },

    idle(): Promise<void> {
      if (pending === 0 && inFlight === 0) return Promise.resolve();
      return new Promise<void>((resolve) => idleWaiters.push(resolve));
    },
  };
}
