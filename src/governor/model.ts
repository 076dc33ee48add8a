/**
 * The rate model: what the platform's answers say about how fast requests may start (headers, or discovery without
 * them), the in-flight figure by Little's law, and the pause a 429 puts on every start. Policy is in pacing.ts.
 */
import type { ApiFailure, ApiOutcome } from '../genesys/types.js';
import type { ResolvedOptions } from './options.js';
import {
  type Discovery,
  discoveryRate,
  FIXED_WINDOW_MARGIN,
  type HeaderModel,
  headerPace,
  latencyEwma,
  littleConcurrency,
  measuredRate,
  observeHeaders,
  type Pace,
  startDiscovery,
  throttled,
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

/** A timer that fires this late still keeps its pace slot, so timer lag does not slow the average rate. */
const LATE_TOLERANCE_MS = 20;
/** Starts kept to measure the rate actually achieved when a 429 arrives. */
const MEASURE_SPAN_MS = 2000;
/** A rate event is emitted when the rate moves by more than this fraction, or concurrency or source changes. */
const RATE_EVENT_STEP = 0.05;

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

  constructor(
    private readonly o: ResolvedOptions,
    private readonly emit: (event: GovernorEvent) => void,
  ) {}

  pace(now: number): Pace {
    const { headers, discovery, o } = this;
    if (headers) {
      const fromHeaders = headerPace(headers, now, this.starts, headers.fixed ? FIXED_WINDOW_MARGIN : o.safetyMargin);
      if (!discovery) return fromHeaders;
      return { ...fromHeaders, ratePerSecond: Math.min(fromHeaders.ratePerSecond, discoveryRate(discovery, now)) };
    }
    if (discovery) return { ratePerSecond: discoveryRate(discovery, now) };
    return { ratePerSecond: o.initialRatePerSecond };
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
    const { ratePerSecond, holdUntil = Number.NEGATIVE_INFINITY } = this.pace(now);
    const interval = 1000 / ratePerSecond;
    const due = this.lastSlot + interval;
    const at = Math.max(due, this.pausedUntil, holdUntil);
    if (now < at) return { notBefore: at };
    // Keep the ideal slot when the pace alone held this start and the wake-up was only a little late;
    // otherwise (after idling, a pause or a hold) start a fresh schedule now, so no backlog bursts out.
    const keepSlot =
      due >= Math.max(this.pausedUntil, holdUntil) && now - due <= Math.min(interval / 2, LATE_TOLERANCE_MS);
    this.lastSlot = keepSlot ? due : now;
    const index = this.starts++;
    const recent = this.recentStarts;
    recent.push(now);
    while ((recent[0] as number) <= now - MEASURE_SPAN_MS) recent.shift();
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
    const previousAllowed = this.headers?.allowed;
    this.headers = observeHeaders(this.headers, outcome.rateLimit ?? {}, now, permit.index);
    if (this.headers) {
      // The slow start is no ceiling, and a new `allowed` makes any ceiling learned from 429s obsolete.
      if (this.source !== 'headers' || this.headers.allowed !== previousAllowed) this.discovery = undefined;
      this.source = 'headers';
    } else if (this.source === 'initial') {
      this.source = 'discovered';
      this.discovery = startDiscovery(this.o.initialRatePerSecond, now);
    }
    if (outcome.ok) this.rateLimitStreak = 0;
    else if (outcome.kind === 'rate_limited') this.rateLimited(outcome, permit, now);
    this.updateRate(now);
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
    if (permit.index < this.decreasedAtStart) return;
    const paced = this.pace(permit.startedAt).ratePerSecond;
    // A slow-start ramp runs ahead of its own average: the pace at the refused start is the rate that failed.
    const measured =
      this.discovery?.phase === 'slow_start'
        ? undefined
        : measuredRate(this.recentStarts, now, MEASURE_SPAN_MS, Math.max(250, 3000 / paced));
    const failedAt = measured === undefined ? paced : Math.min(paced, measured);
    this.discovery = throttled(this.discovery, failedAt, Math.max(now, this.pausedUntil));
    this.decreasedAtStart = this.starts;
  }
}
