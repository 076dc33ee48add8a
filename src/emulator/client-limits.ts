/**
 * Limits above the access token, both per OAuth client: how fast the token endpoint issues tokens, and an optional
 * limit on the requests of all the client's tokens together (an organisation's or a service's limit, which the
 * platform does not document for client credentials: see docs/emulator.md). Each is one limiter of the configured
 * algorithm; 0 turns it off. Like the per-token limiters, a refused request is never counted.
 */
import { createLimiter, type RateDecision, type RateLimiter } from './limiter.js';
import type { EmulatorConfig } from './options.js';

/** The code of a 429 from the limit above the tokens: deliberately not the per-token `too.many.requests.retry.after`. */
export const ORG_LIMIT_CODE = 'too.many.requests';

export const orgLimitMessage = (seconds: number): string =>
  `Rate limit exceeded for the organization. Retry the request in [${seconds}] seconds`;

type LimitsConfig = Pick<
  EmulatorConfig,
  'algorithm' | 'orgLimit' | 'orgWindowSeconds' | 'tokenIssueLimit' | 'tokenIssueWindowSeconds'
>;

export class ClientLimits {
  private org: RateLimiter | undefined;
  private issue: RateLimiter | undefined;
  private config: LimitsConfig | undefined;

  constructor(config: LimitsConfig) {
    this.configure(config, 0);
  }

  /** Counts one /api request against the limit above the tokens; undefined when there is none. */
  takeRequest(now: number): RateDecision | undefined {
    return this.org?.take(now);
  }

  /** Counts one token about to be issued; undefined when issuing is not limited. */
  takeIssue(now: number): RateDecision | undefined {
    return this.issue?.take(now);
  }

  /** A new limit or window keeps what was counted; a new algorithm, or a limit turned on, starts afresh. */
  configure(config: LimitsConfig, now: number): void {
    const before = this.config;
    this.config = { ...config };
    const sameAlgorithm = before?.algorithm === config.algorithm;
    this.org = remake(
      sameAlgorithm ? this.org : undefined,
      config.algorithm,
      config.orgLimit,
      config.orgWindowSeconds,
      now,
    );
    // The token endpoint's limit is a sliding log whatever the API's algorithm: a window that opens at the first
    // request would let a client take twice the limit across a window's edge.
    this.issue = remake(this.issue, 'sliding', config.tokenIssueLimit, config.tokenIssueWindowSeconds, now);
  }

  reset(): void {
    this.org = undefined;
    this.issue = undefined;
    if (this.config) this.configure(this.config, 0);
  }
}

function remake(
  current: RateLimiter | undefined,
  algorithm: EmulatorConfig['algorithm'],
  limit: number,
  windowSeconds: number,
  now: number,
): RateLimiter | undefined {
  if (limit <= 0) return undefined;
  const config = { limit, windowMs: windowSeconds * 1000 };
  if (!current) return createLimiter(algorithm, config);
  current.configure(config, now);
  return current;
}
