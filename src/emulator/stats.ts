/** What the emulator saw, for tests and the benchmark: GET /__emulator/stats and `RunningEmulator.stats()`. */
import type { Contact } from '../genesys/types.js';
import type { ConcurrentEditField } from './store.js';

interface ConcurrentEditBase {
  userId: string;
  /** The user's version after the edit. */
  version: number;
  at: string;
}

/** An edit "another admin" made just before a PATCH: the field and the value it was given. */
export type ConcurrentEdit = ConcurrentEditBase &
  (
    | { field: Exclude<ConcurrentEditField, 'addresses'>; value: string }
    /** The PHONE contact of type OTHER that was added, replacing any other. */
    | { field: 'addresses'; value: Contact }
  );

export interface TokenCounts {
  requests: number;
  rateLimited: number;
  orgRateLimited: number;
}

export type RoutingWriteKind = 'skills' | 'languages' | 'queueMembers' | 'grants' | 'divisions' | 'groupMembers';

export interface EmulatorStats {
  /** When the emulator started or was last reset. */
  since: string;
  /** Times of the first and last request (token and /api; /__emulator requests are not counted). */
  firstRequestAt: string | null;
  lastRequestAt: string | null;
  /** Requests counted, by outcome. */
  requests: number;
  /** By route (`PATCH /api/v2/users/{userId}`; `unmatched` for unknown paths), then by status or `dropped`. */
  byRoute: Record<string, Record<string, number>>;
  /** By HTTP status sent. A dropped response has none and is only under `faults.droppedAfterWrite`. */
  byStatus: Record<string, number>;
  /** 429 responses. */
  rateLimited: number;
  tokensIssued: number;
  /** Token requests refused 429 by the token endpoint's own limit (`tokenIssueLimit`). */
  tokenIssueRefused: number;
  /** 429s from the limit above the tokens (`orgLimit`), also counted in `rateLimited`. */
  orgRateLimited: number;
  /**
   * Authenticated /api requests by token, the token named by its serial ("1" for the first issued): all of them,
   * those its own limiter refused, and those the limit above the tokens refused.
   */
  byToken: Record<string, TokenCounts>;
  /** 401 responses on /api (unknown, expired or missing token). */
  unauthorized: number;
  /** PATCHes that changed a user (dropped responses included: the write was applied). */
  patchesApplied: number;
  patchesByUser: Record<string, number>;
  concurrentEdits: ConcurrentEdit[];
  /**
   * Routing and authorization writes that were applied (dropped responses included), by kind: PATCH/PUT routingskills,
   * PATCH routinglanguages and DELETE of one, POST queue members (add or delete), subject bulkadd/bulkremove/
   * bulkreplace, division moves.
   */
  routingWrites: Record<RoutingWriteKind, number>;
  faults: {
    error502: number;
    error503: number;
    /** 503s that carried Retry-After. */
    error503WithRetryAfter: number;
    /** PATCHes applied whose connection was then destroyed without a response. */
    droppedAfterWrite: number;
    /** Writes applied and then answered 504 (`timeoutAfterWriteRate`). */
    timeoutAfterWrite: number;
  };
  /** Requests being handled now, and the most at once. */
  inFlight: number;
  maxInFlight: number;
}

export type EmulatorCounters = Omit<EmulatorStats, 'patchesByUser' | 'concurrentEdits'>;

export function emptyStats(now: Date): EmulatorStats {
  return {
    since: now.toISOString(),
    firstRequestAt: null,
    lastRequestAt: null,
    requests: 0,
    byRoute: {},
    byStatus: {},
    rateLimited: 0,
    tokensIssued: 0,
    tokenIssueRefused: 0,
    orgRateLimited: 0,
    byToken: {},
    unauthorized: 0,
    patchesApplied: 0,
    patchesByUser: {},
    concurrentEdits: [],
    routingWrites: { skills: 0, languages: 0, queueMembers: 0, grants: 0, divisions: 0, groupMembers: 0 },
    faults: { error502: 0, error503: 0, error503WithRetryAfter: 0, droppedAfterWrite: 0, timeoutAfterWrite: 0 },
    inFlight: 0,
    maxInFlight: 0,
  };
}

export class StatsRecorder {
  private stats: EmulatorStats;

  constructor() {
    this.stats = emptyStats(new Date());
  }

  reset(): void {
    // Requests in flight across a reset still finish and are counted down.
    const inFlight = this.stats.inFlight;
    this.stats = emptyStats(new Date());
    this.stats.inFlight = inFlight;
    this.stats.maxInFlight = inFlight;
  }

  begin(): void {
    const s = this.stats;
    const now = new Date().toISOString();
    s.firstRequestAt ??= now;
    s.lastRequestAt = now;
    s.inFlight++;
    if (s.inFlight > s.maxInFlight) s.maxInFlight = s.inFlight;
  }

  /** Records how a request ended: an HTTP status, or `dropped`. */
  end(route: string, outcome: number | 'dropped'): void {
    const s = this.stats;
    s.inFlight = Math.max(0, s.inFlight - 1);
    s.requests++;
    const key = String(outcome);
    const byRoute = s.byRoute[route] ?? {};
    byRoute[key] = (byRoute[key] ?? 0) + 1;
    s.byRoute[route] = byRoute;
    if (outcome === 'dropped') {
      s.faults.droppedAfterWrite++;
      return;
    }
    s.byStatus[key] = (s.byStatus[key] ?? 0) + 1;
    if (outcome === 429) s.rateLimited++;
  }

  tokenIssued(): void {
    this.stats.tokensIssued++;
  }

  tokenIssueRefused(): void {
    this.stats.tokenIssueRefused++;
  }

  /** An authenticated /api request: allowed, refused by its token's limiter, or refused by the limit above. */
  tokenRequest(serial: number, outcome: 'allowed' | 'token' | 'org'): void {
    const key = String(serial);
    const counts = this.stats.byToken[key] ?? { requests: 0, rateLimited: 0, orgRateLimited: 0 };
    counts.requests++;
    if (outcome === 'token') counts.rateLimited++;
    if (outcome === 'org') {
      counts.orgRateLimited++;
      this.stats.orgRateLimited++;
    }
    this.stats.byToken[key] = counts;
  }

  unauthorized(): void {
    this.stats.unauthorized++;
  }

  patchApplied(userId: string): void {
    this.stats.patchesApplied++;
    this.stats.patchesByUser[userId] = (this.stats.patchesByUser[userId] ?? 0) + 1;
  }

  concurrentEdit(edit: ConcurrentEdit): void {
    this.stats.concurrentEdits.push(edit);
  }

  routingWrite(kind: RoutingWriteKind): void {
    this.stats.routingWrites[kind]++;
  }

  fault(kind: 'error502' | 'error503' | 'error503WithRetryAfter' | 'timeoutAfterWrite'): void {
    this.stats.faults[kind]++;
  }

  snapshot(): EmulatorStats {
    return structuredClone(this.stats);
  }

  /**
   * The counts without the per-user records (`patchesByUser`, `concurrentEdits`), which grow with the directory: a
   * caller that samples every few milliseconds (the bench) would otherwise copy 100,000 entries each time and slow the
   * emulator it is measuring.
   */
  counters(): EmulatorCounters {
    const { patchesByUser: _p, concurrentEdits: _c, ...rest } = this.stats;
    return structuredClone(rest);
  }
}
