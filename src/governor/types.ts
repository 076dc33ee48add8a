import type { ApiCall, ApiFailure, ApiOutcome, ErrorKind } from '../genesys/types.js';
import type { Clock } from './clock.js';

export interface RetryBudgetOptions {
  /** Tokens each successful response deposits; a retry costs one. 0.1 keeps retries to about 10% of requests. */
  ratio: number;
  /** Tokens at the start, so a short run can still retry a few times. The bank holds at most ten times this. */
  minRetries: number;
}

/** What the governor needs of several tokens (lanes.ts); the SDK adapter provides it (src/genesys/tokens.ts). */
export interface TokenLanes {
  /** Lanes, numbered 0..count-1, each already holding a token. */
  count: number;
  /** Logs lane `lane` in again; its calls must use the new token once this resolves ok. */
  reauthenticate(lane: number): Promise<ApiOutcome<unknown>>;
  /** When lane `lane`'s token expires, in `clock.now()` terms. */
  tokenExpiresAt(lane: number): number | undefined;
  /** Runs one attempt on lane `lane`'s token. */
  run<T>(lane: number, attempt: () => Promise<T>): Promise<T>;
}

export interface LaneStats {
  lane: number;
  requests: number;
  rateLimited: number;
  requestsPerSecond: number;
  inFlight: number;
}

export interface GovernorOptions {
  clock?: Clock;
  /** Uniform in [0, 1); drives the backoff jitter. */
  random?: () => number;
  /** Fraction of the advertised or discovered rate to use. Default 0.97. */
  safetyMargin?: number;
  /** Upper bound of requests in flight. Default 16. */
  maxConcurrency?: number;
  /** Attempts per request for server, network and timeout failures, the first included. Default 6. */
  maxAttempts?: number;
  /** Consecutive 429s one request may meet before it gives up with the last one. Default 20. */
  maxRateLimitRetries?: number;
  /** Total time one request may wait on 429 pauses before it gives up. Default unlimited. */
  maxRateLimitWaitMs?: number;
  /** Full-jitter backoff: a retry waits `random() * min(backoffCapMs, backoffBaseMs * 2 ** n)`. Defaults 1000, 30000. */
  backoffBaseMs?: number;
  backoffCapMs?: number;
  retryBudget?: Partial<RetryBudgetOptions>;
  /** Logs in again; the new token must be in use by the calls once it resolves with `ok: true`. */
  reauthenticate?: () => Promise<ApiOutcome<unknown>>;
  /** When the current token expires, in `clock.now()` terms; undefined when unknown. */
  tokenExpiresAt?: () => number | undefined;
  /** Renew this long before expiry. Default 60 s, or a tenth of the token's lifetime when that is shorter. */
  renewBeforeMs?: number;
  /** Pace before the first response, and the start of discovery when responses carry no rate-limit headers. */
  initialRatePerSecond?: number;
  onEvent?: (event: GovernorEvent) => void;
  /**
   * Several access tokens of one OAuth client, one lane each (own pace from own headers, own 429 pause, own login);
   * `reauthenticate` and `tokenExpiresAt` are then unused. See lanes.ts.
   */
  tokens?: TokenLanes;
}

export type RateSource = 'initial' | 'headers' | 'discovered';

export type GiveUpReason = 'attempts' | 'budget' | 'rate_limit' | 'auth';

export type GovernorEvent =
  | {
      type: 'response';
      at: number;
      status?: number;
      ok: boolean;
      kind?: ErrorKind;
      latencyMs: number;
      /** 1 for a request's first attempt. */
      attempt: number;
    }
  | { type: 'retry'; at: number; reason: ErrorKind; delayMs: number; attempt: number }
  | { type: 'give_up'; at: number; reason: GiveUpReason; kind: ErrorKind; attempt: number }
  | { type: 'pause'; at: number; untilMs: number; retryAfterSeconds?: number }
  | { type: 'rate'; at: number; requestsPerSecond: number; concurrency: number; source: RateSource }
  /** `lane`: with several tokens, whose login this was (from 0). */
  | { type: 'reauth'; at: number; ok: boolean; trigger: 'expiry' | 'unauthorized'; kind?: ErrorKind; lane?: number };

export interface GovernorStats {
  /** Attempts sent. */
  requests: number;
  successes: number;
  rateLimited: number;
  retries: number;
  /** Requests that ended in failure (after any retries), by the kind of their last outcome. */
  failures: Partial<Record<ErrorKind, number>>;
  reauths: number;
  reauthFailures: number;
  requestsPerSecond: number;
  concurrency: number;
  source: RateSource;
  inFlight: number;
  /** Requests waiting for their start (pace, pause, slot or login). */
  queued: number;
  pausedMs: number;
  retryTokens: number;
  /** With several tokens: each lane's figures. */
  lanes?: LaneStats[];
}

export interface ExecuteResult<T> {
  outcome: ApiOutcome<T>;
  attempts: number;
}

export interface Governor {
  /**
   * Runs `call` under the pace, retrying as the policy allows; resolves with the final outcome. Rejects only with
   * the signal's reason on abort, with a `GovernorStoppedError` when it would have to start an attempt after
   * `stopStarting()`, or with what `call` threw (an `ApiCall` must not throw).
   */
  execute<T>(call: ApiCall<T>, opts?: ExecuteOptions): Promise<ExecuteResult<T>>;
  stats(): GovernorStats;
  /** Starts nothing more: waiting and backing-off requests reject with `GovernorStoppedError`; in-flight ones finish. */
  stopStarting(): void;
  /** Resolves once no request is in flight or waiting. */
  idle(): Promise<void>;
}

/** A request that would have needed a new attempt after `stopStarting()`. */
export class GovernorStoppedError extends Error {
  readonly attempts: number;
  /** The outcome of the last attempt, when one was made: a network or timeout failure may have been applied. */
  readonly lastOutcome: ApiFailure | undefined;
  constructor(attempts: number, lastOutcome?: ApiFailure) {
    super(
      attempts === 0
        ? 'The governor was stopped before this request was sent.'
        : `The governor was stopped before attempt ${attempts + 1} of this request.`,
    );
    this.name = 'GovernorStoppedError';
    this.attempts = attempts;
    this.lastOutcome = lastOutcome;
  }
}

export interface ExecuteOptions {
  signal?: AbortSignal;
  /**
   * The call must not be sent twice once it may have reached the platform (a POST that creates): a 429 or a 401,
   * which the platform answers without acting, is retried as usual; a failure after which it may have acted
   * (network, timeout, 5xx) is returned at once, for the caller to find out what happened.
   */
  unrepeatable?: boolean;
}
