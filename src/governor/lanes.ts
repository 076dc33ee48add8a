/**
 * Token lanes (issue #12): with several access tokens of one OAuth client, each token is a lane with its own rate
 * model (paced from its own `inin-ratelimit-*` headers: each token's headers describe that token only), its own 429
 * pause and its own login. A start goes to a lane whose slot has come, taken in turn after the lane that started
 * last, or, when none has, the scheduler waits for the earliest slot of any lane.
 *
 * Above the lanes, a limit the tokens do not show (an organisation's or a service's) is recognised in two ways: a 429
 * whose body code is not the per-token `too.many.requests.retry.after` (the platform's normalised per-token 429,
 * shared/genesys-platform.md), or per-token 429s on most lanes within one window. Either pauses every lane for the
 * 429's Retry-After and puts a ceiling on the lanes' combined rate: the rate that limit accepted, probed upward again
 * after a while (ceiling.ts). With one lane none of this applies: the lane is the governor as it always was.
 */
import type { ApiFailure, ApiOutcome } from '../genesys/types.js';
import { AcceptedLog, type Ceiling, ceilingRate, learnedLimit, relearned } from './ceiling.js';
import { LoginGate, type LoginTotals } from './login.js';
import { type Permit, RateModel } from './model.js';
import type { ResolvedOptions } from './options.js';
import { MEASURE_SPAN_MS, measuredRate, slotFor } from './pacing.js';
import { fullJitterDelay } from './retry.js';
import type { GovernorEvent, LaneStats, TokenLanes } from './types.js';

/** The per-token 429 code: any other code on a 429 is a limit above the token. */
export const PER_TOKEN_429_CODE = 'too.many.requests.retry.after';

/** Without headers to say how long a window is, 429s this close together count as one window's. */
const DEFAULT_WINDOW_MS = 60_000;

/** Transient failures in a row on one lane, while another lane works, after which that lane is held back. */
const LANE_FAILURES_TO_HOLD = 8;

class Lane {
  inFlight = 0;
  requests = 0;
  rateLimited = 0;
  /** When this lane last had a per-token 429. */
  last429 = Number.NEGATIVE_INFINITY;
  /** Transient failures (5xx, network, timeout) in a row, and when this lane last had an answer that was none. */
  failures = 0;
  lastWorked = Number.NEGATIVE_INFINITY;
  /** No start before then: its failures are its own (lanes.ts, `observe`). */
  heldUntil = Number.NEGATIVE_INFINITY;
  constructor(
    readonly index: number,
    readonly model: RateModel,
    readonly login: LoginGate,
  ) {}
}

export type LaneStart = { lane: number; permit: Permit } | { notBefore: number } | { wait: true };

export class LanePool {
  readonly lanes: Lane[];
  private readonly permits = new WeakMap<Permit, { lane: Lane; start: number }>();
  private cursor = 0;
  private inFlight = 0;
  /** Every lane waits until then: a limit above the tokens answered 429. */
  private sharedPauseUntil = Number.NEGATIVE_INFINITY;
  private sharedPausedMs = 0;
  /** The lanes' combined rate after a limit above them answered; undefined while none has. */
  private ceiling: Ceiling | undefined;
  /** Accepted answers over the last window: what a limit above the lanes let through. */
  private readonly accepted = new AcceptedLog();
  private lastSlot = Number.NEGATIVE_INFINITY;
  private starts = 0;
  private decreasedAtStart = 0;
  private aboveStreak = 0;
  private readonly recentStarts: number[] = [];
  /** The longest `inin-ratelimit-reset` seen: the window, for "429s on most lanes within one window". */
  private windowMs: number | undefined;

  constructor(
    private readonly o: ResolvedOptions,
    private readonly emit: (event: GovernorEvent) => void,
    stop: AbortSignal,
    totals: LoginTotals,
    settled: () => void,
    tokens: TokenLanes | undefined,
  ) {
    const count = tokens?.count ?? 1;
    this.lanes = Array.from({ length: count }, (_, index) => {
      const laneOptions: ResolvedOptions = tokens
        ? {
            ...o,
            reauthenticate: () => tokens.reauthenticate(index),
            tokenExpiresAt: () => tokens.tokenExpiresAt(index),
          }
        : o;
      const emitLogin = tokens
        ? (event: GovernorEvent) => emit(event.type === 'reauth' ? { ...event, lane: index } : event)
        : emit;
      const login = new LoginGate(laneOptions, stop, totals, emitLogin, settled);
      return new Lane(index, new RateModel(laneOptions, emit), login);
    });
    for (const lane of this.lanes) lane.model.updateRate(o.clock.now());
  }

  get size(): number {
    return this.lanes.length;
  }

  /** Every lane's login failed: the last failure ends every request. */
  get failure(): ApiFailure | undefined {
    let last: ApiFailure | undefined;
    for (const lane of this.lanes) {
      if (!lane.login.failure) return undefined;
      last = lane.login.failure;
    }
    return last;
  }

  /** Takes a start on some lane if one may start now; else when to ask again, or nothing to do until an event. */
  next(now: number): LaneStart {
    const held = Math.max(this.sharedPauseUntil, this.ceilingDue(now));
    if (now < held) return { notBefore: held };
    if (this.inFlight >= this.o.maxConcurrency) return { wait: true };
    let earliest = Number.POSITIVE_INFINITY;
    const n = this.lanes.length;
    for (let i = 0; i < n; i++) {
      const lane = this.lanes[(this.cursor + i) % n] as Lane;
      const { login, model } = lane;
      if (login.failure || (login.inProgress && !login.usableWhileRenewing(now))) continue;
      if (login.renewalDue(now)) {
        void login.ensure('expiry');
        continue;
      }
      if (lane.inFlight >= model.concurrency) continue;
      if (now < lane.heldUntil) {
        earliest = Math.min(earliest, lane.heldUntil);
        continue;
      }
      const start = model.tryStart(now);
      if ('notBefore' in start) {
        earliest = Math.min(earliest, start.notBefore);
        continue;
      }
      this.cursor = (lane.index + 1) % n;
      lane.inFlight++;
      lane.requests++;
      this.inFlight++;
      const permit: Permit = { generation: login.generation, startedAt: now, index: start.index };
      this.permits.set(permit, { lane, start: this.takeCombinedSlot(now) });
      return { lane: lane.index, permit };
    }
    return Number.isFinite(earliest) ? { notBefore: earliest } : { wait: true };
  }

  /** Whether a lane other than the one of `login` has a token that may take a request: no login failed or under way. */
  otherLaneReady(login: LoginGate): boolean {
    return this.lanes.some((lane) => lane.login !== login && !lane.login.failure && !lane.login.inProgress);
  }

  /** No request is under way: logins waiting to try again stop (LoginGate.unwanted). */
  idle(): void {
    for (const lane of this.lanes) lane.login.unwanted();
  }

  laneOf(permit: Permit): number {
    return this.permits.get(permit)?.lane.index ?? 0;
  }

  loginOf(permit: Permit): LoginGate {
    return (this.permits.get(permit)?.lane ?? (this.lanes[0] as Lane)).login;
  }

  /** The attempt on `permit` ended, with an answer or without (its call threw). */
  released(permit: Permit): void {
    const held = this.permits.get(permit);
    if (!held) return;
    held.lane.inFlight--;
    this.inFlight--;
  }

  /** Folds one answer into its lane, and into the combined ceiling when a limit above the lanes answered. */
  observe(outcome: ApiOutcome<unknown>, permit: Permit, now: number): void {
    const held = this.permits.get(permit);
    if (!held) return;
    const { lane } = held;
    const unauthorized = !outcome.ok && outcome.kind === 'auth';
    if (outcome.status !== undefined) lane.login.answered(permit.generation, unauthorized);
    const reset = outcome.rateLimit.resetSeconds;
    if (reset !== undefined && Number.isFinite(reset) && reset > 0) {
      this.windowMs = Math.max(this.windowMs ?? 0, Math.ceil(reset) * 1000);
    }
    if (this.lanes.length > 1) this.holdIfFailing(lane, outcome, now);
    if (outcome.ok) {
      this.aboveStreak = 0;
      if (this.lanes.length > 1) this.accepted.add(now, this.windowMs ?? DEFAULT_WINDOW_MS);
    }
    if (outcome.ok || outcome.kind !== 'rate_limited' || this.lanes.length === 1) {
      lane.model.observe(outcome, permit, now);
      return;
    }
    lane.rateLimited++;
    if (outcome.code !== undefined && outcome.code !== PER_TOKEN_429_CODE) {
      // Not this token's limit: its own pace stays, but its latency and headers still count.
      lane.model.observe({ ...outcome, kind: 'server' }, permit, now);
      this.aboveTheTokens(outcome, held.start, now);
      return;
    }
    lane.model.observe(outcome, permit, now);
    lane.last429 = now;
    const window = this.windowMs ?? DEFAULT_WINDOW_MS;
    const lanesLimited = this.lanes.filter((l) => l.last429 > now - window).length;
    if (lanesLimited >= 2 && lanesLimited * 2 > this.lanes.length) this.aboveTheTokens(outcome, held.start, now);
  }

  /** When a rate-limited request could start again: the soonest any live lane's pause ends. */
  restartAt(now: number): number {
    let soonest = Number.POSITIVE_INFINITY;
    for (const lane of this.lanes) {
      if (!lane.login.failure) soonest = Math.min(soonest, lane.model.pausedUntil);
    }
    return Math.max(Number.isFinite(soonest) ? soonest : now, this.sharedPauseUntil);
  }

  ratePerSecond(now: number): number {
    const sum = this.lanes.reduce((acc, lane) => acc + lane.model.pace(now).ratePerSecond, 0);
    return this.ceiling ? Math.min(sum, ceilingRate(this.ceiling, now)) : sum;
  }

  concurrency(): number {
    const sum = this.lanes.reduce((acc, lane) => acc + lane.model.concurrency, 0);
    return Math.min(this.o.maxConcurrency, sum);
  }

  pausedMs(now: number): number {
    const lanes = Math.max(...this.lanes.map((lane) => lane.model.pausedMs(now)));
    return lanes + this.sharedPausedMs - Math.max(0, this.sharedPauseUntil - now);
  }

  laneStats(now: number): LaneStats[] {
    return this.lanes.map((lane) => ({
      lane: lane.index,
      requests: lane.requests,
      rateLimited: lane.rateLimited,
      requestsPerSecond: lane.model.pace(now).ratePerSecond,
      inFlight: lane.inFlight,
    }));
  }

  /**
   * A lane whose requests keep failing (5xx, network, timeout) while another lane works is held back, for a backoff
   * that doubles with each further failure: its token's requests may reach a failing part of the platform, and each
   * of its failures costs a retry from the budget every lane shares (one such lane of four failed 1,188 of 2,000
   * requests). When every lane fails, none is held: that is the platform's, and the retries' backoff deals with it.
   */
  private holdIfFailing(lane: Lane, outcome: ApiOutcome<unknown>, now: number): void {
    const kind = outcome.ok ? undefined : outcome.kind;
    if (kind !== 'server' && kind !== 'network' && kind !== 'timeout') {
      lane.failures = 0;
      lane.lastWorked = now;
      return;
    }
    lane.failures++;
    if (lane.failures < LANE_FAILURES_TO_HOLD) return;
    const othersWork = this.lanes.some((l) => l !== lane && l.failures === 0 && l.lastWorked > lane.lastWorked);
    if (!othersWork) return;
    const n = lane.failures - LANE_FAILURES_TO_HOLD;
    lane.heldUntil = now + Math.min(this.o.backoffCapMs, this.o.backoffBaseMs * 2 ** n);
  }

  /** When the combined ceiling lets the next start go. */
  private ceilingDue(now: number): number {
    if (!this.ceiling) return Number.NEGATIVE_INFINITY;
    return this.lastSlot + 1000 / ceilingRate(this.ceiling, now);
  }

  private takeCombinedSlot(now: number): number {
    if (this.ceiling) {
      const interval = 1000 / ceilingRate(this.ceiling, now);
      const due = this.lastSlot + interval;
      this.lastSlot = slotFor(now, due, interval, this.sharedPauseUntil);
    }
    const recent = this.recentStarts;
    recent.push(now);
    while ((recent[0] as number) <= now - MEASURE_SPAN_MS) recent.shift();
    return this.starts++;
  }

  private aboveTheTokens(outcome: ApiFailure, start: number, now: number): void {
    this.aboveStreak++;
    const retryAfter = outcome.retryAfterSeconds;
    const until =
      retryAfter !== undefined && Number.isFinite(retryAfter) && retryAfter >= 0
        ? now + retryAfter * 1000
        : now + fullJitterDelay(this.aboveStreak - 1, this.o.backoffBaseMs, this.o.backoffCapMs, this.o.random);
    if (until > this.sharedPauseUntil) {
      this.sharedPausedMs += until - Math.max(this.sharedPauseUntil, now);
      this.sharedPauseUntil = until;
      this.emit({ type: 'pause', at: now, untilMs: until, retryAfterSeconds: retryAfter });
    }
    // Requests started before the last decrease report the old rate: one congestion event, one decrease.
    if (start < this.decreasedAtStart) return;
    const measured = measuredRate(this.recentStarts, now, MEASURE_SPAN_MS, 1000);
    const current = this.ratePerSecond(now);
    const failedAt = measured === undefined ? current : Math.min(current, measured);
    // Without headers the window is a guess: a run younger than it has not had a whole one to count.
    const windowMs = this.windowMs ?? Math.min(DEFAULT_WINDOW_MS, Math.max(1000, now - (this.accepted.first ?? now)));
    const limit = learnedLimit(this.accepted.countAfter(now - windowMs), windowMs, failedAt);
    this.ceiling = relearned(this.ceiling, limit, now, Math.max(now, this.sharedPauseUntil));
    this.decreasedAtStart = this.starts;
    this.emit({
      type: 'rate',
      at: now,
      requestsPerSecond: ceilingRate(this.ceiling, now),
      concurrency: this.concurrency(),
      source: 'discovered',
    });
  }
}
