/** What the routing engine (routing-engine.ts) takes, gives and keeps per row and per run. */
import type { Logger } from 'pino';
import type { Governor } from '../governor/index.js';
import type { RoutingPlan } from '../plan/index.js';
import type { Progress } from '../progress.js';
import type { Collector } from './collect.js';
import type { Interrupted } from './engine.js';
import type { Journal, RoutingJournalRecord } from './journal.js';
import type { RoutingPort, UsersPort } from './ports.js';
import type { MembersRead } from './recheck.js';

/** One row's routing, to apply: the plan made against the user's current assignments. */
export interface RoutingWork {
  rowNumber: number;
  userId: string;
  plan: RoutingPlan;
  /** A user this run created and read moments ago: no one else knows it yet, so its grants are not read again. */
  justRead?: boolean;
}

export interface RoutingRowResult {
  /** `unchanged`/`skipped`: none of its calls was needed after all (a division move someone else made since the plan). */
  status: 'updated' | 'unchanged' | 'skipped' | 'failed' | 'not_found';
  /** HTTP attempts of the calls that realise this row (a call shared by many rows counts for each). */
  attempts: number;
  failure?: { code: string; message: string };
  /** A group's version conflict met and handled (the change re-applied after a re-read). */
  conflict?: string;
  /** With `keepForeignEdits`: the fields left as someone else set them since the plan, with their value now. */
  keptFields?: { field: string; now: string | null }[];
}

export type RoutingOutcome = RoutingRowResult | Interrupted;

export const GONE = { code: 'not_found', message: 'the user no longer exists (deleted after the plan)' };

export interface RoutingEngineDeps {
  port: RoutingPort;
  /** Reads the users of a division move, and their skills and languages, again just before they are written. */
  users: Pick<UsersPort, 'getUsersByIds'>;
  /**
   * Leave a user someone else moved to another division since the plan where they are, instead of moving them
   * (a rollback restores only what still holds the run's value); otherwise the file's division is applied, noted.
   */
  keepForeignEdits?: boolean;
  governor: Governor;
  journal: Journal<RoutingJournalRecord>;
  progress: Progress;
  log: Logger;
  /** Aborted: start no new call; those in flight finish (bounded by `drainTimeoutMs`). */
  stopSignal?: AbortSignal;
  maxConcurrency: number;
  drainTimeoutMs?: number;
  /** The first `seq` of this attempt's call records: one past the last the folder's journal holds. */
  firstSeq: number;
  /** Run after every `every` calls done: a full collection (collect.ts) while the calls go on. */
  collect?: Collector;
}

export interface RowState {
  userId: string;
  /** Calls that realise this row and are not done yet. */
  remaining: number;
  attempts: number;
  failure?: { code: string; message: string };
  conflict?: string;
  keptFields?: { field: string; now: string | null }[];
  /** Calls sent for this row. */
  sent: number;
  /** Calls journaled and not settled: one may have reached the platform. */
  open: number;
  settled: boolean;
}

/** What the slices of one application share: the journal's sequence, the counts, the members read once per entity. */
export interface RunState {
  seq: number;
  done: number;
  failed: number;
  /** `done` when a collection was last asked for. */
  collectedAt: number;
  memberReads: Map<string, Promise<MembersRead>>;
  /** The rows of the slice being applied. */
  rows: Map<number, RowState>;
}
