/** The shape of a benchmark results file (bench/results/*.json). */
import type { FamilyMember } from '../src/emulator/family.js';
import type { RateLimitAlgorithm } from '../src/emulator/limiter.js';
import type { ExportRecord } from './export.js';
import type { PoolTrace } from './lane-trace.js';
import type { MemoryRecord } from './memory.js';
import type { Part } from './options.js';
import type { StartupRecord } from './startup.js';

export type ClientName = 'genesys-bulk' | 'baseline-naive' | 'baseline-tutorial';

export interface LimiterSpec {
  /** Short label used in tables, e.g. `fixed+headers`. */
  label: string;
  algorithm: RateLimitAlgorithm;
  rateLimitHeaders: boolean;
}

export interface Environment {
  nproc: number;
  cpuModel: string;
  totalMemGb: number;
  node: string;
  os: string;
  gitCommit?: string;
  gitDirty?: boolean;
  measurement: string;
}

export interface RunRecord {
  scenario: 'main' | 'limit-change' | 'mixed';
  client: ClientName;
  limiter: LimiterSpec;
  limit: number;
  windowSeconds: number;
  directoryUsers: number;
  rows: number;
  changes: number;
  /** The fewest API calls any correct client needs: ceil(rows / 100) searches + one PATCH per change. */
  minCalls: number;
  /** minCalls ÷ allowed rate, in seconds. */
  boundSeconds: number;
  timeoutSeconds: number;
  finished: boolean;
  exitCode: number | null;
  signal: string | null;
  /** Wall time from spawn to exit of the client process. */
  makespanSeconds: number;
  /** First to last request the emulator saw from this client. */
  apiSpanSeconds?: number;
  ratio: number;
  requests: number;
  requestsByRoute: Record<string, number>;
  status: Record<string, number>;
  rateLimited: number;
  rateLimitedPct: number;
  /** Retries by the client's own account (GB: its governor stats); undefined when the client did not say. */
  retries?: number;
  patchesApplied: number;
  changedCorrect: number;
  unchangedCorrect: number;
  failures: number;
  collateral: number;
  callsPerChangedUser: number;
  cpuMs?: number;
  cpuMsPerRow?: number;
  maxRssKb?: number;
  maxInFlight?: number;
  clientOutput?: unknown;
  stderrTail?: string;
  /** From the client's start to its first /api request (its token request comes before). */
  startupSeconds?: number;
  /** The most allowed /api requests in any window-long span (the limit allows `limit`). */
  busiestWindow?: number;
  /** Allowed and rate-limited /api requests per second from the client's start. */
  perSecond?: { allowed: number[]; limited: number[] };
  /** Limit-change scenario only. */
  limitChange?: LimitChangeRecord;
  /** Mixed scenario only (there `changes` counts changed users and `minCalls` is `mixed.minimum.total`). */
  mixed?: MixedRecord;
}

/** Calls by what they are for: the minimum any correct client needs, or what a client made. */
export interface MixedCalls {
  /** Email searches, 100 emails each. */
  searches: number;
  /** Pages of the skills and queues catalogues. */
  cataloguePages: number;
  /** Pages of the current skills of users whose row has a skills cell. */
  skillReads: number;
  /** Pages of the members of each queue the file names. */
  memberPages: number;
  /** `PATCH /api/v2/users/{id}`: one per real profile change. */
  profilePatches: number;
  /** Skills bulk PATCH/PUT: one per user with skill changes (50 skills a call). */
  skillPatches: number;
  /** `POST /api/v2/routing/queues/{id}/members`: ceil(users joining ÷ 100) per queue. */
  queueCalls: number;
  total: number;
}

export interface MixedSettings {
  rows: number;
  mixed: number;
  routingOnly: number;
  profileOnly: number;
  unchanged: number;
  /** Queues the file names. */
  queues: number;
  /** Catalogue sizes in the emulator. */
  catalogueSkills: number;
  catalogueQueues: number;
}

export interface MixedRecord {
  settings: MixedSettings;
  queueNames: string[];
  /** Members of each named queue before the run, in the order of queueNames. */
  queueSizes: number[];
  minimum: MixedCalls;
  /** Requests the emulator answered (429s left out), by the same purposes; `other` is everything else. */
  made: MixedCalls & { other: number; otherRoutes: Record<string, number> };
  minCallsPerChangedUser: number;
  wrongTitle: number;
  wrongSkills: number;
  wrongQueues: number;
  routingWrites: Record<string, number>;
}

export interface LimitChangeRecord {
  oldLimit: number;
  newLimit: number;
  /** Seconds after the client's first request at which the limit was halved. */
  changedAtSeconds: number;
  requestsAfter: number;
  rateLimitedAfter: number;
  rateLimitedAfterPct: number;
  /**
   * Seconds from the change until the client stays within the new limit: no 429 afterwards, and no window of the
   * limiter's (any window-long span, or a fixed window's own) starting afterwards holds more allowed requests than the
   * new limit. Undefined if it never did.
   */
  settleSeconds?: number;
  /** For a fixed window: the same with every window-long span as a window (`analyseLimitChange`). */
  slidingSettleSeconds?: number;
  /** Allowed requests per second over the last full window before the change, and after settling. */
  rateBefore?: number;
  rateAfter?: number;
  note?: string;
}

export interface PlanningRecord {
  rows: number;
  directoryUsers: number;
  finished: boolean;
  exitCode: number | null;
  wallSeconds: number;
  cpuMs?: number;
  cpuMsPerRow?: number;
  maxRssKb?: number;
  requests: number;
  stderrTail?: string;
}

export interface Target {
  name: string;
  target: string;
  measured: string;
  /** null: not measured; 'reported': a figure the issue asks to report, with no goal to pass. */
  pass: boolean | null | 'reported';
}

/** The limiter family swept on the fake clock at one quota and latency (bench/sweep.ts). */
export interface SweepRecord {
  seeds: number;
  members: number;
  limit: number;
  windowMs: number;
  latencyMs: [number, number];
  runs: number;
  /** Runs over issue #12's targets (ratio 1.10, 1% 429s). */
  over: number;
  worstRatio: { value: number; member: string; seed: number };
  worstRefusedPct: { value: number; member: string; seed: number };
  classes: { name: string; runs: number; over: number; worstRatio: number; worstRefusedPct: number }[];
}

/** One member of the limiter family (issue #12), run by genesys-bulk over real HTTP. */
export interface FamilyRecord {
  label: string;
  member: FamilyMember;
  limit: number;
  windowSeconds: number;
  rows: number;
  changes: number;
  minCalls: number;
  boundSeconds: number;
  finished: boolean;
  exitCode: number | null;
  /** Wall time of the client process, start-up included (as in the main table). */
  makespanSeconds: number;
  ratio: number;
  /** First to last request the emulator saw, over the bound: the pacing alone. */
  apiSpanSeconds?: number;
  requests: number;
  rateLimited: number;
  rateLimitedPct: number;
  failures: number;
  collateral: number;
  startupSeconds?: number;
  perSecond?: { allowed: number[]; limited: number[] };
  stderrTail?: string;
}

export interface FamilySettings {
  seed: number;
  members: number;
  limit: number;
  windowSeconds: number;
  directoryUsers: number;
  changes: number;
  unchanged: number;
  unknown: number;
}

export interface BenchResults {
  profile: 'full' | 'quick';
  startedAt: string;
  durationSeconds: number;
  environment: Environment;
  settings: {
    directoryUsers: number;
    rows: number;
    changes: number;
    unchanged: number;
    unknown: number;
    limit: number;
    windowSeconds: number;
    latencyMs: [number, number];
    capFactor: number;
    seed: number;
    /** The mixed scenario's file, when it ran. */
    mixed?: MixedSettings;
  };
  runs: RunRecord[];
  planning: { small?: PlanningRecord; large?: PlanningRecord };
  /** The limiter family (issue #12), when it ran. */
  family?: { settings: FamilySettings; runs: FamilyRecord[]; sweeps?: SweepRecord[] };
  /** SVG charts written with these results, relative to the repository root. */
  charts?: { name: string; file: string }[];
  /** The token-pool scenarios (issue #12, bench/tokens.ts), when they ran. */
  tokens?: TokenRecord[];
  /** The 100,000-user export (issue #11, bench/export.ts), when it ran. */
  export?: ExportRecord;
  /** Spawn to first request of the built CLI (issue #12 item 4, bench/startup.ts), when it ran. */
  startup?: StartupRecord;
  /** Peak RSS of a 100,000-row run through its life (issue #12 item 2, bench/memory.ts), when it ran. */
  memory?: MemoryRecord;
  /** The parts this run measured (left out by files older than the field). */
  parts?: Part[];
  /** Parts put in from other runs' files for the page (`--with`, or a partial run's `--docs`). */
  mergedFrom?: { file: string; parts: Part[]; startedAt: string; gitCommit?: string }[];
  targets: Target[];
  notes: string[];
}

/** A token-pool scenario (issue #12, bench/tokens.ts). */
export interface TokenScenario {
  name: string;
  tokens: number;
  algorithm: RateLimitAlgorithm;
  directoryUsers: number;
  changes: number;
  unchanged: number;
  unknown: number;
  /** Per token. */
  limit: number;
  windowSeconds: number;
  /** Requests per window of every token together; undefined: no such limit. */
  orgLimit?: number;
}

export interface TokenRecord {
  scenario: TokenScenario;
  rows: number;
  minCalls: number;
  /** Requests per second the bound assumes: the lanes' sum, or the organisation's limit below it. */
  boundRate: number;
  boundSeconds: number;
  makespanSeconds: number;
  apiSpanSeconds?: number;
  ratio: number;
  finished: boolean;
  exitCode: number | null;
  requests: number;
  rateLimited: number;
  rateLimitedPct: number;
  orgRateLimited: number;
  tokensIssued: number;
  /** Requests per token, in the order tokens were issued. */
  requestsPerToken: number[];
  /** org-limit only: accepted requests per second over the second half of the run, over the organisation's rate. */
  settledShare?: number;
  /** Requests answered and refused in each second from the spawn, for the chart. */
  perSecond?: { allowed: number[]; limited: number[] };
  /** Each lane's login, first and last request, 429s, idle gaps and fixed windows (left out by older files). */
  trace?: PoolTrace;
  changedCorrect: number;
  unchangedCorrect: number;
  failures: number;
  collateral: number;
  maxRssKb?: number;
  cpuMs?: number;
  stderrTail?: string;
}
