/**
 * Creating and deleting users, as a run folder keeps them: what plan.json saves (SavedLifecycle) and the journal
 * `lifecycle.jsonl`, whose every intent is on disk before its request is sent. Kept apart from `journal.jsonl`,
 * whose records are a user's PATCHes: a created row's later PATCHes and routing calls go to those journals as any
 * row's do.
 */
import { join } from 'node:path';
import type { CreateUserBody } from '../genesys/types.js';
import type { ProfileChanges } from '../input/index.js';
import type { CreateSpec } from '../plan/create.js';
import { readRecordsOf } from './journal.js';

export const LIFECYCLE_JOURNAL_FILE = 'lifecycle.jsonl';

/** A user to create, with the whole row's changes: the rest is applied once the user exists. */
export interface SavedCreate extends CreateSpec {
  changes: ProfileChanges;
}

/** A user a rollback deletes: one its run created, at the version the run left it. */
export interface SavedDelete {
  rowNumber: number;
  userId: string;
  email: string;
  /** The version after the creation and the rest of its row: a user at any other version is left. */
  version: number;
}

export type SavedLifecycle =
  | { kind: 'create'; rows: Record<string, SavedCreate>; invite: boolean }
  | { kind: 'delete'; rows: Record<string, SavedDelete>; rollbackOf: string };

/** The POST is about to be sent: from here on the user may exist. */
export interface CreateIntent {
  t: 'create';
  at: string;
  row: number;
  email: string;
  body: CreateUserBody;
}

/** The user exists: from the POST's answer, or found by its email after the answer was lost. */
export interface CreatedRecord {
  t: 'created';
  at: string;
  row: number;
  userId: string;
  version: number;
  via: 'response' | 'search';
}

export interface CreateFailedRecord {
  t: 'create-failed';
  at: string;
  row: number;
  errorCode: string;
  message: string;
}

/** The rest of the row was applied (or failed) and the user read again: the version a rollback compares with. */
export interface CompleteRecord {
  t: 'complete';
  at: string;
  row: number;
  userId: string;
  version: number;
}

export interface InviteIntent {
  t: 'invite';
  at: string;
  row: number;
  userId: string;
}

export interface InvitedRecord {
  t: 'invited';
  at: string;
  row: number;
  userId: string;
  ok: boolean;
  errorCode?: string;
  message?: string;
}

export interface DeleteIntent {
  t: 'delete';
  at: string;
  row: number;
  userId: string;
  version: number;
}

export interface DeletedRecord {
  t: 'deleted';
  at: string;
  row: number;
  userId: string;
  /** `gone`: already deleted; `left`: changed since, not deleted. */
  status: 'deleted' | 'gone' | 'left' | 'failed';
  errorCode?: string;
  message?: string;
}

export type LifecycleRecord =
  | CreateIntent
  | CreatedRecord
  | CreateFailedRecord
  | CompleteRecord
  | InviteIntent
  | InvitedRecord
  | DeleteIntent
  | DeletedRecord;

const LIFECYCLE_KINDS: ReadonlySet<string> = new Set<LifecycleRecord['t']>([
  'create',
  'created',
  'create-failed',
  'complete',
  'invite',
  'invited',
  'delete',
  'deleted',
]);

/** Reads `lifecycle.jsonl`; its version and kinds are checked as for every journal (journal.ts). */
export function readLifecycleJournal(dir: string): Promise<LifecycleRecord[]> {
  return readRecordsOf<LifecycleRecord>(join(dir, LIFECYCLE_JOURNAL_FILE), LIFECYCLE_KINDS);
}

/** Where one create row stands, from the journal. */
export interface CreateState {
  /** A POST was journaled and no outcome followed: it may have created the user. */
  pending: boolean;
  userId?: string;
  version?: number;
  /** The version journaled once the rest of the row was applied. */
  completeVersion?: number;
  failed?: { errorCode: string; message: string };
  /** An invitation was sent (or may have been: its answer was lost). */
  invited: boolean;
  inviteFailed?: { errorCode: string; message: string };
}

/** Each create row's state, by row number. */
export function createStates(records: readonly LifecycleRecord[]): Map<number, CreateState> {
  const states = new Map<number, CreateState>();
  const of = (row: number) => {
    let s = states.get(row);
    if (!s) {
      s = { pending: false, invited: false };
      states.set(row, s);
    }
    return s;
  };
  for (const r of records) {
    switch (r.t) {
      case 'create':
        of(r.row).pending = true;
        break;
      case 'created': {
        const s = of(r.row);
        s.pending = false;
        s.userId = r.userId;
        s.version = r.version;
        s.failed = undefined;
        break;
      }
      case 'create-failed': {
        const s = of(r.row);
        s.pending = false;
        s.failed = { errorCode: r.errorCode, message: r.message };
        break;
      }
      case 'complete': {
        const s = of(r.row);
        s.userId = r.userId;
        s.completeVersion = r.version;
        break;
      }
      case 'invite':
        of(r.row).invited = true;
        break;
      case 'invited': {
        const s = of(r.row);
        s.inviteFailed = r.ok ? undefined : { errorCode: r.errorCode ?? 'failed', message: r.message ?? '' };
        break;
      }
      default:
        break;
    }
  }
  return states;
}

/** Each delete row's outcome, by row number: rows with an intent and no outcome are left out (not settled). */
export function deleteOutcomes(records: readonly LifecycleRecord[]): Map<number, DeletedRecord> {
  const done = new Map<number, DeletedRecord>();
  for (const r of records) if (r.t === 'deleted' && r.status !== 'failed') done.set(r.row, r);
  return done;
}
