/**
 * The rate model: what the platform's answers say about how fast requests may start (headers, or discovery without
 * them), the in-flight figure by Little's law, and the pause a 429 puts on every start. Policy is in pacing.ts and
 * discovery.ts.
 */
import type { ApiFailure, ApiOutcome } from '../genesys/types.js';
import { AcceptedLog } from './accepted.js';
import {
  BOOST_DOUBLING_MS,
  boostAt,
  checkIdle,
  checkRateLimited,
  type HeadroomCheck,
  observeCheck,
  rampedLately,
  startCheck,
} from './check.js';
import {
  CUBIC_K_SECONDS,
  climbFrom,
  type Discovery,
  discoveryRate,
  MIN_RATE,
  probed,
  rampProbed,
  regrowing,
  regrowRefused,
  startDiscovery,
  stillFull,
  throttled,
  windowSpent,
} from './discovery.js';
import type { ResolvedOptions } from './options.js';
import {
  countBetween,
  FIXED_WINDOW_MARGIN,
  fixedWindowRest,
  type HeaderModel,
  headerPace,
  latencyEwma,
  littleConcurrency,
  MEASURE_SPAN_MS,
  measuredRate,
  observeHeaders,
  type Pace,
  probeThroughHold,
  slotFor,
} from './pacing.js';
import { fullJitterDelay } from './retry.js';
import type { GovernorEvent, RateSource } from './types.js';

/** One attempt's start. */
export interface Permit {
  /** Login generation the attempt was sent with. */
  generation: number;
  startedAt: number;
  /** Sequence number of the start, from 0. */
  index: number;
}

/** A rate event is emitted when the rate moves by more than this fraction, or concurrency or source changes. */
const RATE_EVENT_STEP = 0.05;
/** A pause between starts this long restarts the measure of stale headers' lag. */
const LAG_IDLE_MS = 1000;
/** Accepted starts are counted over this span, or the headers' window when longer, to fall back to. */
const ACCEPTED_SPAN_MS = 3000;
/**
 * Without headers, what was accepted since a 429 this recent is what a full server frees (`stillFull` in
 * discovery.ts). Later, it is a climb's: a sliding log's 429 7 s after slow start's (whose Retry-After was that long)
 * measured 1.5 req/s, and a climb from there (without this bound or `FREED_SHARE`) drew 0.98% -> 1.31% 429s. While a
 * debt is paid (`owed`), though, a later 429 still meets it, and what was freed since is still its measure: without
 * it, a counter's 429 3.3 s after the last fell back to 0.7 of the last start with wMax no longer held, and stayed at
 * 6 of 20 req/s for the rest of the run (1.835; with it 1.073).
 */
const FREED_WITHIN_MS = 2500;
/**
 * With headers, a 429 this long after the last one, at the top of a climb, is capped by what the server accepted in
 * between (`acceptedSinceRefused`) as well as by the rate that failed. Sooner, that measure is mostly the ramp back
 * from the pause: a GCRA of 11 requests, its second 429 2.4 s after the first, was held at 17 of 20 req/s (1.14).
 */
const SETTLED_MS = 5000;

export class RateModel {
  source: RateSource = 'initial';
  /** Requests in flight Little's law asks for at the current rate and latency. */
  concurrency = 1;
  /** No request starts before this: the shared pause after a 429. */
  pausedUntil = Number.NEGATIVE_INFINITY;
  /** Starts so far. */
  starts = 0;
  private headers: HeaderModel | undefined;
  /** Without headers: the rate. With headers: a ceiling after 429s the headers did not predict. */
  private discovery: Discovery | undefined;
  /** Starts before this index were sent before the last decrease. */
  private decreasedAtStart = 0;
  private latencyMs: number | undefined;
  private lastRateEvent: { rate: number; concurrency: number; source: RateSource } | undefined;
  private readonly recentStarts: number[] = [];
  private lastSlot = Number.NEGATIVE_INFINITY;
  private rateLimitStreak = 0;
  private pausedTotalMs = 0;
  /** Whether the headers' pace is checked against what the server does (check.ts). */
  private check: HeadroomCheck | undefined;
  /** What the server accepted, for the rate actually accepted. */
  private readonly accepted = new AcceptedLog();
  private firstStartAt: number | undefined;
  private lastHoldAt = Number.NEGATIVE_INFINITY;
  /** The 429s since the one that ended slow start have all met a server still full (`stillFull`). */
  private overshootEpisode = false;
  /**
   * The count the first answer with headers showed: one request's worth, the unit of the count (`headerPace`). A
   * fresh limiter counts the first request as 1; one that scales its count to a larger quota, as more.
   */
  private firstCount: number | undefined;
  /**
   * A first count over half of `allowed` is taken as its unit only once a start the headers showed at zero
   * (`zeroStart`, the index of the last) shows it again: one request's worth, not a count other clients had raised.
   */
  private unitConfirmed = false;
  private zeroStart: number | undefined;
  /**
   * Stale headers: how far the count lags behind the server, once known (0: current). An accepted answer whose count
   * is 0 cannot be current (a count includes the request it answers): the headers describe the server as it was, and
   * the first count above 0 comes about a lag after the first start.
   */
  private lagMs: number | undefined;
  private lagging = false;
  /** The last start sent through a hold (`probeThroughHold`): its 429 is the hold's, no news about the rate. */
  private probeIndex: number | undefined;
  /** A 429 has met a ceiling's resumed slow start (`regrowing`): later ceilings hold their tops. */
  private regrew = false;

  constructor(
    private readonly o: ResolvedOptions,
    private readonly emit: (event: GovernorEvent) => void,
  ) {}

  /** How far the headers' count lags behind the server, once measured (0: current). */
  get headersLagMs(): number | undefined {
    return this.lagMs;
  }

  pace(now: number): Pace {
    const { headers, discovery, o } = this;
    if (headers) {
      const fromHeaders = this.headerPace(now);
      const boost = this.check ? boostAt(this.check, now) : 1;
      // A pace raised above the headers' has shown their model too slow; their hold is part of that model.
      const paced = boost > 1 ? { ratePerSecond: fromHeaders.ratePerSecond * boost } : fromHeaders;
      if (!discovery) return paced;
      return { ...paced, ratePerSecond: Math.min(paced.ratePerSecond, discoveryRate(discovery, now)) };
    }
    if (discovery) return { ratePerSecond: discoveryRate(discovery, now) };
    return { ratePerSecond: o.initialRatePerSecond };
  }

  /**
   * The headers' pace, in requests: a count that never went below `unit` counts in units of that many requests (a
   * limiter that scales its count to a larger quota), so `allowed` and the count are divided by it. In a fixed window,
   * faster when its rest would otherwise go unspent (`spendRest`; the check judges the even pace, without it).
   */
  private headerPace(now: number, spendRest = true): Pace {
    const headers = this.headers as HeaderModel;
    const unit = this.countUnit(headers);
    const inRequests =
      unit === 1
        ? headers
        : {
            ...headers,
            allowed: headers.allowed / unit,
            ...(headers.quota && { quota: { ...headers.quota, count: headers.quota.count / unit } }),
          };
    const pace = headerPace(inRequests, now, this.starts, headers.fixed ? FIXED_WINDOW_MARGIN : this.o.safetyMargin);
    if (!spendRest || !headers.fixed || pace.holdUntil !== undefined) return pace;
    const rest = fixedWindowRest(inRequests, now, this.starts, pace.ratePerSecond, this.latencyMs);
    return rest === undefined ? pace : { ratePerSecond: rest };
  }

  private countUnit(headers: HeaderModel): number {
    const unit = this.firstCount;
    return unit !== undefined && unit > 1 && (unit <= headers.allowed / 2 || this.unitConfirmed) ? unit : 1;
  }

  updateRate(now: number): void {
    const rate = this.pace(now).ratePerSecond;
    const concurrency = littleConcurrency(rate, this.latencyMs, this.o.maxConcurrency, this.concurrency);
    this.concurrency = concurrency;
    const last = this.lastRateEvent;
    const source = this.source;
    if (
      last &&
      last.concurrency === concurrency &&
      last.source === source &&
      Math.abs(rate - last.rate) <= last.rate * RATE_EVENT_STEP
    ) {
      return;
    }
    this.lastRateEvent = { rate, concurrency, source };
    this.emit({ type: 'rate', at: now, requestsPerSecond: rate, concurrency, source });
  }

  /** Takes the next start at `now` when the pace, the pause and any hold allow it (its index); else when to ask again. */
  tryStart(now: number): { index: number } | { notBefore: number } {
    const lastStart = this.recentStarts.at(-1);
    // Only a growing check can be stopped by idling (`checkIdle`): the pace at the last start is worked out for it
    // alone, not on every start.
    if (this.check?.growing && lastStart !== undefined) {
      this.check = checkIdle(this.check, lastStart, now, 1000 / this.pace(lastStart).ratePerSecond);
    }
    const { ratePerSecond, holdUntil: held = Number.NEGATIVE_INFINITY } = this.pace(now);
    const holdUntil = this.lagMs && !this.headers?.turned ? probeThroughHold(held, now, lastStart) : held;
    const interval = 1000 / ratePerSecond;
    const due = this.lastSlot + interval;
    const at = Math.max(due, this.pausedUntil, holdUntil);
    if (held > now) this.lastHoldAt = now;
    if (now < at) return { notBefore: at };
    // While the lag is unknown it is measured from the first start after the last idle span: requests before it
    // (a CLI's reads before its writes) may have left the server's count long before the first count above 0. A 429's
    // pause is no idle span: the server was pressed when it came, and the ramp's starts before it are in the counts
    // after it. (Taken as one, a bucket of 3 at 20 req/s, headers 3.3 s stale, refused before any count above 0 had a
    // lag of one latency, and the ramp's counts at its top were then seen as pressure after the 429 and held it at
    // 18-20 req/s: 1.075-1.163 over 8 seeds, with `checkRateLimited`'s start index 1.084-1.131.)
    const idleFrom = Math.max(lastStart ?? Number.NEGATIVE_INFINITY, this.pausedUntil);
    if (this.lagMs === undefined && (lastStart === undefined || now - idleFrom > LAG_IDLE_MS)) this.firstStartAt = now;
    this.lastSlot = slotFor(now, due, interval, Math.max(this.pausedUntil, holdUntil));
    const index = this.starts++;
    if (held > now) this.probeIndex = index;
    const quota = this.headers?.quota;
    if (quota && now >= quota.endsAt) this.zeroStart = index;
    const recent = this.recentStarts;
    recent.push(now);
    const keep = Math.max(MEASURE_SPAN_MS, this.headers?.windowMs ?? 0) + (this.lagMs ?? 0);
    while ((recent[0] as number) <= now - keep) recent.shift();
    return { index };
  }

  /** Folds one answer into the model: latency, headers, and on a 429 the pause and the slower rate. */
  observe(outcome: ApiOutcome<unknown>, permit: Permit, now: number): void {
    // Little's law wants the time a request holds its slot, which is more than the HTTP latency when the call does
    // work of its own first (the run layer makes its journal entry durable inside the call, before sending).
    const held = now - permit.startedAt;
    if (Number.isFinite(held) && held >= 0) {
      this.latencyMs = latencyEwma(this.latencyMs, Math.max(held, outcome.latencyMs || 0));
    }
    if (outcome.ok) {
      this.accepted.accept(permit.startedAt, now, Math.max(ACCEPTED_SPAN_MS, this.headers?.windowMs ?? 0));
    }
    const previousAllowed = this.headers?.allowed;
    this.measureLag(outcome, now);
    // Stale headers describe the server a lag ago: the requests it had counted then, and its end from then.
    const seenAt = now - (this.lagMs ?? 0);
    const seenIndex = this.lagMs ? this.lastStartedBy(seenAt - (this.latencyMs ?? 0)) : permit.index;
    // A fixed window's count is exact, so a stale one is placed where it was taken: its end is then plus the reset,
    // and what started since then is not in it (placed at the answer, a fixed-clock window 4.4 s stale drew 8 429s in
    // 610). Elsewhere the guard is only safe-side, and a stale count held it too long (a sliding log 1.04 -> 2.0).
    const exact = this.headers?.fixed === true;
    this.headers = observeHeaders(
      this.headers,
      outcome.rateLimit ?? {},
      exact ? seenAt : now,
      exact ? seenIndex : permit.index,
      seenAt,
    );
    if (this.headers) {
      // The slow start is no ceiling, and a new `allowed` makes any ceiling learned from 429s obsolete.
      if (this.source !== 'headers' || this.headers.allowed !== previousAllowed) {
        this.discovery = undefined;
        this.check = startCheck(now);
      }
      this.source = 'headers';
      this.checkHeaders(outcome, now, seenAt, seenIndex);
    } else if (this.source === 'initial') {
      this.source = 'discovered';
      this.discovery = startDiscovery(this.o.initialRatePerSecond, now);
      this.accepted.discoveryBegan(now);
    }
    if (outcome.ok) this.rateLimitStreak = 0;
    else if (outcome.kind === 'rate_limited') this.rateLimited(outcome, permit, now);
    this.updateRate(now);
  }

  /** Whether the headers' pace holds up: raises it while they show headroom (check.ts). */
  private checkHeaders(outcome: ApiOutcome<unknown>, now: number, seenAt: number, seenIndex: number): void {
    const { headers, check } = this;
    const count = outcome.rateLimit?.count;
    if (!headers || !check || count === undefined || !Number.isFinite(count)) return;
    // A 429 is judged in one place, `rateLimited` (the rate the server accepted, `checkRateLimited`), not also here:
    // settling on its count would take the drain of samples that, stale, show the server before it was pressed
    // (the rate sent then, far below its limit), and would leave that as the pace the 429 then takes as the rate
    // that failed. Measured before: a 3-request bucket with headers 3.3 s stale fell from 27 to 6.4 req/s, ratio 2.4.
    if (!outcome.ok && outcome.kind === 'rate_limited') return;
    // Only the run's first answer: later ones count other requests too, and stale headers start from zero.
    if (this.firstCount === undefined) this.firstCount = seenIndex === 0 && outcome.ok ? count : 1;
    // A bucket of one request, its count scaled to a quota of 100, shows 100 of 100 on every request it takes from
    // zero: read as 100 requests, each was held to its whole-second reset as pressure, 1 req/s (19.6; as one request,
    // 1.75 like its truthful twin). A count others had raised shows, after its reset, what they took since: not the
    // first count to the request again.
    else if (outcome.ok && seenAt === now && seenIndex === this.zeroStart && count === this.firstCount) {
      this.unitConfirmed = true;
    }
    const unit = this.countUnit(headers);
    this.check = observeCheck(check, {
      now,
      seenAt,
      count: count / unit,
      allowed: headers.allowed / unit,
      index: seenIndex,
      // A hold on a count of one request (a bucket of one, held to its whole-second reset) is the headers' model, not
      // the server's pressure: taken as busy, a 20 req/s bucket of one ran at 1 req/s without a single 429 (21.0).
      busy: !outcome.ok || (this.lastHoldAt > check.busyAt && count / unit > 1),
      windowMs: headers.windowMs,
      headerRate: this.headerPace(now, false).ratePerSecond,
      sentRate: measuredRate(this.recentStarts, now, MEASURE_SPAN_MS),
      startedInWindow: countBetween(this.recentStarts, this.windowFrom(headers, seenAt), seenAt),
      started: this.starts,
      ...(this.discovery && { ceilingRate: climbFrom(this.discovery) }),
      ...(this.lagging && this.lagMs === undefined && count === 0 && { blindFloorRate: this.o.initialRatePerSecond }),
    });
  }

  /**
   * Where the headers' window, up to `seenAt`, began: a window back, or in a fixed window its start. A count far under
   * what was started in the window before its turn is no server that forgets sooner (boosted on that, a fixed-clock
   * window 1.7 s stale ran at 79 req/s into its end: 6 429s).
   */
  private windowFrom(headers: HeaderModel, seenAt: number): number {
    const from = seenAt - headers.windowMs;
    return headers.fixed && headers.windowStart ? Math.max(from, headers.windowStart.at - 1) : from;
  }

  private measureLag(outcome: ApiOutcome<unknown>, now: number): void {
    const count = outcome.rateLimit?.count;
    if (this.lagMs !== undefined || !outcome.ok || count === undefined || !Number.isFinite(count)) return;
    if (count <= 0) this.lagging = true;
    else this.lagMs = this.lagging ? now - (this.firstStartAt ?? now) : 0;
  }

  /** The index of the last start at or before `at` (-1 before the first); starts older than those kept count as before. */
  private lastStartedBy(at: number): number {
    const recent = this.recentStarts;
    let i = recent.length - 1;
    while (i >= 0 && (recent[i] as number) > at) i--;
    return this.starts - recent.length + i;
  }

  /** Requests per second accepted over the last span, counted by their starts. */
  private acceptedRate(
    now: number,
    span = Math.max(ACCEPTED_SPAN_MS, this.headers?.windowMs ?? 0),
  ): number | undefined {
    return this.accepted.rate(now, span, this.pace(now).ratePerSecond);
  }

  /** What the server took since the last 429 (`AcceptedLog.sinceRefused`), with the headers' capacity in requests. */
  private acceptedSinceRefused(now: number, answeringMs = 0): number | undefined {
    const headers = this.headers;
    const capacity = headers && headers.allowed / this.countUnit(headers);
    return this.accepted.sinceRefused(now, this.pausedMs(now), capacity, answeringMs);
  }

  /** Time paused so far, up to `now`. */
  pausedMs(now: number): number {
    return this.pausedTotalMs - Math.max(0, this.pausedUntil - now);
  }

  private extendPause(until: number, now: number, retryAfterSeconds: number | undefined): void {
    if (until <= this.pausedUntil) return;
    this.pausedTotalMs += until - Math.max(this.pausedUntil, now);
    this.pausedUntil = until;
    this.emit({ type: 'pause', at: now, untilMs: until, retryAfterSeconds });
  }

  private rateLimited(outcome: ApiFailure, permit: Permit, now: number): void {
    const { o } = this;
    this.rateLimitStreak++;
    const retryAfter = outcome.retryAfterSeconds;
    const windowEnd = this.headers?.quota?.endsAt;
    let until: number;
    if (retryAfter !== undefined && Number.isFinite(retryAfter) && retryAfter >= 0) until = now + retryAfter * 1000;
    else if (windowEnd !== undefined && windowEnd > now) until = windowEnd;
    else until = now + fullJitterDelay(this.rateLimitStreak - 1, o.backoffBaseMs, o.backoffCapMs, o.random);
    this.extendPause(until, now, retryAfter);
    // Requests sent before the last slow-down report the old pace: one congestion event, one decrease.
    if (permit.index < this.decreasedAtStart || permit.index === this.probeIndex) return;
    const paced = this.pace(permit.startedAt).ratePerSecond;
    // A slow-start ramp runs ahead of its own average: the pace at the refused start is the rate that failed. Not so
    // the check's boost ramp, whose 429s come from small buckets, which refuse soon after the ramp passes their
    // refill rate: the rates sent and accepted over its last doubling. (At the ramp's end, in real time: three 429s
    // instead of one, ratio 1.37 against 1.30; over two or three seconds, the pace after the 429 was 12–16 of 20.)
    const boosting = this.check !== undefined && rampedLately(this.check, now);
    const span = boosting ? BOOST_DOUBLING_MS : MEASURE_SPAN_MS;
    const measured =
      this.discovery?.phase === 'slow_start'
        ? undefined
        : measuredRate(this.recentStarts, now, span, Math.max(250, 3000 / paced));
    const failedAt = measured === undefined ? paced : Math.min(paced, measured);
    const resumeAt = Math.max(now, this.pausedUntil);
    // The headers did not see this coming: their model is wrong for this server. Fall back to what it accepted.
    const accepted = this.headers && this.check ? this.acceptedRate(now, boosting ? span : undefined) : undefined;
    // Without headers, only while slow start's overshoot is being paid for: a climb from its cut that started above a
    // small bucket's rate drained the burst, which is no evidence the limit fell (a GCRA of 13 requests was cut twice
    // by 0.7, to 15 of 20 req/s). Later, what was accepted since the last 429 may be a limit that has fallen since.
    const sustained =
      accepted !== undefined
        ? (this.acceptedSinceRefused(now, now - permit.startedAt) ?? accepted)
        : !this.headers && this.overshootEpisode
          ? this.acceptedSinceRefused(now)
          : undefined;
    // A bucket's burst lets a climb run past its rate for seconds before the 429, so the rate that failed is above
    // it, and each climb back to it drew another 429: a 20-request bucket, every 8 s (7 429s in 607, 1.15%).
    const refusedAt = this.accepted.lastRefusedAt;
    const settledFor = refusedAt === undefined ? 0 : now - refusedAt;
    const limitAt =
      this.headers && sustained !== undefined && settledFor >= SETTLED_MS ? Math.min(failedAt, sustained) : failedAt;
    // Only while slow start's overshoot is still being paid for: later, a server full again may have a lower limit (a
    // fixed window's limit halved kept its old wMax). With headers the fallback to what was accepted covers this (and
    // measured worse: a 1.4% bucket, lag 618 ms, 1.133 to 1.25), but for a counter the headers have shown, whose next
    // 429 soon after meets the last window's weight, not a lower limit: cut on it, 20 req/s with headers 4 s stale
    // held at 11–12 (1.252), kept at 1.093.
    const counterAgain = this.headers?.counter === true && settledFor < SETTLED_MS;
    // While a debt is paid (`owed`), a 429 under the long-run rate is more of it, whatever was accepted since the last:
    // taken as a limit, each cut the next, down to 2 of 20 req/s once the probe past it was refused (ratio 3.3).
    const longRun = this.headers ? undefined : this.accepted.longRun(now);
    const owed = this.discovery?.owed === true && (longRun === undefined || failedAt < longRun);
    const stillFullNow = this.accepted.refused(now, failedAt, this.pausedMs(now));
    const full = (stillFullNow && !this.headers && this.overshootEpisode) || counterAgain || owed;
    // Without headers, the 429s from slow start's end until one meets a rate probed past the cut (`discoveryRate`), or
    // one comes a whole climb after the last: a limit that fell later is no reason to go back up.
    const d = this.discovery;
    const probing =
      d?.phase === 'slow_start' ||
      (d?.probeTo !== undefined && paced <= d.base && now - d.since < CUBIC_K_SECONDS * 1000);
    const probeTo = probing ? longRun : undefined;
    // A 429 on the probe past slow start's cut is news of the limit, not a server still full (`probed`); the pace,
    // not the rate measured over the last span, is the probe's rate (`rampLimit`).
    const rampProbe = !this.headers && rampProbed(d, paced);
    const freed =
      !this.headers && sustained !== undefined && (settledFor <= FREED_WITHIN_MS || this.discovery?.owed === true)
        ? { rate: sustained, floor: retryAfter ? 1 / retryAfter : MIN_RATE, ...(longRun !== undefined && { longRun }) }
        : undefined;
    this.overshootEpisode = full || this.discovery?.phase === 'slow_start';
    const onRegrowth = d !== undefined && regrowing(d, permit.startedAt);
    this.regrew ||= onRegrowth;
    const next = onRegrowth
      ? regrowRefused(d, paced, resumeAt)
      : rampProbe
        ? probed(d, paced, resumeAt)
        : d && full && d.phase === 'cubic'
          ? stillFull(d, failedAt, resumeAt, probeTo, freed)
          : throttled(d, limitAt, resumeAt, accepted, sustained, probeTo, this.headers !== undefined);
    const began = this.headers ? undefined : this.accepted.sinceDiscovery(now);
    const spent = began && d?.phase === 'slow_start' && retryAfter !== undefined && retryAfter > 1;
    const discovery = spent ? windowSpent(next, began.accepted, began.ms) : next;
    // A ceiling resumes slow start once it has held its top (`regrow`) only over headers, only once a run, and only
    // when the 429 that set it met no ramp of the check's: those come from small buckets that refuse a little past
    // their rate, and a climb resumed from there met another (100/5 s, header runs of seeds 7-18: over target 26 -> 28
    // of 216, 429s 219 -> 242; each resume after the first, 429s 231 -> 283). Without headers the climb's plateau is
    // the whole of the pace, and resuming from it drew 429s from buckets run for a minute (600/60 s, headerless runs
    // over target 2 -> 6 of 36).
    this.discovery = this.headers && !this.regrew && !boosting ? { ...discovery, regrow: true } : discovery;
    if (this.headers && this.check) {
      const headerRate = this.headerPace(now, false).ratePerSecond;
      this.check = checkRateLimited(this.check, now, { rate: this.discovery.base, headerRate }, this.starts);
    }
    this.decreasedAtStart = this.starts;
  }
}
