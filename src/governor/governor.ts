/**
 * The mechanism: one scheduler decides when each attempt may start (pace, global pause, in-flight bound, login),
 * and one loop per request decides what to do with each outcome. The policy it applies lives in pacing.ts and
 * retry.ts.
 *
 * Why neither p-limit nor p-retry:
 * - The in-flight bound is decided in the same place as the pace, the 429 pause and the login gate, from one queue
 *   in which retries go ahead of fresh work (a request that met a 429 resumes first, not behind thousands of rows).
 *   p-limit's queue is FIFO only and cannot drop one waiter on abort (only `clearQueue()` for all), so an aborted
 *   request would keep its place; layering a pace gate before or after it either burns slots while waiting for the
 *   pace or lets requests paced apart start together when slots free up.
 * - p-retry sleeps with its own `setTimeout` and `performance.now()` (no injectable clock), waits
 *   `random(1..2) * min * factor^n` rather than full jitter, has no shared budget, and each call waits on its own:
 *   it cannot express "every worker waits for the Retry-After of any 429", the flaw of octokit's throttling plugin
 *   (its issue #629). A 429 here moves the shared `pausedUntil`, which the scheduler applies to every start.
 */
import type { ApiCall, ApiFailure, ApiOutcome } from '../genesys/types.js';
import { resolveOptions } from './options.js';
import {
  type Discovery,
  discoveryRate,
  FIXED_WINDOW_MARGIN,
  type HeaderModel,
  headerPace,
  latencyEwma,
  littleConcurrency,
  measuredRate,
  observeHeaders,
  type Pace,
  startDiscovery,
  throttled,
} from './pacing.js';
import { WaitQueue } from './queue.js';
import {
  backoffDelay,
  createBudget,
  depositSuccess,
  disposition,
  fullJitterDelay,
  renewLeadMs,
  withdrawRetry,
} from './retry.js';
import {
  type ExecuteResult,
  type GiveUpReason,
  type Governor,
  type GovernorEvent,
  type GovernorOptions,
  type GovernorStats,
  GovernorStoppedError,
  type RateSource,
} from './types.js';

interface Permit {
  /** Login generation the attempt was sent with. */
  generation: number;
  startedAt: number;
  /** Sequence number of the start, from 0. */
  index: number;
}

type Grant = { permit: Permit } | { loginFailure: ApiFailure };

interface Waiter {
  cancelled: boolean;
  grant(grant: Grant): void;
  stop(): void;
}

/** A timer that fires this late still keeps its pace slot, so timer lag does not slow the average rate. */
const LATE_TOLERANCE_MS = 20;
/** Starts kept to measure the rate actually achieved when a 429 arrives. */
const MEASURE_SPAN_MS = 2000;
/** A 401 re-authenticates at most this often for one request, even when each new token works for others. */
const MAX_AUTH_RETRIES = 3;
/** A rate event is emitted when the rate moves by more than this fraction, or concurrency or source changes. */
const RATE_EVENT_STEP = 0.05;

export function createGovernor(options?: GovernorOptions): Governor {
  const o = resolveOptions(options);
  const { clock } = o;

  let source: RateSource = 'initial';
  let headers: HeaderModel | undefined;
  /** Without headers: the rate. With headers: a ceiling after 429s the headers did not predict. */
  let discovery: Discovery | undefined;
  /** Starts before this index were sent before the last decrease. */
  let decreasedAtStart = 0;
  let latencyMs: number | undefined;
  let concurrency = 1;
  let lastRateEvent: { rate: number; concurrency: number; source: RateSource } | undefined;
  const recentStarts: number[] = [];

  const retryQueue = new WaitQueue<Waiter>();
  const freshQueue = new WaitQueue<Waiter>();
  let inFlight = 0;
  let starts = 0;
  let lastSlot = Number.NEGATIVE_INFINITY;
  let pausedUntil = Number.NEGATIVE_INFINITY;
  let rateLimitStreak = 0;
  let timer: { at: number; cancel: AbortController } | undefined;
  let dispatching = false;
  let stopped = false;
  const stopSignal = new AbortController();

  let generation = 0;
  let generationFromLogin = false;
  let generationWorked = false;
  let login: Promise<ApiFailure | undefined> | undefined;
  let loginFailure: ApiFailure | undefined;
  let seenExpiry: number | undefined;
  let tokenLifetimeMs: number | undefined;
  let renewedFor: number | undefined;

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
    pausedMs: 0,
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

  function pace(now: number): Pace {
    if (headers) {
      const fromHeaders = headerPace(headers, now, starts, headers.fixed ? FIXED_WINDOW_MARGIN : o.safetyMargin);
      if (!discovery) return fromHeaders;
      return { ...fromHeaders, ratePerSecond: Math.min(fromHeaders.ratePerSecond, discoveryRate(discovery, now)) };
    }
    if (discovery) return { ratePerSecond: discoveryRate(discovery, now) };
    return { ratePerSecond: o.initialRatePerSecond };
  }

  function updateRate(now: number): void {
    const rate = pace(now).ratePerSecond;
    concurrency = littleConcurrency(rate, latencyMs, o.maxConcurrency, concurrency);
    const last = lastRateEvent;
    if (
      last &&
      last.concurrency === concurrency &&
      last.source === source &&
      Math.abs(rate - last.rate) <= last.rate * RATE_EVENT_STEP
    ) {
      return;
    }
    lastRateEvent = { rate, concurrency, source };
    emit({ type: 'rate', at: now, requestsPerSecond: rate, concurrency, source });
  }

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

  function renewalDue(now: number): boolean {
    if (!o.reauthenticate || !o.tokenExpiresAt) return false;
    const expiresAt = o.tokenExpiresAt();
    if (expiresAt === undefined) return false;
    if (expiresAt !== seenExpiry) {
      seenExpiry = expiresAt;
      tokenLifetimeMs = expiresAt - now;
    }
    if (renewedFor === expiresAt) return false;
    if (now < expiresAt - renewLeadMs(tokenLifetimeMs, o.renewBeforeMs)) return false;
    renewedFor = expiresAt;
    return true;
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
        if (loginFailure) {
          take().grant({ loginFailure });
          continue;
        }
        const now = clock.now();
        if (login) return;
        if (renewalDue(now)) {
          void ensureLogin('expiry');
          return;
        }
        if (inFlight >= concurrency) return;
        const { ratePerSecond, holdUntil = Number.NEGATIVE_INFINITY } = pace(now);
        const interval = 1000 / ratePerSecond;
        const due = lastSlot + interval;
        const at = Math.max(due, pausedUntil, holdUntil);
        if (now < at) {
          armTimer(at, now);
          return;
        }
        // Keep the ideal slot when the pace alone held this start and the wake-up was only a little late;
        // otherwise (after idling, a pause or a hold) start a fresh schedule now, so no backlog bursts out.
        const keepSlot =
          due >= Math.max(pausedUntil, holdUntil) && now - due <= Math.min(interval / 2, LATE_TOLERANCE_MS);
        lastSlot = keepSlot ? due : now;
        const permit: Permit = { generation, startedAt: now, index: starts };
        starts++;
        inFlight++;
        totals.requests++;
        recentStarts.push(now);
        while ((recentStarts[0] as number) <= now - MEASURE_SPAN_MS) recentStarts.shift();
        take().grant({ permit });
      }
    } finally {
      dispatching = false;
    }
  }

  function take(): Waiter {
    return (retryQueue.size > 0 ? retryQueue.shift() : freshQueue.shift()) as Waiter;
  }

  function acquire(
    signal: AbortSignal | undefined,
    isRetry: boolean,
    attempts: number,
    last: ApiFailure | undefined,
  ): Promise<Grant> {
    if (stopped) return Promise.reject(new GovernorStoppedError(attempts, last));
    const queue = isRetry ? retryQueue : freshQueue;
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

  function extendPause(until: number, now: number, retryAfterSeconds: number | undefined): void {
    if (until <= pausedUntil) return;
    totals.pausedMs += until - Math.max(pausedUntil, now);
    pausedUntil = until;
    emit({ type: 'pause', at: now, untilMs: until, retryAfterSeconds });
  }

  function onRateLimited(outcome: ApiFailure, permit: Permit, now: number): void {
    rateLimitStreak++;
    const retryAfter = outcome.retryAfterSeconds;
    const windowEnd = headers?.quota?.endsAt;
    let until: number;
    if (retryAfter !== undefined && Number.isFinite(retryAfter) && retryAfter >= 0) until = now + retryAfter * 1000;
    else if (windowEnd !== undefined && windowEnd > now) until = windowEnd;
    else until = now + fullJitterDelay(rateLimitStreak - 1, o.backoffBaseMs, o.backoffCapMs, o.random);
    extendPause(until, now, retryAfter);
    // Requests sent before the last slow-down report the old pace: one congestion event, one decrease.
    if (permit.index < decreasedAtStart) return;
    const paced = pace(permit.startedAt).ratePerSecond;
    // A slow-start ramp runs ahead of its own average: the pace at the refused start is the rate that failed.
    const measured =
      discovery?.phase === 'slow_start'
        ? undefined
        : measuredRate(recentStarts, now, MEASURE_SPAN_MS, Math.max(250, 3000 / paced));
    const failedAt = measured === undefined ? paced : Math.min(paced, measured);
    discovery = throttled(discovery, failedAt, Math.max(now, pausedUntil));
    decreasedAtStart = starts;
  }

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
    // Little's law wants the time a request holds its slot, which is more than the HTTP latency when the call does
    // work of its own first (the run layer makes its journal entry durable inside the call, before sending).
    const held = now - permit.startedAt;
    if (Number.isFinite(held) && held >= 0) latencyMs = latencyEwma(latencyMs, Math.max(held, outcome.latencyMs || 0));
    const unauthorized = !outcome.ok && outcome.kind === 'auth';
    if (!unauthorized && outcome.status !== undefined && permit.generation === generation) generationWorked = true;

    const previousAllowed = headers?.allowed;
    headers = observeHeaders(headers, outcome.rateLimit ?? {}, now, permit.index);
    if (headers) {
      // The slow start is no ceiling, and a new `allowed` makes any ceiling learned from 429s obsolete.
      if (source !== 'headers' || headers.allowed !== previousAllowed) discovery = undefined;
      source = 'headers';
    } else if (source === 'initial') {
      source = 'discovered';
      discovery = startDiscovery(o.initialRatePerSecond, now);
    }

    if (outcome.ok) {
      totals.successes++;
      rateLimitStreak = 0;
      budget = depositSuccess(budget);
    } else if (outcome.kind === 'rate_limited') {
      totals.rateLimited++;
      onRateLimited(outcome, permit, now);
    }
    updateRate(now);
  }

  async function send<T>(
    call: ApiCall<T>,
    permit: Permit,
    signal: AbortSignal | undefined,
    attempt: number,
  ): Promise<ApiOutcome<T>> {
    let outcome: ApiOutcome<T>;
    try {
      outcome = await call(signal);
    } catch (err) {
      inFlight--;
      dispatch();
      settleIdle();
      throw err;
    }
    inFlight--;
    observe(outcome, permit, attempt);
    dispatch();
    settleIdle();
    return outcome;
  }

  // ---- authentication -----------------------------------------------------------------------------------------

  function ensureLogin(trigger: 'expiry' | 'unauthorized'): Promise<ApiFailure | undefined> {
    if (loginFailure) return Promise.resolve(loginFailure);
    login ??= runLogin(trigger).finally(() => {
      login = undefined;
      dispatch();
    });
    return login;
  }

  async function runLogin(trigger: 'expiry' | 'unauthorized'): Promise<ApiFailure | undefined> {
    for (let attempt = 1; ; attempt++) {
      let outcome: ApiOutcome<unknown>;
      try {
        outcome = await (o.reauthenticate as () => Promise<ApiOutcome<unknown>>)();
      } catch (err) {
        const message = err instanceof Error ? err.message : String(err);
        outcome = {
          ok: false,
          kind: 'auth',
          message: `Re-authentication failed: ${message}`,
          rateLimit: {},
          latencyMs: 0,
        };
      }
      const now = clock.now();
      if (outcome.ok) {
        generation++;
        generationFromLogin = true;
        generationWorked = false;
        totals.reauths++;
        emit({ type: 'reauth', at: now, ok: true, trigger });
        return undefined;
      }
      const transient = disposition(outcome) === 'backoff' || outcome.kind === 'rate_limited';
      if (transient && attempt < o.maxAttempts && !stopped) {
        try {
          await clock.sleep(
            backoffDelay(outcome, attempt - 1, o.backoffBaseMs, o.backoffCapMs, o.random),
            stopSignal.signal,
          );
          continue;
        } catch {
          // Stopped while waiting to log in again: this failure is the last word.
        }
      }
      loginFailure = outcome;
      totals.reauthFailures++;
      emit({ type: 'reauth', at: now, ok: false, trigger, kind: outcome.kind });
      return outcome;
    }
  }

  // ---- requests -----------------------------------------------------------------------------------------------

  function finish<T>(outcome: ApiOutcome<T>, attempts: number): ExecuteResult<T> {
    if (!outcome.ok) totals.failures[outcome.kind] = (totals.failures[outcome.kind] ?? 0) + 1;
    return { outcome, attempts };
  }

  function giveUp<T>(reason: GiveUpReason, outcome: ApiFailure, attempts: number): ExecuteResult<T> {
    emit({ type: 'give_up', at: clock.now(), reason, kind: outcome.kind, attempt: attempts });
    return finish(outcome, attempts);
  }

  function whileWaiting<V>(
    promise: Promise<V>,
    signal: AbortSignal | undefined,
    attempts: number,
    last: ApiFailure | undefined,
    untilStopped: boolean,
  ): Promise<V> {
    if (!signal && !untilStopped) return promise;
    return new Promise<V>((resolve, reject) => {
      const onAbort = () => {
        cleanup();
        reject(signal?.reason);
      };
      const onStop = () => {
        cleanup();
        reject(new GovernorStoppedError(attempts, last));
      };
      const cleanup = () => {
        signal?.removeEventListener('abort', onAbort);
        stopSignal.signal.removeEventListener('abort', onStop);
      };
      if (signal?.aborted) return onAbort();
      if (untilStopped && stopped) return onStop();
      signal?.addEventListener('abort', onAbort, { once: true });
      if (untilStopped) stopSignal.signal.addEventListener('abort', onStop, { once: true });
      promise.then(
        (value) => {
          cleanup();
          resolve(value);
        },
        (err) => {
          cleanup();
          reject(err);
        },
      );
    });
  }

  async function sleepFor(
    ms: number,
    signal: AbortSignal | undefined,
    attempts: number,
    last: ApiFailure,
  ): Promise<void> {
    const cancel = new AbortController();
    const onAbort = () => cancel.abort(signal?.reason);
    const onStop = () => cancel.abort(new GovernorStoppedError(attempts, last));
    if (signal?.aborted) onAbort();
    else if (stopped) onStop();
    signal?.addEventListener('abort', onAbort, { once: true });
    stopSignal.signal.addEventListener('abort', onStop, { once: true });
    try {
      await clock.sleep(ms, cancel.signal);
    } finally {
      signal?.removeEventListener('abort', onAbort);
      stopSignal.signal.removeEventListener('abort', onStop);
    }
  }

  async function run<T>(call: ApiCall<T>, signal: AbortSignal | undefined): Promise<ExecuteResult<T>> {
    let attempts = 0;
    let transientFailures = 0;
    let consecutive429 = 0;
    let rateLimitWaitMs = 0;
    let authRetries = 0;
    let last: ApiFailure | undefined;
    for (;;) {
      const grant = await acquire(signal, attempts > 0, attempts, last);
      if ('loginFailure' in grant) return finish(grant.loginFailure, attempts);
      attempts++;
      const outcome = await whileWaiting(send(call, grant.permit, signal, attempts), signal, attempts, last, false);
      const next = disposition(outcome);
      if (next === 'done' || outcome.ok) return finish(outcome, attempts);
      last = outcome;
      const now = clock.now();

      if (next === 'rate_limited') {
        consecutive429++;
        const waitMs = Math.max(0, pausedUntil - now);
        if (consecutive429 > o.maxRateLimitRetries || rateLimitWaitMs + waitMs > o.maxRateLimitWaitMs) {
          return giveUp('rate_limit', outcome, attempts);
        }
        rateLimitWaitMs += waitMs;
        totals.retries++;
        emit({ type: 'retry', at: now, reason: outcome.kind, delayMs: waitMs, attempt: attempts });
        continue;
      }
      consecutive429 = 0;

      if (next === 'reauth') {
        if (!o.reauthenticate) return finish(outcome, attempts);
        const sentWith = grant.permit.generation;
        // A 401 on a token fresh from a login that has not worked for anyone: the credentials themselves are bad.
        const freshTokenRefused = sentWith === generation && generationFromLogin && !generationWorked && !login;
        if (freshTokenRefused || authRetries >= MAX_AUTH_RETRIES) return giveUp('auth', outcome, attempts);
        authRetries++;
        if (sentWith === generation) {
          const failure = await whileWaiting(ensureLogin('unauthorized'), signal, attempts, last, true);
          if (failure) return finish(failure, attempts);
        }
        totals.retries++;
        emit({ type: 'retry', at: clock.now(), reason: outcome.kind, delayMs: 0, attempt: attempts });
        continue;
      }

      transientFailures++;
      if (transientFailures >= o.maxAttempts) return giveUp('attempts', outcome, attempts);
      const paid = withdrawRetry(budget);
      if (!paid) return giveUp('budget', outcome, attempts);
      budget = paid;
      const delayMs = backoffDelay(outcome, transientFailures - 1, o.backoffBaseMs, o.backoffCapMs, o.random);
      totals.retries++;
      emit({ type: 'retry', at: now, reason: outcome.kind, delayMs, attempt: attempts });
      await sleepFor(delayMs, signal, attempts, outcome);
    }
  }

  function settleIdle(): void {
    if (pending > 0 || inFlight > 0 || idleWaiters.length === 0) return;
    const waiters = idleWaiters;
    idleWaiters = [];
    for (const resolve of waiters) resolve();
  }

  updateRate(clock.now());

  return {
    async execute<T>(call: ApiCall<T>, opts?: { signal?: AbortSignal }): Promise<ExecuteResult<T>> {
      const signal = opts?.signal;
      signal?.throwIfAborted();
      if (stopped) throw new GovernorStoppedError(0);
      pending++;
      try {
        return await run(call, signal);
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
        requestsPerSecond: pace(now).ratePerSecond,
        concurrency,
        source,
        inFlight,
        queued: retryQueue.size + freshQueue.size,
        pausedMs: totals.pausedMs - Math.max(0, pausedUntil - now),
        retryTokens: budget.tokens,
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
