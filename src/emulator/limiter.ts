/**
 * Rate-limit algorithms, pure: every method takes the current time (ms, any monotonic origin) as a parameter.
 * A rejected request never consumes capacity in any algorithm: a client that keeps sending during a 429 simply
 * gets nothing until capacity returns, and its rejected requests do not push that moment further away.
 */

export type RateLimitAlgorithm = 'fixed' | 'sliding' | 'bucket';

export const RATE_LIMIT_ALGORITHMS: readonly RateLimitAlgorithm[] = ['fixed', 'sliding', 'bucket'];

export interface RateLimitConfig {
  /** Requests allowed per window (for the bucket: its capacity). */
  limit: number;
  /** Window length in ms (for the bucket: the time to refill from empty to full). */
  windowMs: number;
}

export interface RateDecision {
  allowed: boolean;
  /** `inin-ratelimit-allowed`. */
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

function checkConfig({ limit, windowMs }: RateLimitConfig): void {
  if (!Number.isInteger(limit) || limit < 1) throw new RangeError(`limit must be a positive integer, got ${limit}`);
  if (!Number.isFinite(windowMs) || windowMs <= 0) throw new RangeError(`window must be positive, got ${windowMs}`);
}

/** A window that opens at the first request after the previous one closed and counts up to `limit`. */
export class FixedWindowLimiter implements RateLimiter {
  readonly algorithm = 'fixed';
  private config: RateLimitConfig;
  private windowStart: number | undefined;
  private count = 0;

  constructor(config: RateLimitConfig) {
    checkConfig(config);
    this.config = { ...config };
  }

  take(now: number): RateDecision {
    const { limit, windowMs } = this.config;
    if (this.windowStart === undefined || now >= this.windowStart + windowMs) {
      this.windowStart = now;
      this.count = 0;
    }
    const remainingMs = this.windowStart + windowMs - now;
    const allowed = this.count < limit;
    if (allowed) this.count++;
    return {
      allowed,
      limit,
      count: this.count,
      resetSeconds: wholeSeconds(remainingMs),
      retryAfterSeconds: allowed ? 0 : wholeSeconds(remainingMs),
    };
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

/** A token bucket of capacity `limit`, refilled continuously at `limit` per `windowMs`; starts full. */
export class TokenBucketLimiter implements RateLimiter {
  readonly algorithm = 'bucket';
  private config: RateLimitConfig;
  private tokens: number;
  private last: number | undefined;

  constructor(config: RateLimitConfig) {
    checkConfig(config);
    this.config = { ...config };
    this.tokens = config.limit;
  }

  private refill(now: number): void {
    const { limit, windowMs } = this.config;
    if (this.last !== undefined && now > this.last) {
      this.tokens = Math.min(limit, this.tokens + ((now - this.last) * limit) / windowMs);
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
      limit,
      count: limit - Math.floor(this.tokens),
      resetSeconds: wholeSeconds((limit - this.tokens) * msPerToken),
      retryAfterSeconds: allowed ? 0 : wholeSeconds((1 - this.tokens) * msPerToken),
    };
  }

  configure(config: RateLimitConfig, now: number): void {
    checkConfig(config);
    this.refill(now);
    this.config = { ...config };
    this.tokens = Math.min(this.tokens, config.limit);
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
  }
}
