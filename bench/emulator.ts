/**
 * The emulator as the bench uses it: started in the bench process, one per run, with the counts the bench reports.
 *
 * The per-request log has each /api request at the moment its limiter decided it (`onApiRequest`). The lanes, logins
 * and routes come from the counts, sampled every SAMPLE_MS, each sample's increase placed at the sample's time:
 * requests are counted when they end, so up to one latency (≤ 80 ms) plus one sample late, small against a window.
 * (So was the per-request log once: a limit halved to 100 per 5 s, paced at 99, then showed spans of 101.)
 */

import {
  type EmulatorCounters,
  type EmulatorOptions,
  type EmulatorStats,
  type RateLimitAlgorithm,
  type RoutingCatalogue,
  startEmulator,
} from '../src/emulator/index.js';
import type { UserRoutingSkill } from '../src/genesys/routing-types.js';
import type { GenesysUser } from '../src/genesys/types.js';
import type { LaneEvent } from './lane-trace.js';
import type { RequestEvent } from './limit-change.js';

const SAMPLE_MS = 25;

export interface BenchEmulatorOptions {
  users: number;
  seed: number;
  limit: number;
  windowSeconds: number;
  algorithm: RateLimitAlgorithm;
  rateLimitHeaders: boolean;
  latencyMs: [number, number];
  recordRequests: boolean;
  /** Family members (issue #12): burst, header model and lag, window origin. */
  limiter?: Partial<Pick<EmulatorOptions, 'burst' | 'headerModel' | 'headerLagMs' | 'windowOriginMs'>>;
  /** Routing catalogue sizes (the emulator's defaults when left out: 40 skills, 20 queues). */
  skills?: number;
  queues?: number;
  /** A limit on all the tokens together (issue #12), per `orgWindowSeconds`. */
  orgLimit?: number;
  orgWindowSeconds?: number;
}

export interface RunStats {
  requests: number;
  /** Requests per route, all statuses. */
  requestsByRoute: Record<string, number>;
  /** Requests per route that were not rate-limited. */
  answeredByRoute: Record<string, number>;
  byStatus: Record<string, number>;
  rateLimited: number;
  patchesApplied: number;
  maxInFlight: number;
  apiSpanSeconds?: number;
  /** 429s from the limit above the tokens, tokens issued, and requests per token (keyed by issue order). */
  orgRateLimited: number;
  tokensIssued: number;
  byToken: EmulatorStats['byToken'];
  /** Routing writes the emulator applied, by kind. */
  routingWrites: EmulatorStats['routingWrites'];
}

export interface EmulatorHandle {
  url: string;
  clientId: string;
  clientSecret: string;
  users(): GenesysUser[];
  catalogue(): RoutingCatalogue;
  userSkills(userId: string): UserRoutingSkill[] | undefined;
  userQueues(userId: string): string[] | undefined;
  queueMembers(queueId: string): string[] | undefined;
  stats(): RunStats;
  patchesApplied(): number;
  setLimit(limit: number, windowSeconds: number): void;
  /** The bench's clock (performance.now()), the one request events and the limit change are stamped with. */
  now(): number;
  requestLog(): RequestEvent[];
  /** Per-token arrivals (when `recordRequests`), for the token scenarios' lane trace. */
  laneLog(): LaneEvent[];
  /** When each token was issued, in issue order (when `recordRequests`). */
  loginLog(): number[];
  /** When each route was first seen (when `recordRequests`): the phases of a run, reads before writes. */
  routeFirstSeen(): Record<string, number>;
  stop(): Promise<void>;
}

export async function startBenchEmulator(options: BenchEmulatorOptions): Promise<EmulatorHandle> {
  const events: RequestEvent[] = [];
  const emu = await startEmulator({
    users: options.users,
    seed: options.seed,
    limit: options.limit,
    windowSeconds: options.windowSeconds,
    algorithm: options.algorithm,
    rateLimitHeaders: options.rateLimitHeaders,
    latencyMs: options.latencyMs,
    ...options.limiter,
    ...(options.skills !== undefined && { skills: options.skills }),
    ...(options.queues !== undefined && { queues: options.queues }),
    ...(options.orgLimit !== undefined && { orgLimit: options.orgLimit }),
    ...(options.orgWindowSeconds !== undefined && { orgWindowSeconds: options.orgWindowSeconds }),
    ...(options.recordRequests && {
      onApiRequest: ({ at, token, outcome }) => events.push({ at, token, status: outcome === 'allowed' ? 200 : 429 }),
    }),
  });
  const laneEvents: LaneEvent[] = [];
  const logins: number[] = [];
  const firstSeen: Record<string, number> = {};
  let seenByToken: EmulatorCounters['byToken'] = {};
  const sample = (): void => {
    const now = performance.now();
    const counters = emu.counters();
    for (let i = logins.length; i < counters.tokensIssued; i++) logins.push(now);
    for (const route of Object.keys(counters.byRoute)) firstSeen[route] ??= now;
    for (const [serial, c] of Object.entries(counters.byToken)) {
      const before = seenByToken[serial] ?? { requests: 0, rateLimited: 0, orgRateLimited: 0 };
      const limited = c.rateLimited + c.orgRateLimited - before.rateLimited - before.orgRateLimited;
      const allowed = c.requests - before.requests - limited;
      if (allowed + limited > 0) laneEvents.push({ at: now, token: Number(serial), allowed, limited });
    }
    seenByToken = counters.byToken;
  };
  const sampler = options.recordRequests ? setInterval(sample, SAMPLE_MS) : undefined;

  return {
    url: emu.url,
    clientId: emu.clientId,
    clientSecret: emu.clientSecret,
    users: () => emu.users(),
    catalogue: () => emu.catalogue(),
    userSkills: (id) => emu.userSkills(id),
    userQueues: (id) => emu.userQueues(id),
    queueMembers: (queueId) => emu.queueMembers(queueId),
    stats: () => {
      const s = emu.counters();
      const requestsByRoute: Record<string, number> = {};
      const answeredByRoute: Record<string, number> = {};
      for (const [route, statuses] of Object.entries(s.byRoute)) {
        requestsByRoute[route] = Object.values(statuses).reduce((a, b) => a + b, 0);
        answeredByRoute[route] = requestsByRoute[route] - (statuses['429'] ?? 0);
      }
      const stats: RunStats = {
        requests: s.requests,
        requestsByRoute,
        answeredByRoute,
        byStatus: s.byStatus,
        rateLimited: s.rateLimited,
        patchesApplied: s.patchesApplied,
        maxInFlight: s.maxInFlight,
        routingWrites: s.routingWrites,
        orgRateLimited: s.orgRateLimited,
        tokensIssued: s.tokensIssued,
        byToken: s.byToken,
      };
      if (s.firstRequestAt && s.lastRequestAt) {
        stats.apiSpanSeconds = (Date.parse(s.lastRequestAt) - Date.parse(s.firstRequestAt)) / 1000;
      }
      return stats;
    },
    patchesApplied: () => emu.counters().patchesApplied,
    setLimit: (limit, windowSeconds) => emu.setLimit(limit, windowSeconds),
    now: () => performance.now(),
    requestLog: () => {
      if (sampler) sample();
      return events;
    },
    laneLog: () => {
      if (sampler) sample();
      return laneEvents;
    },
    loginLog: () => logins,
    routeFirstSeen: () => firstSeen,
    stop: async () => {
      if (sampler) clearInterval(sampler);
      await emu.stop();
    },
  };
}
