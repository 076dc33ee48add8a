/**
 * Where a token-pool run's time goes, lane by lane (issue #12): from the emulator's per-token counts, sampled by the
 * bench (bench/emulator.ts), each lane's login, first and last request, requests, 429s and idle gaps, and the fixed
 * windows its accepted requests fell into (a window opens at the first request after the last one closed, as the
 * emulator's `fixed` limiter places them). Times are seconds from the spawn, to the sampling's resolution (25 ms).
 */

/** Requests of one token that arrived since the sample before, stamped with the sample's time. */
export interface LaneEvent {
  /** ms on the bench's performance.now() clock. */
  at: number;
  /** The token's serial, in issue order from 1. */
  token: number;
  allowed: number;
  limited: number;
}

export interface LaneTrace {
  token: number;
  /** When this token was issued (the n-th token issued is serial n). */
  loginAt?: number;
  firstAt: number;
  lastAt: number;
  requests: number;
  rateLimited: number;
  /** Gaps between requests longer than IDLE_GAP_MS: their sum and the longest, seconds. */
  idleSeconds: number;
  longestGapSeconds: number;
  /** The longest gaps (at most MAX_GAPS, in time order): where each began and how long it was, seconds. */
  gaps: { at: number; seconds: number }[];
  /** Accepted requests per window, windows placed as the `fixed` limiter places them. */
  windowCounts: number[];
}

export interface PoolTrace {
  /** Seconds from the spawn. */
  firstLoginAt?: number;
  lastLoginAt?: number;
  firstRequestAt?: number;
  /** The first write (a PATCH of a user): the reads and the planning come before it. */
  firstWriteAt?: number;
  lastRequestAt?: number;
  /** The process's exit, seconds from the spawn (the makespan). */
  exitAt: number;
  lanes: LaneTrace[];
}

/** A lane paced at 20 requests a second sends one every 50 ms: four intervals without one is idle. */
const IDLE_GAP_MS = 200;
const MAX_GAPS = 4;

const seconds = (ms: number, origin: number): number => Math.round(ms - origin) / 1000;

/** Accepted requests per window: a window opens at the first accepted request at or after the last one's end. */
export function fixedWindows(allowedAt: readonly number[], windowMs: number): number[] {
  const counts: number[] = [];
  let end = Number.NEGATIVE_INFINITY;
  for (const at of allowedAt) {
    if (at >= end) {
      end = at + windowMs;
      counts.push(0);
    }
    counts[counts.length - 1] = (counts.at(-1) as number) + 1;
  }
  return counts;
}

export function laneTrace(
  events: readonly LaneEvent[],
  logins: readonly number[],
  firstWrite: number | undefined,
  spawnedAt: number,
  exitAt: number,
  windowMs: number,
): PoolTrace {
  const byToken = new Map<number, LaneEvent[]>();
  for (const e of events) {
    const list = byToken.get(e.token) ?? [];
    list.push(e);
    byToken.set(e.token, list);
  }
  const lanes: LaneTrace[] = [];
  for (const [token, list] of [...byToken].sort(([a], [b]) => a - b)) {
    list.sort((a, b) => a.at - b.at);
    let idle = 0;
    let longest = 0;
    const gaps: { at: number; seconds: number }[] = [];
    for (let i = 1; i < list.length; i++) {
      const from = (list[i - 1] as LaneEvent).at;
      const gap = (list[i] as LaneEvent).at - from;
      longest = Math.max(longest, gap);
      if (gap <= IDLE_GAP_MS) continue;
      idle += gap;
      gaps.push({ at: seconds(from, spawnedAt), seconds: gap / 1000 });
    }
    gaps.sort((a, b) => b.seconds - a.seconds);
    gaps.length = Math.min(gaps.length, MAX_GAPS);
    gaps.sort((a, b) => a.at - b.at);
    const allowedAt = list.flatMap((e) => Array.from({ length: e.allowed }, () => e.at));
    const login = logins[token - 1];
    lanes.push({
      token,
      ...(login !== undefined && { loginAt: seconds(login, spawnedAt) }),
      firstAt: seconds((list[0] as LaneEvent).at, spawnedAt),
      lastAt: seconds((list.at(-1) as LaneEvent).at, spawnedAt),
      requests: list.reduce((n, e) => n + e.allowed + e.limited, 0),
      rateLimited: list.reduce((n, e) => n + e.limited, 0),
      idleSeconds: idle / 1000,
      longestGapSeconds: longest / 1000,
      gaps,
      windowCounts: fixedWindows(allowedAt, windowMs),
    });
  }
  const firsts = lanes.map((l) => l.firstAt);
  const lasts = lanes.map((l) => l.lastAt);
  return {
    ...(logins.length > 0 && {
      firstLoginAt: seconds(Math.min(...logins), spawnedAt),
      lastLoginAt: seconds(Math.max(...logins), spawnedAt),
    }),
    ...(lanes.length > 0 && { firstRequestAt: Math.min(...firsts), lastRequestAt: Math.max(...lasts) }),
    ...(firstWrite !== undefined && { firstWriteAt: seconds(firstWrite, spawnedAt) }),
    exitAt: seconds(exitAt, spawnedAt),
    lanes,
  };
}

/** The trace as lines for the bench's log. */
export function traceLines(t: PoolTrace): string[] {
  const at = (s: number | undefined): string => (s === undefined ? '–' : `${s.toFixed(2)} s`);
  const lines = [
    `  trace: logins ${at(t.firstLoginAt)}–${at(t.lastLoginAt)}, first request ${at(t.firstRequestAt)}, first write ${at(t.firstWriteAt)}, last ${at(t.lastRequestAt)}, exit ${at(t.exitAt)}`,
  ];
  for (const l of t.lanes) {
    const w = l.windowCounts;
    lines.push(
      `    lane ${l.token}: login ${at(l.loginAt)}, ${at(l.firstAt)}–${at(l.lastAt)}, ${l.requests} requests, ${l.rateLimited} 429s, idle ${l.idleSeconds.toFixed(2)} s (longest ${l.longestGapSeconds.toFixed(2)} s; ${l.gaps.map((g) => `${g.seconds.toFixed(2)} s at ${g.at.toFixed(2)}`).join(', ')}), ${w.length} windows: ${w.join('/')}`,
    );
  }
  return lines;
}
