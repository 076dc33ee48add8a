/**
 * Rate-limit algorithms, pure: every method takes the current time (ms, any monotonic origin) as a parameter.
 * A rejected request never consumes capacity in any algorithm: a client that keeps sending during a 429 simply
 * gets nothing until capacity returns, and its rejected requests do not push that moment further away.
 */

export type RateLimitAlgorithm = 'fixed' | 'fixed-clock' | 'sliding' | 'sliding-counter' | 'bucket' | 'gcra';

export const RATE_LIMIT_ALGORITHMS: readonly RateLimitAlgorithm[] = [
  'fixed',
  'fixed-clock',
  'sliding',
  'sliding-counter',
  'bucket',
  'gcra',
];

export interface RateLimitConfig {
  /** Requests allowed per window: the window's quota (the bucket and GCRA refill this many per window). */
  limit: number;
  /** Window length in ms (for the bucket: the time to refill the whole quota). */
  windowMs: number;
  /**
   * Bucket and GCRA: the burst, as a fraction of the quota in (0, 1]: capacity `max(1, round(burst × limit))`.
   * Default 1 (a bucket that holds a whole window's quota). Ignored by the windows.
   */
  burst?: number;
  /** `fixed-clock`: windows start at `originMs + k × windowMs` on the limiter's clock. Default 0. */
  originMs?: number;
}

export interface RateDecision {
  allowed: boolean;
  /** `inin-ratelimit-allowed` as the limiter itself counts: the quota, or a bucket's capacity. */
  limit: number;
  /** `inin-ratelimit-count`: requests counted against the current window, this one included when allowed. */
  count: number;
  /** `inin-ratelimit-reset`: whole seconds until the count is back to zero. */
  resetSeconds: number;
  /** `Retry-After` for a rejected request: whole seconds (≥ 1) after which a request will be allowed. 0 if allowed. */
  retryAfterSeconds: number;
}

export interface RateLimiter {
  readonly algorithm: RateLimitAlgorithm;
  /** Counts one request at `now` if there is capacity, and says whether it was allowed. */
  take(now: number): RateDecision;
  /** Changes the limit and window; what was already counted stays counted. */
  configure(config: RateLimitConfig, now: number): void;
}

/**
 * Whole seconds covering `ms`, at least 1: a client that waits this long is never early. A nanosecond is taken off
 * first so that floating-point noise (`(t + 1000) - t` can be 1000.0000000000001) does not add a whole second.
 */
export function wholeSeconds(ms: number): number {
  return Math.max(1, Math.ceil((ms - 1e-6) / 1000));
}

function checkConfig({ limit, windowMs, burst = 1 }: RateLimitConfig): void {
  if (!Number.isInteger(limit) || limit < 1) throw new RangeError(`limit must be a positive integer, got ${limit}`);
  if (!Number.isFinite(windowMs) || windowMs <= 0) throw new RangeError(`window must be positive, got ${windowMs}`);
  if (!(burst > 0 && burst <= 1)) throw new RangeError(`burst must be in (0, 1], got ${burst}`);
}

/** A bucket's capacity: the burst share of the quota, at least one request. */
export function burstCapacity({ limit, burst = 1 }: RateLimitConfig): number {
  return Math.max(1, Math.round(burst * limit));
}

/**
 * A fixed window's answer, whichever way its windows are placed: admitted while fewer than `limit` were admitted in
 * it; the reset and the Retry-After are the window's end.
 */
function admitInWindow(window: { count: number }, limit: number, remainingMs: number): RateDecision {
  const allowed = window.count < limit;
  if (allowed) window.count++;
  return {
    allowed,
    limit,
    count: window.count,
    resetSeconds: wholeSeconds(remainingMs),
    retryAfterSeconds: allowed ? 0 : wholeSeconds(remainingMs),
  };
}

/** A window that opens at the first request after the previous one closed and counts up to `limit`. */
export class FixedWindowLimiter implements RateLimiter {
  readonly algorithm = 'fixed';
  private config: RateLimitConfig;
  private windowStart: number | undefined;
  private readonly window = { count: 0 };

  constructor(config: RateLimitConfig) {
    checkConfig(config);
    this.config = { ...config };
  }

  take(now: number): RateDecision {
    const { limit, windowMs } = this.config;
    if (this.windowStart === undefined || now >= this.windowStart + windowMs) {
      this.windowStart = now;
      this.window.count = 0;
    }
    return admitInWindow(this.window, limit, this.windowStart + windowMs - now);
  }

  configure(config: RateLimitConfig): void {
    checkConfig(config);
    this.config = { ...config };
  }
}

/** A sliding log: a request is allowed while fewer than `limit` were allowed in the last `windowMs`. */
export class SlidingWindowLimiter implements RateLimiter {
  readonly algorithm = 'sliding';
  private config: RateLimitConfig;
  // A queue of the times of allowed requests, oldest first, from index `head` on.
  private times: number[] = [];
  private head = 0;

  constructor(config: RateLimitConfig) {
    checkConfig(config);
    this.config = { ...config };
  }

  private prune(now: number): void {
    const { windowMs } = this.config;
    while (this.head < this.times.length && (this.times[this.head] as number) + windowMs <= now) this.head++;
    if (this.head > 1024 && this.head * 2 > this.times.length) {
      this.times = this.times.slice(this.head);
      this.head = 0;
    }
  }

  take(now: number): RateDecision {
    const { limit, windowMs } = this.config;
    this.prune(now);
    const inWindow = this.times.length - this.head;
    const allowed = inWindow < limit;
    let retryAfterSeconds = 0;
    if (allowed) {
      this.times.push(now);
    } else {
      // Capacity returns when enough of the oldest requests have left the window to bring the count under limit.
      const freeing = this.times[this.head + inWindow - limit] as number;
      retryAfterSeconds = wholeSeconds(freeing + windowMs - now);
    }
    const newest = this.times[this.times.length - 1] as number;
    return {
      allowed,
      limit,
      count: this.times.length - this.head,
      resetSeconds: wholeSeconds(newest + windowMs - now),
      retryAfterSeconds,
    };
  }

  configure(config: RateLimitConfig, now: number): void {
    checkConfig(config);
    this.config = { ...config };
    this.prune(now);
  }
}

/**
 * A token bucket of capacity `burstCapacity(config)`, refilled continuously at `limit` per `windowMs`; starts full.
 * Its headers count its own tokens: `allowed` is the capacity, `reset` the time until it is full again.
 */
export class TokenBucketLimiter implements RateLimiter {
  readonly algorithm = 'bucket';
  private config: RateLimitConfig;
  private capacity: number;
  private tokens: number;
  private last: number | undefined;

  constructor(config: RateLimitConfig) {
    checkConfig(config);
    this.config = { ...config };
    this.capacity = burstCapacity(config);
    this.tokens = this.capacity;
  }

  private refill(now: number): void {
    const { limit, windowMs } = this.config;
    if (this.last !== undefined && now > this.last) {
      this.tokens = Math.min(this.capacity, this.tokens + ((now - this.last) * limit) / windowMs);
    }
    if (this.last === undefined || now > this.last) this.last = now;
  }

  take(now: number): RateDecision {
    const { limit, windowMs } = this.config;
    this.refill(now);
    const allowed = this.tokens >= 1;
    if (allowed) this.tokens -= 1;
    const msPerToken = windowMs / limit;
    return {
      allowed,
      limit: this.capacity,
      count: this.capacity - Math.floor(this.tokens),
      resetSeconds: wholeSeconds((this.capacity - this.tokens) * msPerToken),
      retryAfterSeconds: allowed ? 0 : wholeSeconds((1 - this.tokens) * msPerToken),
    };
  }

  configure(config: RateLimitConfig, now: number): void {
    checkConfig(config);
    this.refill(now);
    this.config = { ...config };
    this.capacity = burstCapacity(config);
    this.tokens = Math.min(this.tokens, this.capacity);
  }
}

/**
 * GCRA (the generic cell rate algorithm, a leaky bucket as a meter): a theoretical arrival time `tat` moves on by
 * one emission interval `T = windowMs / limit` per allowed request; a request is allowed when `tat` is at most the
 * burst tolerance ahead of now. The same budget as the bucket, kept as one timestamp and with no whole tokens, so
 * its counts and waits round differently.
 */
export class GcraLimiter implements RateLimiter {
  readonly algorithm = 'gcra';
  private config: RateLimitConfig;
  private tat = Number.NEGATIVE_INFINITY;

  constructor(config: RateLimitConfig) {
    checkConfig(config);
    this.config = { ...config };
  }

  take(now: number): RateDecision {
    const capacity = burstCapacity(this.config);
    const interval = this.config.windowMs / this.config.limit;
    const tat = Math.max(this.tat, now);
    // Allowed when the new arrival time stays within capacity intervals of now (a hair of float slack).
    const allowed = tat + interval - now <= capacity * interval + 1e-6;
    if (allowed) this.tat = tat + interval;
    const ahead = Math.max(0, this.tat - now);
    return {
      allowed,
      limit: capacity,
      count: Math.min(capacity, Math.ceil(ahead / interval - 1e-9)),
      resetSeconds: wholeSeconds(ahead),
      retryAfterSeconds: allowed ? 0 : wholeSeconds(tat + interval - capacity * interval - now),
    };
  }

  configure(config: RateLimitConfig, now: number): void {
    checkConfig(config);
    // Keep what is owed, in requests, under the new interval and capacity.
    const oldInterval = this.config.windowMs / this.config.limit;
    const owed = Math.min(burstCapacity(config), Math.max(0, this.tat - now) / oldInterval);
    this.config = { ...config };
    this.tat = now + owed * (config.windowMs / config.limit);
  }
}

/**
 * A fixed window aligned to the clock: windows start at `originMs + k × windowMs` whatever the traffic, so a
 * client's first window is a random part of a whole one.
 */
export class ClockFixedWindowLimiter implements RateLimiter {
  readonly algorithm = 'fixed-clock';
  private config: RateLimitConfig;
  private index = Number.NaN;
  private readonly window = { count: 0 };

  constructor(config: RateLimitConfig) {
    checkConfig(config);
    this.config = { ...config };
  }

  take(now: number): RateDecision {
    const { limit, windowMs, originMs = 0 } = this.config;
    const index = Math.floor((now - originMs) / windowMs);
    if (index !== this.index) {
      this.index = index;
      this.window.count = 0;
    }
    return admitInWindow(this.window, limit, originMs + (index + 1) * windowMs - now);
  }

  configure(config: RateLimitConfig): void {
    checkConfig(config);
    this.config = { ...config };
  }
}

/**
 * A sliding-window counter (the approximation many gateways use): clock-aligned windows, the previous window's count
 * weighted by how much of it still overlaps the last `windowMs`, plus the current window's.
 */
export class SlidingCounterLimiter implements RateLimiter {
  readonly algorithm = 'sliding-counter';
  private config: RateLimitConfig;
  private index = Number.NaN;
  private current = 0;
  private previous = 0;

  constructor(config: RateLimitConfig) {
    checkConfig(config);
    this.config = { ...config };
  }

  private roll(now: number): number {
    const { windowMs, originMs = 0 } = this.config;
    const index = Math.floor((now - originMs) / windowMs);
    if (index !== this.index) {
      this.previous = index === this.index + 1 ? this.current : 0;
      this.current = 0;
      this.index = index;
    }
    return (now - originMs - index * windowMs) / windowMs;
  }

  take(now: number): RateDecision {
    const { limit, windowMs } = this.config;
    const elapsed = this.roll(now);
    const weighted = this.previous * (1 - elapsed) + this.current;
    const allowed = weighted + 1 <= limit + 1e-9;
    if (allowed) this.current++;
    const count = Math.min(limit, Math.ceil(this.previous * (1 - elapsed) + this.current - 1e-9));
    // Back to zero once this window has become the previous one and aged out: the end of the next window.
    const toZeroMs = (2 - elapsed) * windowMs;
    let retryMs = 0;
    if (!allowed) {
      // The weight of the previous window falls linearly; with a full current window, wait for the next.
      const need = weighted + 1 - limit;
      retryMs =
        this.previous > 0 && need <= this.previous * (1 - elapsed)
          ? (need / this.previous) * windowMs
          : (1 - elapsed) * windowMs +
            (this.current + 1 > limit ? ((this.current + 1 - limit) / this.current) * windowMs : 0);
    }
    return {
      allowed,
      limit,
      count,
      resetSeconds: wholeSeconds(this.current > 0 ? toZeroMs : (1 - elapsed) * windowMs),
      retryAfterSeconds: allowed ? 0 : wholeSeconds(retryMs),
    };
  }

  configure(config: RateLimitConfig, now: number): void {
    checkConfig(config);
    this.roll(now);
    this.config = { ...config };
  }
}

export function createLimiter(algorithm: RateLimitAlgorithm, config: RateLimitConfig): RateLimiter {
  switch (algorithm) {
    case 'fixed':
      return new FixedWindowLimiter(config);
    case 'sliding':
      return new SlidingWindowLimiter(config);
    case 'bucket':
      return new TokenBucketLimiter(config);
    case 'gcra':
      return new GcraLimiter(config);
    case 'fixed-clock':
      return new ClockFixedWindowLimiter(config);
    case 'sliding-counter':
      return new SlidingCounterLimiter(config);
  }
}
