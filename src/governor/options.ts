import type { ApiOutcome } from '../genesys/types.js';
import { type Clock, systemClock } from './clock.js';
import type { GovernorEvent, GovernorOptions, RetryBudgetOptions, TokenLanes } from './types.js';

export interface ResolvedOptions {
  clock: Clock;
  random: () => number;
  safetyMargin: number;
  maxConcurrency: number;
  maxAttempts: number;
  maxRateLimitRetries: number;
  maxRateLimitWaitMs: number;
  backoffBaseMs: number;
  backoffCapMs: number;
  retryBudget: RetryBudgetOptions;
  reauthenticate: (() => Promise<ApiOutcome<unknown>>) | undefined;
  tokenExpiresAt: (() => number | undefined) | undefined;
  /** Undefined: the default rule (60 s, or a tenth of the token's lifetime when shorter). */
  renewBeforeMs: number | undefined;
  initialRatePerSecond: number;
  onEvent: ((event: GovernorEvent) => void) | undefined;
  /** Several tokens, one lane each; undefined: one lane on `reauthenticate` and `tokenExpiresAt`. */
  tokens: TokenLanes | undefined;
}

export const DEFAULTS = {
  safetyMargin: 0.97,
  maxConcurrency: 16,
  maxAttempts: 6,
  maxRateLimitRetries: 20,
  maxRateLimitWaitMs: Number.POSITIVE_INFINITY,
  backoffBaseMs: 1000,
  backoffCapMs: 30_000,
  // Each success earns half a retry: a platform failing up to a third of its answers is retried through (a retry is
  // paced like any request, so no ratio lets retries storm). gRPC's 0.1 failed 26 of 600 requests failing 12% at
  // random, and 4 rows of a 200-row rollback with 5% 502s and 5% dropped connections.
  retryBudget: { ratio: 0.5, minRetries: 10 },
  renewBeforeMs: 60_000,
  initialRatePerSecond: 5,
} as const;

const show = (value: unknown): string => (typeof value === 'string' ? JSON.stringify(value) : String(value));

function positiveInteger(name: string, value: unknown, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) {
    throw new TypeError(`Expected \`${name}\` to be a positive integer, got ${show(value)}`);
  }
  return value;
}

function nonNegativeInteger(name: string, value: unknown, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0) {
    throw new TypeError(`Expected \`${name}\` to be a non-negative integer, got ${show(value)}`);
  }
  return value;
}

function positiveNumber(name: string, value: unknown, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
    throw new TypeError(`Expected \`${name}\` to be a positive finite number, got ${show(value)}`);
  }
  return value;
}

function nonNegativeNumber(name: string, value: unknown, fallback: number, allowInfinity = false): number {
  if (value === undefined) return fallback;
  const finiteOk = typeof value === 'number' && (Number.isFinite(value) || (allowInfinity && value === Infinity));
  if (!finiteOk || value < 0) {
    const what = allowInfinity ? 'a non-negative number or Infinity' : 'a non-negative finite number';
    throw new TypeError(`Expected \`${name}\` to be ${what}, got ${show(value)}`);
  }
  return value;
}

function optionalFunction<F>(name: string, value: unknown): F | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'function') throw new TypeError(`Expected \`${name}\` to be a function, got ${show(value)}`);
  return value as F;
}

function tokenLanes(tokens: unknown): TokenLanes | undefined {
  if (tokens === undefined) return undefined;
  const t = tokens as Partial<TokenLanes>;
  if (typeof t !== 'object' || t === null || !Number.isInteger(t.count) || (t.count as number) < 1) {
    throw new TypeError(`Expected \`tokens.count\` to be a positive integer, got ${show(t?.count)}`);
  }
  for (const name of ['reauthenticate', 'tokenExpiresAt', 'run'] as const) {
    if (typeof t[name] !== 'function') throw new TypeError(`Expected \`tokens.${name}\` to be a function`);
  }
  return t as TokenLanes;
}

export function resolveOptions(options: GovernorOptions = {}): ResolvedOptions {
  const margin = options.safetyMargin ?? DEFAULTS.safetyMargin;
  if (typeof margin !== 'number' || !(margin > 0 && margin <= 1)) {
    throw new TypeError(`Expected \`safetyMargin\` to be a number in (0, 1], got ${show(margin)}`);
  }
  const backoffBaseMs = positiveNumber('backoffBaseMs', options.backoffBaseMs, DEFAULTS.backoffBaseMs);
  const backoffCapMs = positiveNumber('backoffCapMs', options.backoffCapMs, DEFAULTS.backoffCapMs);
  if (backoffCapMs < backoffBaseMs) {
    throw new TypeError(
      `Expected \`backoffCapMs\` to be at least \`backoffBaseMs\` (${backoffBaseMs}), got ${backoffCapMs}`,
    );
  }
  const budget = options.retryBudget ?? {};
  const clock = options.clock ?? systemClock;
  if (typeof clock?.now !== 'function' || typeof clock.sleep !== 'function') {
    throw new TypeError('Expected `clock` to have `now()` and `sleep(ms, signal)`');
  }
  return {
    clock,
    random: optionalFunction<() => number>('random', options.random) ?? Math.random,
    safetyMargin: margin,
    maxConcurrency: positiveInteger('maxConcurrency', options.maxConcurrency, DEFAULTS.maxConcurrency),
    maxAttempts: positiveInteger('maxAttempts', options.maxAttempts, DEFAULTS.maxAttempts),
    maxRateLimitRetries: nonNegativeInteger(
      'maxRateLimitRetries',
      options.maxRateLimitRetries,
      DEFAULTS.maxRateLimitRetries,
    ),
    maxRateLimitWaitMs: nonNegativeNumber(
      'maxRateLimitWaitMs',
      options.maxRateLimitWaitMs,
      DEFAULTS.maxRateLimitWaitMs,
      true,
    ),
    backoffBaseMs,
    backoffCapMs,
    retryBudget: {
      ratio: nonNegativeNumber('retryBudget.ratio', budget.ratio, DEFAULTS.retryBudget.ratio),
      minRetries: nonNegativeInteger('retryBudget.minRetries', budget.minRetries, DEFAULTS.retryBudget.minRetries),
    },
    reauthenticate: optionalFunction('reauthenticate', options.reauthenticate),
    tokenExpiresAt: optionalFunction('tokenExpiresAt', options.tokenExpiresAt),
    renewBeforeMs:
      options.renewBeforeMs === undefined ? undefined : nonNegativeNumber('renewBeforeMs', options.renewBeforeMs, 0),
    initialRatePerSecond: positiveNumber(
      'initialRatePerSecond',
      options.initialRatePerSecond,
      DEFAULTS.initialRatePerSecond,
    ),
    onEvent: optionalFunction('onEvent', options.onEvent),
    tokens: tokenLanes(options.tokens),
  };
}
