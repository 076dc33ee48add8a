/**
 * Reads the per-request log of a run: pacing detail for every run, and around a mid-run limit change the 429s after
 * it and how long the client took to settle.
 */
import type { LimitChangeRecord } from './types.js';

export interface RequestEvent {
  /** Arrival time, ms on the bench's performance.now() clock. */
  at: number;
  status: number;
  /** The token's serial: each token has a limiter, and so windows, of its own. */
  token?: number;
}

export interface LimitChangeInput {
  /** Rate-limited (/api) requests only, any order. */
  events: RequestEvent[];
  changedAt: number | undefined;
  oldLimit: number;
  newLimit: number;
  windowMs: number;
  /**
   * Whose windows the new limit is counted in. `sliding`: every window-long span (a sliding log's or a bucket's
   * limit). `opened-by-request`: the emulator's fixed window, which opens at the first request after the last one
   * closed; a span across its turn may hold two quotas, and the server refuses none of it.
   */
  windows?: 'sliding' | 'opened-by-request';
}

/**
 * Settled = from this moment on, no request got a 429 and no window that starts at or after it holds more allowed
 * requests than the new limit: no window-long span from it, or in a fixed window's own windows (`windows`), from the
 * end of the last over the limit. Only requests after the change are counted, so
 * requests sent before it (which the client could not have held back) never count against it. The sliding measure is
 * also given for a fixed window (`slidingSettleSeconds`): a client that spends a window's unspent rest before its turn
 * (fixedWindowRest) has spans of up to twice the quota across the turn, which that limiter allows.
 */
export function analyseLimitChange(input: LimitChangeInput): LimitChangeRecord {
  const { oldLimit, newLimit, windowMs, changedAt } = input;
  const events = input.events.slice().sort((a, b) => a.at - b.at);
  const first = events[0]?.at ?? 0;
  const base: LimitChangeRecord = {
    oldLimit,
    newLimit,
    changedAtSeconds: changedAt === undefined ? Number.NaN : (changedAt - first) / 1000,
    requestsAfter: 0,
    rateLimitedAfter: 0,
    rateLimitedAfterPct: 0,
  };
  if (changedAt === undefined) return { ...base, note: 'the limit was never changed (the run ended first)' };
  if (events.length === 0) return { ...base, note: 'no per-request log' };

  const after = events.filter((e) => e.at >= changedAt);
  const limited = after.filter((e) => e.status === 429);
  base.requestsAfter = after.length;
  base.rateLimitedAfter = limited.length;
  base.rateLimitedAfterPct = after.length ? (100 * limited.length) / after.length : 0;

  const allowed = after.filter((e) => e.status !== 429).map((e) => e.at);
  const last429 = limited.length ? limited[limited.length - 1]!.at : -Infinity;
  const slidingSettledAt = Math.max(changedAt, lastSlidingViolation(allowed, windowMs, newLimit), last429);
  const lastViolation =
    input.windows === 'opened-by-request'
      ? lastWindowViolation(events, changedAt, windowMs, newLimit)
      : lastSlidingViolation(allowed, windowMs, newLimit);
  const settledAt = Math.max(changedAt, lastViolation, last429);
  const end = events[events.length - 1]!.at;
  const before = events.filter((e) => e.status !== 429 && e.at >= changedAt - windowMs && e.at < changedAt).length;
  const tail = allowed.filter((t) => t >= settledAt);
  const record: LimitChangeRecord = {
    ...base,
    settleSeconds: (settledAt - changedAt) / 1000,
    ...(input.windows === 'opened-by-request' && { slidingSettleSeconds: (slidingSettledAt - changedAt) / 1000 }),
    rateBefore: before / (windowMs / 1000),
  };
  if (end - settledAt >= windowMs) record.rateAfter = tail.length / ((end - settledAt) / 1000);
  else record.note = 'the run ended less than one window after settling: no steady rate after the change';
  return record;
}

/** The start of the last window-long span, from an allowed request (ascending), holding more than `limit` of them. */
function lastSlidingViolation(allowed: number[], windowMs: number, limit: number): number {
  let last = -Infinity;
  // Two pointers: for each allowed request, how many allowed requests fall in [its time, its time + window).
  let j = 0;
  for (let i = 0; i < allowed.length; i++) {
    if (j < i) j = i;
    while (j < allowed.length && allowed[j]! < allowed[i]! + windowMs) j++;
    if (j - i > limit) last = allowed[i]!;
  }
  return last;
}

/**
 * The end of the last window holding more than `limit` allowed requests made at or after `from`, in a fixed window
 * opened by a request (every request of its token, allowed or not, at or after the end of the last one opens the next).
 */
function lastWindowViolation(events: RequestEvent[], from: number, windowMs: number, limit: number): number {
  let last = -Infinity;
  const windows = new Map<number | undefined, { start: number; count: number }>();
  for (const e of events) {
    let w = windows.get(e.token);
    if (!w || e.at >= w.start + windowMs) {
      w = { start: e.at, count: 0 };
      windows.set(e.token, w);
    }
    if (e.status !== 429 && e.at >= from && ++w.count > limit) last = Math.max(last, w.start + windowMs);
  }
  return last;
}

/** The most allowed requests in any window-long span, and per-second counts from `origin`. */
export function pacing(
  events: RequestEvent[],
  windowMs: number,
  origin: number,
): { busiestWindow: number; perSecond: { allowed: number[]; limited: number[] } } {
  const allowed = events
    .filter((e) => e.status !== 429)
    .map((e) => e.at)
    .sort((a, b) => a - b);
  let busiestWindow = 0;
  let j = 0;
  for (let i = 0; i < allowed.length; i++) {
    if (j < i) j = i;
    while (j < allowed.length && allowed[j]! < allowed[i]! + windowMs) j++;
    busiestWindow = Math.max(busiestWindow, j - i);
  }
  const perSecond = { allowed: [] as number[], limited: [] as number[] };
  for (const e of events) {
    const bin = Math.max(0, Math.floor((e.at - origin) / 1000));
    // Bounded by the run's cap: a client is killed long before this many seconds.
    if (bin > 100_000) continue;
    const series = e.status === 429 ? perSecond.limited : perSecond.allowed;
    while (perSecond.allowed.length <= bin) perSecond.allowed.push(0);
    while (perSecond.limited.length <= bin) perSecond.limited.push(0);
    series[bin]! += 1;
  }
  return { busiestWindow, perSecond };
}
