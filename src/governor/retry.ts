/** Retry policy: pure functions deciding whether, and after how long, an outcome is tried again. */
import type { ApiFailure, ApiOutcome } from '../genesys/types.js';
import type { RetryBudgetOptions } from './types.js';

/**
 * - done: success, or a failure retrying cannot fix (invalid, permission, not_found) or that the caller must
 *   handle (conflict: re-read, re-apply);
 * - rate_limited: wait out the global pause, then retry;
 * - reauth: log in again (once for everyone), then retry;
 * - backoff: transient (server, network, timeout); retry after a delay, within the attempt cap and the budget.
 */
export type Disposition = 'done' | 'rate_limited' | 'reauth' | 'backoff';

export function disposition(outcome: ApiOutcome<unknown>): Disposition {
  if (outcome.ok) return 'done';
  switch (outcome.kind) {
    case 'rate_limited':
      return 'rate_limited';
    case 'auth':
      return 'reauth';
    case 'server':
    case 'network':
    case 'timeout':
      return 'backoff';
    default:
      return 'done';
  }
}

/**
 * Whether a failed call may have acted all the same: its answer was lost (network, timeout), was a 5xx, or was a
 * success whose body is not the call's. A write that failed so is settled by reading, never sent blindly again.
 */
export function mayHaveActed(failure: ApiFailure): boolean {
  return ['network', 'timeout', 'server', 'unexpected'].includes(failure.kind);
}

/** Full jitter (AWS architecture blog): uniform in [0, min(cap, base · 2^n)], n = 0 for the first retry. */
export function fullJitterDelay(n: number, baseMs: number, capMs: number, random: () => number): number {
  return random() * Math.min(capMs, baseMs * 2 ** n);
}

/** A server-given Retry-After is authoritative; without one, full jitter. */
export function backoffDelay(
  outcome: ApiOutcome<unknown>,
  n: number,
  baseMs: number,
  capMs: number,
  random: () => number,
): number {
  const retryAfter = outcome.retryAfterSeconds;
  if (retryAfter !== undefined && Number.isFinite(retryAfter) && retryAfter >= 0) return retryAfter * 1000;
  return fullJitterDelay(n, baseMs, capMs, random);
}

/**
 * gRPC-style retry throttling as a token bucket: successes deposit `ratio`, a retry withdraws one. The bank is
 * capped, so credit reflects recent traffic and a platform that starts failing late in a long run is not hit
 * with thousands of banked retries.
 */
export interface RetryBudget {
  tokens: number;
  readonly capacity: number;
  readonly ratio: number;
}

export function createBudget(options: RetryBudgetOptions): RetryBudget {
  return { tokens: options.minRetries, capacity: Math.max(1, options.minRetries * 10), ratio: options.ratio };
}

export function depositSuccess(budget: RetryBudget): RetryBudget {
  return { ...budget, tokens: Math.min(budget.capacity, budget.tokens + budget.ratio) };
}

/** The budget after paying for one retry, or undefined when it cannot pay. */
export function withdrawRetry(budget: RetryBudget): RetryBudget | undefined {
  // Tenths added ten times make 0.9999999999999999: allow for the rounding.
  if (budget.tokens < 1 - 1e-9) return undefined;
  return { ...budget, tokens: Math.max(0, budget.tokens - 1) };
}

const DEFAULT_RENEW_BEFORE_MS = 60_000;

/** How long before expiry to renew: as configured, else 60 s, or a tenth of the lifetime when that is shorter. */
export function renewLeadMs(lifetimeMs: number | undefined, configuredMs: number | undefined): number {
  if (configuredMs !== undefined) return configuredMs;
  if (lifetimeMs === undefined || !(lifetimeMs > 0)) return DEFAULT_RENEW_BEFORE_MS;
  return Math.min(DEFAULT_RENEW_BEFORE_MS, lifetimeMs / 10);
}
