/**
 * What the `inin-ratelimit-*` headers say about a limiter: the truth, nothing, the truth scaled to the window's quota,
 * or the truth of a moment ago. Real deployments may do any of these (the platform's own behaviour is unconfirmed), so
 * the emulator can present each, and a client is tested against headers that mislead it.
 */
import { createLimiter, type RateDecision, type RateLimitAlgorithm, type RateLimitConfig } from './limiter.js';

export type HeaderModel = 'truthful' | 'absent' | 'scaled' | 'stale';

export const HEADER_MODELS: readonly HeaderModel[] = ['truthful', 'absent', 'scaled', 'stale'];

export const DEFAULT_HEADER_LAG_MS = 1000;

export interface HeaderValues {
  allowed: number;
  count: number;
  resetSeconds: number;
}

/** A limiter's decision with the headers its model presents (none for `absent`). */
export interface PresentedDecision extends RateDecision {
  headers?: HeaderValues;
}

export interface PresentedLimiter {
  readonly algorithm: RateLimitAlgorithm;
  take(now: number): PresentedDecision;
  configure(config: RateLimitConfig, now: number): void;
}

export interface HeaderOptions {
  model: HeaderModel;
  /** `stale`: the headers describe the limiter as it was this long ago. */
  lagMs?: number;
}

/**
 * `scaled`: `allowed` is the window's quota and `count` the limiter's own count in the same proportion, while `reset`
 * stays the true time to zero. For a bucket whose burst is a tenth of the quota, that describes a window a tenth as
 * long as the real one holding the whole quota: ten times the allowed rate. For the windows it is the truth.
 */
function scaled(decision: RateDecision, quota: number): HeaderValues {
  const factor = quota / decision.limit;
  return {
    allowed: quota,
    count: Math.min(quota, Math.ceil(decision.count * factor - 1e-9)),
    resetSeconds: decision.resetSeconds,
  };
}

/** A limiter with a header model; `stale` keeps the headers of the last `lagMs` to answer with the oldest. */
export function presentLimiter(
  algorithm: RateLimitAlgorithm,
  config: RateLimitConfig,
  options: HeaderOptions,
): PresentedLimiter {
  const limiter = createLimiter(algorithm, config);
  let quota = config.limit;
  const lagMs = options.lagMs ?? DEFAULT_HEADER_LAG_MS;
  const history: { at: number; headers: HeaderValues }[] = [];
  let lagged: HeaderValues | undefined;
  return {
    algorithm,
    take(now) {
      const decision = limiter.take(now);
      const truth: HeaderValues = {
        allowed: decision.limit,
        count: decision.count,
        resetSeconds: decision.resetSeconds,
      };
      switch (options.model) {
        case 'absent':
          return decision;
        case 'truthful':
          return { ...decision, headers: truth };
        case 'scaled':
          return { ...decision, headers: scaled(decision, quota) };
        case 'stale': {
          history.push({ at: now, headers: truth });
          while (history.length > 0 && (history[0] as { at: number }).at <= now - lagMs) {
            lagged = history.shift()?.headers;
          }
          // Before anything is that old, the counters have not caught up with any request yet.
          const headers = lagged ?? { allowed: decision.limit, count: 0, resetSeconds: decision.resetSeconds };
          return { ...decision, headers };
        }
      }
    },
    configure(next, now) {
      limiter.configure(next, now);
      quota = next.limit;
    },
  };
}
