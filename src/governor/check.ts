/**
 * The governor checking its own model (issue #12): pure policy, times in `clock.now()` ms, rates in requests per second.
 *
 * The headers describe a limiter the tool cannot see, and a model built on them can be wrong either way:
 * - too fast: following them still draws 429s (a bucket whose burst is a small part of the quota, with `allowed` the
 *   quota, looks like a short window holding the whole quota). Then the rate actually accepted is what the server
 *   takes, whatever the headers say: model.ts falls back to it (`acceptedRate`) and probes back up along the cubic.
 * - too slow: whole-second resets make a bucket that refills in a fraction of a second look like a one-second window,
 *   and a sliding-window counter's "back to zero" is two windows away. Then the headers themselves show headroom: the
 *   count stays well below `allowed`, and well below what was started within their window (the server forgets
 *   requests sooner than the model says), for a span with no 429 and no hold. The check then raises the pace above the
 *   headers' (`boost`), doubling like a slow start, until the count shows pressure; it settles at the rate the
 *   server drained requests at while the count rose (`drainRate`), and never above what was sent.
 */

/** The count is "well below" `allowed` under this share: room for a pace that is too slow. */
export const HEADROOM_SHARE = 0.6;
/** The count shows pressure at this share: stop raising the pace. */
export const PRESSURE_SHARE = 0.8;
/**
 * Pressure settles the pace at this share of the least of the rates current, sent and drained; a hold or a 429 at
 * `BUSY_SETTLE` of it. The drain is what the server took, measured, and already lags a ramp (it averages
 * `DRAIN_SPAN_MS`): at 0.97 on top, buckets of 4–5 requests settled at 18.6–19 of 20 req/s (sweep: scaled headers
 * 3 of 12 runs over ratio 1.10, worst 1.140; at 0.99, 1 of 12, worst 1.102).
 */
export const PRESSURE_SETTLE = 0.99;
export const BUSY_SETTLE = 0.9;
/**
 * How long the headers must show headroom before the pace is raised: three quarters of their window (a fixed window
 * paced right is over `HEADROOM_SHARE` for the last 40% of each), within these bounds. The upper bound keeps a model
 * whose window is overstated from wasting a long one; a fixed window raised early meets pressure, then its hold. The
 * lower bound is three quarters of a one-second reset, the least a whole-second reset can say: a bucket of a few
 * requests shows one whatever its refill (sweep, at 1000: bucket headers=scaled 1.4% at 1.102; at 750, 1.092).
 */
export const HEADROOM_SPAN_MS: readonly [number, number] = [750, 6000];
/** While probing, the boost doubles this often. */
export const BOOST_DOUBLING_MS = 1000;
/**
 * No start for this long, nor for `IDLE_INTERVALS` of the pace's interval, stops a raise (`checkIdle`): a pace of a
 * request a second (a bucket of one, its whole-second reset) has a start a second apart as its rule, not as idling.
 */
export const IDLE_MS = 1000;
export const IDLE_INTERVALS = 2;
/** Headroom is not judged before the headers' first window has passed, or this long. */
export const FIRST_WINDOW_CAP_MS = 10_000;
/** The longest headers' window whose pace a count of 0 from stale headers does not hold under the starting rate. */
export const BLIND_WINDOW_MS = 1000;
/** Count samples kept for the drain estimate. */
const DRAIN_SPAN_MS = 2000;
/** Samples are kept at least this far apart, but for the newest (the oldest may move up by as much: 1% of the span). */
const THIN_MS = 20;

export interface CountSample {
  at: number;
  /** The header count, in requests. */
  count: number;
  /** Start index of the request it answered. */
  index: number;
}

export interface HeadroomCheck {
  /** Multiplier on the header pace, ≥ 1. */
  boost: number;
  /** Probing: the boost grows from `base` since `since`. */
  growing: boolean;
  base: number;
  since: number;
  /** Last time the headers, a hold or a 429 showed the limit near: headroom is measured from here. */
  busyAt: number;
  samples: CountSample[];
  /** When the headers were first seen. */
  startedAt: number;
  /**
   * When the boost was last lowered: counts from before it describe the old pace (stale headers show the pressure
   * that caused it for a lag after), one congestion event, one decrease.
   */
  settledAt?: number;
  /** The starts by then: answers to requests started before it describe the old pace too, stale or current. */
  settledIndex?: number;
  /** When a count near the limit last stopped a raise, keeping its boost: the pace is still the ramp's. */
  rampStoppedAt?: number;
}

export function startCheck(now: number): HeadroomCheck {
  return { boost: 1, growing: false, base: 1, since: now, busyAt: now, samples: [], startedAt: now };
}

/** The boost at `now`. */
export function boostAt(check: HeadroomCheck, now: number): number {
  if (!check.growing) return check.boost;
  return check.base * 2 ** (Math.max(0, now - check.since) / BOOST_DOUBLING_MS);
}

/**
 * The rate the server drained requests at over the samples: what was started between the oldest and newest sample,
 * less how much the count rose, over the time between. Undefined over less than half a second or a count that fell
 * by more than was sent (a window turned: nothing drains a fixed window but its end).
 */
export function drainRate(samples: readonly CountSample[]): number | undefined {
  const first = samples[0];
  const last = samples.at(-1);
  if (!first || !last || last.at - first.at < 500) return undefined;
  const started = last.index - first.index;
  const drained = started - (last.count - first.count);
  if (drained < 0 || drained > started * 1.5 + 1) return undefined;
  return (drained * 1000) / (last.at - first.at);
}

/**
 * Folds one answer with headers into the check. `sentRate` is the rate requests were started at lately; `headerRate`
 * the pace the headers give. A hold or a 429 is `busy`.
 */
export function observeCheck(
  check: HeadroomCheck,
  o: {
    now: number;
    /** When the server was as the count says: `now`, or a lag before with stale headers. */
    seenAt?: number;
    count: number;
    allowed: number;
    index: number;
    busy: boolean;
    windowMs: number;
    headerRate: number;
    sentRate: number | undefined;
    /** Requests started within the headers' window up to now. */
    startedInWindow: number;
    /** Requests started so far. */
    started?: number;
    /**
     * Once a 429 has shown these headers wrong, the rate the ceiling learnt from it starts its climb at (model.ts):
     * pressure they show later does not settle the pace below it, or each count at the top of a 3-request bucket
     * would cut a little more. (Not the ceiling's current rate: in real time its probes then drew more 429s from
     * 5–7% buckets with stale headers, about 1% against 0.5–0.7%, for no gain in time.)
     */
    ceilingRate?: number;
    /**
     * Stale headers that have counted none of the run's requests yet (model.ts: an accepted answer with a count of 0
     * before the lag is known): the rate the run started at, which such a count cannot show too fast.
     */
    blindFloorRate?: number;
  },
): HeadroomCheck {
  const { now } = o;
  const seenAt = o.seenAt ?? now;
  const samples = check.samples.filter((s) => s.at > seenAt - DRAIN_SPAN_MS);
  // Only the oldest and the newest sample count (drainRate): one closer than THIN_MS to the one before it gives way
  // to the next, so a run answered 1,000 times a second keeps about a hundred samples, not one per answer, each
  // copied on every answer.
  const prior = samples.at(-2);
  if (prior && seenAt - prior.at < THIN_MS && seenAt >= samples.at(-1)!.at) samples.pop();
  samples.push({ at: seenAt, count: o.count, index: o.index });
  const share = o.count / o.allowed;
  const next: HeadroomCheck = { ...check, samples };
  // A count of one holds nothing but the request it answers: in a bucket of one (its whole-second reset says a
  // request a second, whatever its refill) every count is at `allowed`, and taken as pressure that held it there. A
  // count of two is one arrival's jitter more: in buckets of two, taken as pressure, each settled the pace at a drain
  // measured short by it, 13–17 of 20 req/s (1.55). Their 429s say where the rate is instead.
  if (o.busy || (share >= PRESSURE_SHARE && o.count > 2)) {
    // One congestion event, one decrease: pressure seen before the last, or on a request started before it (a ramp's
    // answers after its settle each cut it 1% again, 70 -> 66 of 100 req/s), describes the pace it cut.
    const seenBefore =
      check.settledAt !== undefined && (seenAt < check.settledAt || o.index < (check.settledIndex ?? 0));
    if ((check.growing || check.boost > 1) && !seenBefore) {
      // Settle where the server drains, never above what was sent, never below the headers' own pace.
      const current = boostAt(check, now) * o.headerRate;
      // A ramp meets pressure over its last doubling: over the span before, it sent (and the server drained) slower.
      // So does one a near count stopped lately (over two seconds, a bucket of 15 at 100 req/s settled at 70).
      const ramping =
        check.growing || (check.rampStoppedAt !== undefined && now - check.rampStoppedAt < BOOST_DOUBLING_MS);
      const ramp = ramping ? samples.filter((s) => s.at > seenAt - BOOST_DOUBLING_MS) : samples;
      const drained = drainRate(ramp);
      const sent = ramping && drained !== undefined ? current : (o.sentRate ?? current);
      const settle = Math.min(current, sent, drained ?? sent * 0.8) * (o.busy ? BUSY_SETTLE : PRESSURE_SETTLE);
      next.boost = Math.max(1, settle / o.headerRate, Math.min(current, o.ceilingRate ?? 0) / o.headerRate);
      if (next.boost < boostAt(check, now)) {
        next.settledAt = now;
        if (o.started !== undefined) next.settledIndex = o.started;
      }
    }
    next.growing = false;
    next.busyAt = now;
    return next;
  }
  // A count that still holds most of what was started within the window agrees with the window: a sliding log, or a
  // fixed window late in its turn. Only a server that forgets requests sooner than the window has room to spare.
  // A count of one request holds nothing but the request it answers, however few were started: with stale headers
  // the window before it may hold none of ours (a CLI's reads, then planning), and taking that as agreement held a
  // 3-request bucket's pace at 14 of 20 req/s for 3 s each run.
  // A current count is near `allowed` by what it holds besides the request it answers: in a bucket of 3, a second
  // request is one arrival's jitter, which the next answer shows gone (taken as near, it held such a bucket at 18.6–19
  // of 20 req/s), and in a bucket of two, that second request is all there can be. A stale count is seen too late to
  // wait for the next, unless it holds only the one request.
  const current = seenAt === now;
  const alone = current || o.count <= 1;
  const others = alone ? o.count - 1 : o.count;
  const room = alone ? o.allowed - 1 : o.allowed;
  if (
    (others > HEADROOM_SHARE * room && (o.count > 2 || !current)) ||
    (o.count > 1 && o.count >= HEADROOM_SHARE * o.startedInWindow)
  ) {
    // Near the limit but not at it: keep the pace (a boost stays), and wait for headroom again.
    if (check.growing) {
      next.boost = boostAt(check, now);
      next.rampStoppedAt = now;
    }
    next.growing = false;
    next.busyAt = now;
    return next;
  }
  // A count of 0 from stale headers describes the server before the run's first request: no headroom to wait for, and
  // in a one-second window (a bucket of 3, its whole-second reset) a pace that is no model of it (2.9 req/s). When
  // that pace is under the rate the run started at, the raise starts at once, from that rate: a bucket of 3 at
  // 20 req/s, headers 3.3 s stale, reached 20 at 2.0 s instead of 3.9 s (1.171 -> 1.093; sweep, header runs over
  // target at 300/15 s 3 -> 2 of 108). A longer window's quota is a model: a sliding-window counter of 600 per 60 s,
  // headers 3 s stale, raised at once from its 4.5 req/s, drew 3 429s where it drew none.
  const floor = o.blindFloorRate;
  if (floor !== undefined && o.headerRate < floor && o.windowMs <= BLIND_WINDOW_MS) {
    return check.growing
      ? next
      : { ...next, growing: true, base: Math.max(check.boost, floor / o.headerRate), since: now };
  }
  const [minSpan, maxSpan] = HEADROOM_SPAN_MS;
  // Not within the first window: its count has not had time to show what the server forgets (stale headers least).
  const quiet = now - check.busyAt >= Math.min(maxSpan, Math.max(minSpan, 0.75 * o.windowMs));
  if (!check.growing && quiet && now - check.startedAt >= Math.min(FIRST_WINDOW_CAP_MS, o.windowMs)) {
    next.growing = true;
    next.base = check.boost;
    next.since = now;
  }
  return next;
}

/**
 * The pace is the ramp's: still growing, or stopped by the count's pressure less than a doubling ago. A small bucket
 * refuses about then, stale headers show its pressure late, and a 429 just after the ramp stopped is the ramp's: judged
 * over two seconds instead (model.ts), the ramp's average, a GCRA of 3 requests at 20 req/s was held at 13–17 for
 * 30 s (sweep: gcra headers=stale worst 1.312; judged over the last doubling, 1.138).
 */
export function rampedLately(check: HeadroomCheck, now: number): boolean {
  return check.growing || (check.boost > 1 && now - check.busyAt < BOOST_DOUBLING_MS);
}

/**
 * A 429: the headers missed it. Stop raising the pace; the rate accepted, as the ceiling model.ts sets from it
 * (`ceiling`, requests per second), takes over, so the boost stands aside at least that high (a boost below it would
 * pull the pace under what the server took), and the pressure the headers still show from before is not news: seen
 * before now, or on a request started before the `started`-th. Stale counts are placed by a lag measured to within a
 * latency, so some from before the 429 are placed after it: taken as news, the top of a 3-request bucket that the
 * boost's ramp reached settled the boost at its floor, `ceilingRate` (sweep, header runs over 1.10: 300/15 s 2 -> 1
 * and 3 -> 2 of 108, 100/5 s 11 -> 10; a GCRA of 3, headers 0.8 s stale, 1.080-1.159 -> 1.077-1.102 over 16 seeds).
 */
export function checkRateLimited(
  check: HeadroomCheck,
  now: number,
  ceiling?: { rate: number; headerRate: number },
  started?: number,
): HeadroomCheck {
  const boost = boostAt(check, now);
  const floor = ceiling ? ceiling.rate / ceiling.headerRate : 1;
  const next = { ...check, boost: Math.max(1, boost, floor), growing: false, busyAt: now, settledAt: now };
  return started === undefined ? next : { ...next, settledIndex: started };
}

/**
 * No request started since `lastStartAt`, longer than an idle span: the boost grows with evidence, not with time, so
 * it stops where it was at the last start (a CLI that reads, then plans for seconds, would come back at many times
 * the rate) and waits for headroom again.
 */
export function checkIdle(check: HeadroomCheck, lastStartAt: number, now: number, intervalMs = 0): HeadroomCheck {
  if (!check.growing || now - lastStartAt <= Math.max(IDLE_MS, IDLE_INTERVALS * intervalMs)) return check;
  return { ...check, boost: boostAt(check, lastStartAt), growing: false, busyAt: now };
}
