/**
 * The emulator as the bench uses it: started in the bench process, one per run, with the counts the bench reports.
 *
 * The emulator keeps counts, not a per-request log, so the bench samples its counts every SAMPLE_MS and turns each
 * sample's increase into events at the sample's time. Requests are counted when they end, so an allowed request is
 * placed up to one latency (≤ 80 ms) plus one sample late: small against a window.
 */

import { type EmulatorStats, type RateLimitAlgorithm, startEmulator } from '../src/emulator/index.js';
import type { GenesysUser } from '../src/genesys/types.js';
import type { RequestEvent } from './limit-change.js';

const SAMPLE_MS = 25;
/** Routes outside the rate limit (the token endpoint is not an /api route). */
const isApiRoute = (route: string): boolean => route.includes(' /api/');

export interface BenchEmulatorOptions {
  users: number;
  seed: number;
  limit: number;
  windowSeconds: number;
  algorithm: RateLimitAlgorithm;
  rateLimitHeaders: boolean;
  latencyMs: [number, number];
  recordRequests: boolean;
}

export interface RunStats {
  requests: number;
  /** Requests per route, all statuses. */
  requestsByRoute: Record<string, number>;
  byStatus: Record<string, number>;
  rateLimited: number;
  patchesApplied: number;
  maxInFlight: number;
  apiSpanSeconds?: number;
}

export interface EmulatorHandle {
  url: string;
  clientId: string;
  clientSecret: string;
  users(): GenesysUser[];
  stats(): RunStats;
  patchesApplied(): number;
  setLimit(limit: number, windowSeconds: number): void;
  /** The bench's clock (performance.now()), the one request events and the limit change are stamped with. */
  now(): number;
  requestLog(): RequestEvent[];
  stop(): Promise<void>;
}

function apiCounts(s: EmulatorStats): { allowed: number; limited: number } {
  let allowed = 0;
  let limited = 0;
  for (const [route, statuses] of Object.entries(s.byRoute)) {
    if (!isApiRoute(route)) continue;
    for (const [status, n] of Object.entries(statuses)) {
      if (status === '429') limited += n;
      else allowed += n;
    }
  }
  return { allowed, limited };
}

export async function startBenchEmulator(options: BenchEmulatorOptions): Promise<EmulatorHandle> {
  const emu = await startEmulator({
    users: options.users,
    seed: options.seed,
    limit: options.limit,
    windowSeconds: options.windowSeconds,
    algorithm: options.algorithm,
    rateLimitHeaders: options.rateLimitHeaders,
    latencyMs: options.latencyMs,
  });
  const events: RequestEvent[] = [];
  let seen = { allowed: 0, limited: 0 };
  const sample = (): void => {
    const now = performance.now();
    const counts = apiCounts(emu.stats());
    for (let i = seen.allowed; i < counts.allowed; i++) events.push({ at: now, status: 200 });
    for (let i = seen.limited; i < counts.limited; i++) events.push({ at: now, status: 429 });
    seen = counts;
  };
  const sampler = options.recordRequests ? setInterval(sample, SAMPLE_MS) : undefined;

  return {
    url: emu.url,
    clientId: emu.clientId,
    clientSecret: emu.clientSecret,
    users: () => emu.users(),
    stats: () => {
      const s = emu.stats();
      const requestsByRoute: Record<string, number> = {};
      for (const [route, statuses] of Object.entries(s.byRoute)) {
        requestsByRoute[route] = Object.values(statuses).reduce((a, b) => a + b, 0);
      }
      const stats: RunStats = {
        requests: s.requests,
        requestsByRoute,
        byStatus: s.byStatus,
        rateLimited: s.rateLimited,
        patchesApplied: s.patchesApplied,
        maxInFlight: s.maxInFlight,
      };
      if (s.firstRequestAt && s.lastRequestAt) {
        stats.apiSpanSeconds = (Date.parse(s.lastRequestAt) - Date.parse(s.firstRequestAt)) / 1000;
      }
      return stats;
    },
    patchesApplied: () => emu.stats().patchesApplied,
    setLimit: (limit, windowSeconds) => emu.setLimit(limit, windowSeconds),
    now: () => performance.now(),
    requestLog: () => {
      if (sampler) sample();
      return events;
    },
    stop: async () => {
      if (sampler) clearInterval(sampler);
      await emu.stop();
    },
  };
}
