/**
 * The login gate: one login at a time for everyone (on a 401, or before the token expires), retried with backoff when
 * it fails transiently; a failed login is final and ends every request that waits for it.
 */
import type { ApiFailure, ApiOutcome } from '../genesys/types.js';
import type { ResolvedOptions } from './options.js';
import { backoffDelay, disposition, renewLeadMs } from './retry.js';
import type { GovernorEvent } from './types.js';

export type LoginTrigger = 'expiry' | 'unauthorized';

export interface LoginTotals {
  reauths: number;
  reauthFailures: number;
}

export class LoginGate {
  /** Tokens in use so far; an attempt is sent with the current one. */
  generation = 0;
  /** A failed login: every later start ends with it. */
  failure: ApiFailure | undefined;
  private generationFromLogin = false;
  private generationWorked = false;
  private pending: Promise<ApiFailure | undefined> | undefined;
  private trigger: LoginTrigger | undefined;
  private seenExpiry: number | undefined;
  private tokenLifetimeMs: number | undefined;
  private renewedFor: number | undefined;
  /** Aborts the wait between two attempts of this login: nothing needs it any more. */
  private unneeded: AbortController | undefined;

  constructor(
    private readonly o: ResolvedOptions,
    private readonly stop: AbortSignal,
    private readonly totals: LoginTotals,
    private readonly emit: (event: GovernorEvent) => void,
    /** Called when a login ends: starts held for it may go. */
    private readonly settled: () => void,
  ) {}

  get inProgress(): boolean {
    return this.pending !== undefined;
  }

  /**
   * Whether the token may still be used while it is being renewed: a renewal before expiry that the token endpoint
   * holds (its 429's Retry-After) need not idle a token that still works. Until a second before it expires.
   */
  usableWhileRenewing(now: number): boolean {
    if (this.pending === undefined || this.trigger !== 'expiry') return false;
    const expiresAt = this.o.tokenExpiresAt?.();
    return expiresAt !== undefined && now < expiresAt - 1000;
  }

  /** An answer to an attempt sent with `generation`: any answer but a 401 shows that token works. */
  answered(generation: number, unauthorized: boolean): void {
    if (!unauthorized && generation === this.generation) this.generationWorked = true;
  }

  /** A 401 on a token fresh from a login that has not worked for anyone: the credentials themselves are bad. */
  freshTokenRefused(sentWith: number): boolean {
    return sentWith === this.generation && this.generationFromLogin && !this.generationWorked && !this.pending;
  }

  /** The token of this login is refused (freshTokenRefused): this lane's login is taken as failed. */
  refused(outcome: ApiFailure): void {
    if (this.failure) return;
    this.failure = outcome;
    this.totals.reauthFailures++;
    this.emit({ type: 'reauth', at: this.o.clock.now(), ok: false, trigger: 'unauthorized', kind: outcome.kind });
  }

  /** Whether the token is close enough to its expiry to renew it now (once per token). */
  renewalDue(now: number): boolean {
    const { reauthenticate, tokenExpiresAt } = this.o;
    if (!reauthenticate || !tokenExpiresAt) return false;
    const expiresAt = tokenExpiresAt();
    if (expiresAt === undefined) return false;
    if (expiresAt !== this.seenExpiry) {
      this.seenExpiry = expiresAt;
      this.tokenLifetimeMs = expiresAt - now;
    }
    if (this.renewedFor === expiresAt) return false;
    if (now < expiresAt - renewLeadMs(this.tokenLifetimeMs, this.o.renewBeforeMs)) return false;
    this.renewedFor = expiresAt;
    return true;
  }

  /**
   * Nothing waits for a token now (no request is under way): a login waiting to try again stops, without failing, so
   * that its wait (a Retry-After of the token endpoint's can be minutes) does not outlive the work. The next 401 or
   * renewal logs in again.
   */
  unwanted(): void {
    this.unneeded?.abort();
  }

  /** Logs in, or joins the login under way; resolves with the failure when it failed. */
  ensure(trigger: LoginTrigger): Promise<ApiFailure | undefined> {
    if (this.failure) return Promise.resolve(this.failure);
    if (this.pending === undefined) {
      this.trigger = trigger;
      this.pending = this.run(trigger).finally(() => {
        this.pending = undefined;
        this.settled();
      });
    } else if (trigger === 'unauthorized') {
      // The token no longer works: a renewal under way is now a login that everything waits for.
      this.trigger = trigger;
    }
    return this.pending;
  }

  private async run(trigger: LoginTrigger): Promise<ApiFailure | undefined> {
    const { o } = this;
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
      const now = o.clock.now();
      if (outcome.ok) {
        this.generation++;
        this.generationFromLogin = true;
        this.generationWorked = false;
        this.totals.reauths++;
        this.emit({ type: 'reauth', at: now, ok: true, trigger });
        return undefined;
      }
      const transient = disposition(outcome) === 'backoff' || outcome.kind === 'rate_limited';
      if (transient && attempt < o.maxAttempts && !this.stop.aborted) {
        const unneeded = new AbortController();
        this.unneeded = unneeded;
        try {
          const delay = backoffDelay(outcome, attempt - 1, o.backoffBaseMs, o.backoffCapMs, o.random);
          await o.clock.sleep(delay, AbortSignal.any([this.stop, unneeded.signal]));
          continue;
        } catch {
          // Stopped while waiting to log in again: this failure is the last word. Unneeded: no login now.
          if (!this.stop.aborted) return undefined;
        } finally {
          this.unneeded = undefined;
        }
      }
      this.failure = outcome;
      // Stopped (Ctrl-C) while waiting to try again: the login did not fail, the run ended.
      if (this.stop.aborted) return outcome;
      this.totals.reauthFailures++;
      this.emit({ type: 'reauth', at: now, ok: false, trigger, kind: outcome.kind });
      return outcome;
    }
  }
}
