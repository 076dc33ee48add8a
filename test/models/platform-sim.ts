/**
 * Deterministic simulation helpers: a fake clock, rate limiters as the platform might count (fixed window, sliding
 * window, token bucket) and a simulated API that answers through them with latency. Minutes of traffic run in a
 * fraction of a second, and the same seed gives the same run.
 */

import { createPrng } from '../../src/emulator/prng.js';
import type { ApiCall, ApiFailure, ApiOutcome, RateLimitHeaders } from '../../src/genesys/types.js';
import type { Clock } from '../../src/governor/clock.js';

interface Timer {
  at: number;
  seq: number;
  resolve: () => void;
  cancelled: boolean;
}

/** Lets every promise continuation that is ready run: microtasks drain before a macrotask. */
export const flush = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** A clock whose time moves only when told to. Timers fire in order of due time, then of creation. */
export class FakeClock implements Clock {
  private t: number;
  private seq = 0;
  private heap: Timer[] = [];
  private live = 0;

  constructor(start = 0) {
    this.t = start;
  }

  now(): number {
    return this.t;
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      if (signal?.aborted) {
        reject(signal.reason);
        return;
      }
      const onAbort = () => {
        if (timer.cancelled) return;
        timer.cancelled = true;
        this.live--;
        reject(signal?.reason);
      };
      const timer: Timer = {
        at: this.t + Math.max(0, ms),
        seq: this.seq++,
        cancelled: false,
        resolve: () => {
          signal?.removeEventListener('abort', onAbort);
          resolve();
        },
      };
      this.pushTimer(timer);
      this.live++;
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  /** Timers neither fired nor cancelled. */
  get pendingTimers(): number {
    return this.live;
  }

  nextTimerAt(): number | undefined {
    this.dropCancelled();
    return this.heap[0]?.at;
  }

  /** Fires the earliest timer, moving time to it, and lets what it wakes run. False when there is none. */
  async tick(): Promise<boolean> {
    this.dropCancelled();
    const timer = this.popTimer();
    if (!timer) return false;
    this.live--;
    this.t = Math.max(this.t, timer.at);
    timer.resolve();
    await flush();
    return true;
  }

  /** Moves time forward by `ms`, firing every timer due on the way. */
  async advance(ms: number): Promise<void> {
    const target = this.t + ms;
    await flush();
    for (;;) {
      const next = this.nextTimerAt();
      if (next === undefined || next > target) break;
      await this.tick();
    }
    this.t = target;
    await flush();
  }

  /** Runs timers until `done()` holds. Throws if nothing is left to run, or past `maxMs` of simulated time. */
  async runUntil(done: () => boolean, maxMs = 3_600_000): Promise<void> {
    const limit = this.t + maxMs;
    await flush();
    while (!done()) {
      const next = this.nextTimerAt();
      if (next === undefined) throw new Error(`Simulation stalled at t=${this.t}: no timer pending`);
      if (next > limit) throw new Error(`Simulation ran past ${maxMs} ms`);
      await this.tick();
    }
  }

  /** Runs until every promise has settled; returns their settled states. */
  async settle<T>(promises: Promise<T>[], maxMs?: number): Promise<PromiseSettledResult<T>[]> {
    let remaining = promises.length;
    const all = Promise.allSettled(
      promises.map((p) =>
        p.finally(() => {
          remaining--;
        }),
      ),
    );
    await this.runUntil(() => remaining === 0, maxMs);
    return all;
  }

  private dropCancelled(): void {
    while (this.heap.length > 0 && (this.heap[0] as Timer).cancelled) this.popTimer();
  }

  private less(a: Timer, b: Timer): boolean {
    return a.at < b.at || (a.at === b.at && a.seq < b.seq);
  }

  private pushTimer(timer: Timer): void {
    const h = this.heap;
    h.push(timer);
    let i = h.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.less(h[i] as Timer, h[parent] as Timer)) break;
      [h[i], h[parent]] = [h[parent] as Timer, h[i] as Timer];
      i = parent;
    }
  }

  private popTimer(): Timer | undefined {
    const h = this.heap;
    const top = h[0];
    const last = h.pop();
    if (h.length > 0 && last) {
      h[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < h.length && this.less(h[l] as Timer, h[m] as Timer)) m = l;
        if (r < h.length && this.less(h[r] as Timer, h[m] as Timer)) m = r;
        if (m === i) break;
        [h[i], h[m]] = [h[m] as Timer, h[i] as Timer];
        i = m;
      }
    }
    return top;
  }
}

/** Seeded uniform [0, 1) generator: the emulator's mulberry32, so the same seed gives the same numbers everywhere. */
export function seededRandom(seed: number): () => number {
  const prng = createPrng(seed);
  return () => prng.next();
}

export interface Admission {
  ok: boolean;
  /** Whole seconds, at least 1, on a refusal. */
  retryAfterSeconds?: number;
  headers: RateLimitHeaders;
}

/** A server-side rate limiter, asked once per request at the moment the request reaches the server. */
export interface Limiter {
  readonly name: string;
  admit(now: number): Admission;
  /** Changes the limit from now on (e.g. halves it mid-run). */
  setLimit(limit: number): void;
  /** Requests allowed per `windowMs` on average. */
  readonly limit: number;
  readonly windowMs: number;
}

const ceilSeconds = (ms: number): number => Math.ceil(Math.max(0, ms) / 1000);

/** Counts requests per aligned window; the count resets to 0 at each window's end, which `reset` counts down to. */
export class FixedWindowLimiter implements Limiter {
  readonly name = 'fixed window';
  private windowIndex = Number.NaN;
  private count = 0;

  constructor(
    public limit: number,
    readonly windowMs: number,
    private readonly originMs = 0,
  ) {}

  setLimit(limit: number): void {
    this.limit = limit;
  }

  admit(now: number): Admission {
    const index = Math.floor((now - this.originMs) / this.windowMs);
    if (index !== this.windowIndex) {
      this.windowIndex = index;
      this.count = 0;
    }
    const end = this.originMs + (index + 1) * this.windowMs;
    const ok = this.count < this.limit;
    if (ok) this.count++;
    const reset = ceilSeconds(end - now);
    const headers = { allowed: this.limit, count: this.count, resetSeconds: reset };
    return ok ? { ok, headers } : { ok, headers, retryAfterSeconds: Math.max(1, reset) };
  }
}

/**
 * Allows `limit` requests in any `windowMs`; a refusal waits until enough of the oldest have aged out. `reset` is
 * the time until the count is back to zero (the newest has aged out).
 */
export class SlidingWindowLimiter implements Limiter {
  readonly name = 'sliding window';
  private accepted: number[] = [];
  private head = 0;

  constructor(
    public limit: number,
    readonly windowMs: number,
  ) {}

  setLimit(limit: number): void {
    this.limit = limit;
  }

  admit(now: number): Admission {
    while (this.head < this.accepted.length && (this.accepted[this.head] as number) <= now - this.windowMs) this.head++;
    const inWindow = this.accepted.length - this.head;
    const ok = inWindow < this.limit;
    if (ok) this.accepted.push(now);
    const count = this.accepted.length - this.head;
    const newest = this.accepted.at(-1) ?? now;
    const headers = { allowed: this.limit, count, resetSeconds: ceilSeconds(newest + this.windowMs - now) };
    if (ok) return { ok, headers };
    const mustExpire = this.accepted[this.head + inWindow - this.limit] as number;
    return { ok, headers, retryAfterSeconds: Math.max(1, ceilSeconds(mustExpire + this.windowMs - now)) };
  }
}

/** A bucket of `limit` tokens refilled at `limit / windowMs`; `count` is the tokens used, `reset` the time to full. */
export class TokenBucketLimiter implements Limiter {
  readonly name = 'token bucket';
  private tokens: number;
  private at = Number.NaN;

  constructor(
    public limit: number,
    readonly windowMs: number,
  ) {
    this.tokens = limit;
  }

  setLimit(limit: number): void {
    this.limit = limit;
    this.tokens = Math.min(this.tokens, limit);
  }

  admit(now: number): Admission {
    const perMs = this.limit / this.windowMs;
    if (!Number.isNaN(this.at)) this.tokens = Math.min(this.limit, this.tokens + (now - this.at) * perMs);
    this.at = now;
    const ok = this.tokens >= 1;
    if (ok) this.tokens -= 1;
    const used = this.limit - this.tokens;
    const headers = { allowed: this.limit, count: Math.ceil(used), resetSeconds: ceilSeconds(used / perMs) };
    if (ok) return { ok, headers };
    return { ok, headers, retryAfterSeconds: Math.max(1, ceilSeconds((1 - this.tokens) / perMs)) };
  }
}

export interface SimApiOptions {
  clock: FakeClock;
  limiter: Limiter;
  /** Send `inin-ratelimit-*` on every response. Default true. */
  headers?: boolean;
  /**
   * Send them on a 429 too, as the emulator does (the platform does not promise them there). Default false: a 429's
   * headers must not be needed, and must not mislead when they come.
   */
  headersOn429?: boolean;
  /** Uniform latency range, ms; half is spent before the server counts the request. Default [20, 80]. */
  latencyMs?: [number, number];
  seed?: number;
}

/** The simulated API: every call goes through the limiter and records what the server saw. */
export class SimApi {
  readonly clock: FakeClock;
  readonly limiter: Limiter;
  /** Client send time of every request. */
  readonly sent: number[] = [];
  /** Server time of every accepted request. */
  readonly accepted: number[] = [];
  /** Server time of every 429. */
  readonly refused: number[] = [];
  inFlight = 0;
  maxInFlight = 0;
  private readonly headers: boolean;
  private readonly headersOn429: boolean;
  private readonly latency: [number, number];
  private readonly random: () => number;

  constructor(options: SimApiOptions) {
    this.clock = options.clock;
    this.limiter = options.limiter;
    this.headers = options.headers ?? true;
    this.headersOn429 = options.headersOn429 ?? false;
    this.latency = options.latencyMs ?? [20, 80];
    this.random = seededRandom(options.seed ?? 1);
  }

  readonly call: ApiCall<{ n: number }> = async (signal) => {
    const start = this.clock.now();
    this.sent.push(start);
    this.inFlight++;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    const [min, max] = this.latency;
    const latencyMs = min + this.random() * (max - min);
    try {
      await this.clock.sleep(latencyMs / 2, signal);
      const admission = this.limiter.admit(this.clock.now());
      (admission.ok ? this.accepted : this.refused).push(this.clock.now());
      await this.clock.sleep(latencyMs / 2, signal);
      const rateLimit = this.headers ? admission.headers : {};
      if (admission.ok) {
        return { ok: true, status: 200, body: { n: this.sent.length }, rateLimit, latencyMs };
      }
      return {
        ok: false,
        status: 429,
        kind: 'rate_limited',
        code: 'too.many.requests.retry.after',
        message: 'Rate limit exceeded the maximum.',
        rateLimit: this.headersOn429 ? rateLimit : {},
        retryAfterSeconds: admission.retryAfterSeconds,
        latencyMs,
      };
    } catch {
      return { ok: false, kind: 'network', message: 'aborted', rateLimit: {}, latencyMs: this.clock.now() - start };
    } finally {
      this.inFlight--;
    }
  };
}

/** Outcome builders for scripted calls. */
export function success<T>(body: T, extra: Partial<ApiOutcome<T>> = {}): ApiOutcome<T> {
  return { ok: true, status: 200, body, rateLimit: {}, latencyMs: 10, ...extra } as ApiOutcome<T>;
}

export function failure(kind: ApiFailure['kind'], extra: Partial<ApiFailure> = {}): ApiFailure {
  const status = {
    rate_limited: 429,
    conflict: 409,
    auth: 401,
    permission: 403,
    not_found: 404,
    invalid: 400,
    server: 503,
    network: undefined,
    timeout: undefined,
    redirect: 307,
    unexpected: 200,
  }[kind];
  return { ok: false, kind, status, message: kind, rateLimit: {}, latencyMs: 10, ...extra };
}

/** The most events in any half-open interval of `windowMs` (times sorted ascending). */
export function maxInAnyWindow(times: readonly number[], windowMs: number): number {
  let best = 0;
  let lo = 0;
  for (let hi = 0; hi < times.length; hi++) {
    while ((times[hi] as number) - (times[lo] as number) >= windowMs) lo++;
    best = Math.max(best, hi - lo + 1);
  }
  return best;
}

/** Differences between consecutive times. */
export function gaps(times: readonly number[]): number[] {
  return times.slice(1).map((t, i) => t - (times[i] as number));
}

/** An ApiCall that answers after `latencyMs` of fake time with what `answer` returns for the n-th call (from 1). */
export function scriptedCall<T>(
  clock: FakeClock,
  answer: (n: number, sentAt: number) => ApiOutcome<T>,
  latencyMs = 10,
): ApiCall<T> & { calls: number[] } {
  const calls: number[] = [];
  const call = async (signal?: AbortSignal): Promise<ApiOutcome<T>> => {
    const sentAt = clock.now();
    calls.push(sentAt);
    const n = calls.length;
    try {
      await clock.sleep(latencyMs, signal);
    } catch {
      return failure('network', { message: 'aborted', latencyMs: clock.now() - sentAt });
    }
    return { ...answer(n, sentAt), latencyMs };
  };
  return Object.assign(call, { calls });
}
