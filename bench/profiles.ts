/** The bench's workloads (full and quick), its limiters, and its log line. */
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { LimiterSpec, MixedSettings } from './types.js';

export const root = fileURLToPath(new URL('..', import.meta.url));
export const CLI = join(root, 'bin', 'genesys-bulk.js');

export interface Profile {
  name: 'full' | 'quick';
  directoryUsers: number;
  changes: number;
  unchanged: number;
  unknown: number;
  limit: number;
  windowSeconds: number;
  latencyMs: [number, number];
  capFactor: number;
  /** Seconds added to every cap for process start-up. */
  capSlackSeconds: number;
  planningSmall: { rows: number; users: number };
  planningLarge: { rows: number; users: number };
  planningTimeoutSeconds: number;
  seed: number;
  /** The mixed profile + routing file (issue #6), run by genesys-bulk against the first limiter (fixed+headers). */
  mixed: Omit<MixedSettings, 'rows'>;
  /** Export part (issue #11): users in the generated directory, rows of the output checked cell by cell. */
  export: { users: number; sample: number };
  /** Start-up part (issue #12): runs whose median is the figure. */
  startupRuns: number;
  /** Memory part (issue #12 item 2): rows of the file, each changing one user of a directory that size. */
  memoryRows: number;
}

export const PROFILES: Record<'full' | 'quick', Profile> = {
  // 200 per 5 s = 40 req/s: bound (20 + 1800) / 40 ≈ 45 s. Tighter than the ~55 req/s that the tutorial's three
  // workers reach at 20–80 ms latency, as the real 300/min is far below what they reach against the platform.
  full: {
    name: 'full',
    directoryUsers: 20_000,
    changes: 1800,
    unchanged: 150,
    unknown: 50,
    limit: 200,
    windowSeconds: 5,
    latencyMs: [20, 80],
    capFactor: 3,
    capSlackSeconds: 5,
    planningSmall: { rows: 20_000, users: 20_000 },
    planningLarge: { rows: 100_000, users: 100_000 },
    planningTimeoutSeconds: 300,
    seed: 4,
    // ≈ 2000 calls: about 50 s at 40 req/s.
    mixed: {
      mixed: 520,
      routingOnly: 120,
      profileOnly: 120,
      unchanged: 40,
      queues: 4,
      catalogueSkills: 40,
      catalogueQueues: 20,
    },
    export: { users: 100_000, sample: 500 },
    startupRuns: 11,
    memoryRows: 100_000,
  },
  // 40 per 1 s: bound (1 + 90) / 40 ≈ 2.3 s; about a minute in all.
  quick: {
    name: 'quick',
    directoryUsers: 2000,
    changes: 90,
    unchanged: 7,
    unknown: 3,
    limit: 40,
    windowSeconds: 1,
    latencyMs: [20, 80],
    capFactor: 3,
    capSlackSeconds: 5,
    planningSmall: { rows: 2000, users: 2000 },
    planningLarge: { rows: 10_000, users: 10_000 },
    planningTimeoutSeconds: 60,
    seed: 4,
    // ≈ 300 calls: about 8 s at 40 req/s.
    mixed: {
      mixed: 78,
      routingOnly: 18,
      profileOnly: 18,
      unchanged: 6,
      queues: 4,
      catalogueSkills: 40,
      catalogueQueues: 20,
    },
    export: { users: 5000, sample: 500 },
    startupRuns: 11,
    memoryRows: 5000,
  },
};

export const LIMITERS: LimiterSpec[] = [
  { label: 'fixed+headers', algorithm: 'fixed', rateLimitHeaders: true },
  { label: 'sliding, no headers', algorithm: 'sliding', rateLimitHeaders: false },
  { label: 'bucket+headers', algorithm: 'bucket', rateLimitHeaders: true },
];
export function log(message: string): void {
  process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${message}\n`);
}
