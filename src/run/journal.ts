import { closeSync, fsyncSync, openSync, writeSync } from 'node:fs';
import { type FileHandle, open, truncate } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { ValidationError } from '../errors.js';
import { PRIVATE_FILE_MODE, syncDir } from '../fsutil.js';
import type { FieldDiff, RoutingCall } from '../plan/index.js';
import { escapeControls } from '../text.js';
import { runIdOfFolder } from './run-id.js';

/**
 * The journals of a run folder (see folder.ts for the folder and its other files):
 * - `journal.jsonl`: append-only, one record per event: an `intent` (before-values of the fields about to be
 *   written, made durable before the write is sent) and an `outcome` per user;
 * - `routing.jsonl`: the same for routing and access calls, which may change many users each: a `call` (durable
 *   before it is sent) and its `call-outcome`, and a `routed` per row once its routing is settled.
 * Everything is owner-only: it holds people's personal data. No secret or token is ever written here.
 */

export interface IntentRecord {
  t: 'intent';
  at: string;
  row: number;
  userId: string;
  /** The user's version the write is sent with. */
  version: number;
  /** Values of the written fields before this write, by field name (see plan/fields). */
  before: Record<string, string | null>;
  /** Values this write sets. */
  after: Record<string, string | null>;
  /**
   * The object- and array-valued fields the write's body carries (`addresses`, `employerInfo`, …), whole, as read
   * before it (null: the user had none). A PATCH replaces these whole, so a rollback needs them to put back what
   * the diffs' leaf values leave out (a phone's display, countryCode, extension). Missing in journals written
   * before it existed.
   */
  replaced?: Record<string, unknown>;
}

export interface OutcomeRecord {
  t: 'outcome';
  at: string;
  row: number;
  userId?: string;
  status: string;
  version?: number;
  conflict?: string;
  errorCode?: string;
  /** Fields a rollback left as someone else set them. */
  message?: string;
  /** A failed row whose write may nonetheless have landed (its answer was lost or not the user's): see resume-left.ts. */
  mayHaveActed?: true;
}

/**
 * A routing or access call (skills, languages, queue members, grants, division move), made durable before it is
 * first sent. `call` is the whole request as sent (a later chunk of a skills PUT carries skills that change nothing
 * but must be there); `realises` holds, per user, the diffs it realises with their before-values: what a rollback
 * restores. `seq` numbers the calls of a run folder across resumes.
 */
export interface CallRecord {
  t: 'call';
  at: string;
  seq: number;
  call: JournaledCall;
  realises: { row: number; userId: string; diffs: FieldDiff[] }[];
}

/** A RoutingCall without its `realises`, which the record holds with row numbers. */
export type JournaledCall = DistributiveOmit<RoutingCall, 'realises'>;
type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

export interface CallOutcomeRecord {
  t: 'call-outcome';
  at: string;
  seq: number;
  status: 'done' | 'failed';
  attempts: number;
  errorCode?: string;
  message?: string;
}

/**
 * The routing part of a row is settled: every call that realises it was done (`updated`), or one failed. A resume
 * re-reads and re-plans the routing of every row without a record here other than `failed`.
 */
export interface RoutedRecord {
  t: 'routed';
  at: string;
  row: number;
  userId: string;
  status: 'updated' | 'failed';
  errorCode?: string;
  message?: string;
}

export type JournalRecord = IntentRecord | OutcomeRecord;

/** `routing.jsonl`: kept apart from the profile journal, whose records are all about one row each. */
export type RoutingJournalRecord = CallRecord | CallOutcomeRecord | RoutedRecord;

export const JOURNAL_FILE = 'journal.jsonl';
export const ROUTING_JOURNAL_FILE = 'routing.jsonl';

/**
 * Every journal's first line names the version of its records, and the run whose folder it was made in:
 * `{"t":"header","schemaVersion":1,"runId":"…"}`. Journals written before the header existed have none, and are
 * version 1; those written before it named the run have no `runId`. A reader refuses another version, and a record of
 * a kind it does not know: a newer genesys-bulk wrote them, and acting on part of a journal could write something
 * twice. It refuses a journal naming another run than its folder's (copied over from another run folder): its rows
 * and users are another run's, and a resume would skip rows, a rollback undo writes, by them.
 */
export const JOURNAL_SCHEMA_VERSION = 1;
const headerOf = (path: string) => {
  const runId = runIdOfFolder(dirname(path));
  return `${JSON.stringify({ t: 'header', schemaVersion: JOURNAL_SCHEMA_VERSION, ...(runId ? { runId } : {}) })}\n`;
};

const JOURNAL_KINDS: ReadonlySet<string> = new Set<JournalRecord['t']>(['intent', 'outcome']);
const ROUTING_JOURNAL_KINDS: ReadonlySet<string> = new Set<RoutingJournalRecord['t']>([
  'call',
  'call-outcome',
  'routed',
]);

/**
 * Appends journal records with group commit: records handed in while a write is under way go out together in
 * the next write, followed by one fsync. `append` resolves once its record is on disk, which is what an intent
 * needs before its PATCH may be sent; outcomes need not wait.
 */
export class Journal<R = JournalRecord> {
  private pending: string[] = [];
  private waiters: (() => void)[] = [];
  private failures: ((err: unknown) => void)[] = [];
  private writing: Promise<void> | undefined;
  private closed = false;

  private constructor(
    readonly path: string,
    private readonly handle: FileHandle,
  ) {}

  private readonly onExit = () => this.flushSync();

  static async open<R = JournalRecord>(path: string): Promise<Journal<R>> {
    await dropTornTail(path);
    const handle = await open(path, 'a', PRIVATE_FILE_MODE);
    await handle.chmod(PRIVATE_FILE_MODE);
    if ((await handle.stat()).size === 0) {
      await handle.appendFile(headerOf(path));
      await handle.datasync();
      await syncDir(dirname(path));
    }
    const journal = new Journal<R>(path, handle);
    // A second Ctrl-C exits at once through process.exit: what is pending still reaches the disk.
    process.once('exit', journal.onExit);
    return journal;
  }

  append(record: R): Promise<void> {
    if (this.closed) return Promise.reject(new Error('journal is closed'));
    this.pending.push(`${JSON.stringify(record)}\n`);
    const done = new Promise<void>((resolve, reject) => {
      this.waiters.push(resolve);
      this.failures.push(reject);
    });
    if (!this.writing) this.writing = this.drain();
    return done;
  }

  private async drain(): Promise<void> {
    while (this.pending.length > 0) {
      const batch = this.pending.join('');
      const waiters = this.waiters;
      const failures = this.failures;
      this.pending = [];
      this.waiters = [];
      this.failures = [];
      try {
        await this.handle.appendFile(batch);
        await this.handle.datasync();
        for (const w of waiters) w();
      } catch (err) {
        for (const f of failures) f(err);
      }
    }
    this.writing = undefined;
  }

  async flush(): Promise<void> {
    while (this.writing) await this.writing;
  }

  /**
   * For an exit that cannot wait (a second Ctrl-C): writes what is pending synchronously. A record cut short
   * by a kill is a torn last line, which the reader tolerates.
   */
  flushSync(): void {
    if (this.pending.length === 0) return;
    const fd = openSync(this.path, 'a', PRIVATE_FILE_MODE);
    try {
      writeSync(fd, this.pending.join(''));
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    this.pending = [];
  }

  async close(): Promise<void> {
    await this.flush();
    process.off('exit', this.onExit);
    this.closed = true;
    await this.handle.close();
  }
}

/**
 * A run killed mid-write can leave a torn last line. The reader skips it, but a resume appending after it would
 * turn it into a corrupt line in the middle, and the journal could no longer be read: cut it off first.
 */
async function dropTornTail(path: string): Promise<void> {
  let handle: FileHandle;
  try {
    handle = await open(path, 'r');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw err;
  }
  // Only the end is read, backwards a block at a time: a 100,000-row journal is tens of megabytes.
  let keep = 0;
  try {
    const size = (await handle.stat()).size;
    const block = Buffer.alloc(64 * 1024);
    let end = size;
    for (;;) {
      const start = Math.max(0, end - block.length);
      const { bytesRead } = await handle.read(block, 0, end - start, start);
      const at = block.subarray(0, bytesRead).lastIndexOf(0x0a);
      if (end === size && at === bytesRead - 1) return;
      if (at >= 0) {
        keep = start + at + 1;
        break;
      }
      if (start === 0) break;
      end = start;
    }
  } finally {
    await handle.close();
  }
  await truncate(path, keep);
}

/** Reads a journal; a torn last line (the process was killed mid-write) is ignored, any other bad line is an error. */
export function readJournal(dir: string, keep?: (record: JournalRecord) => boolean): Promise<JournalRecord[]> {
  return readRecordsOf<JournalRecord>(join(dir, JOURNAL_FILE), JOURNAL_KINDS, keep);
}

/** Reads the routing journal, as readJournal does the profile one. */
export function readRoutingJournal(
  dir: string,
  keep?: (record: RoutingJournalRecord) => boolean,
): Promise<RoutingJournalRecord[]> {
  return readRecordsOf<RoutingJournalRecord>(join(dir, ROUTING_JOURNAL_FILE), ROUTING_JOURNAL_KINDS, keep);
}

/**
 * Reads any journal of records (one JSON object a line, of the kinds given), as readJournal does: a line at a time,
 * never the whole file as one string, keeping only the records `keep` wants (all by default).
 */
export async function readRecordsOf<T>(
  path: string,
  kinds: ReadonlySet<string>,
  keep: (record: T) => boolean = () => true,
): Promise<T[]> {
  let handle: FileHandle;
  try {
    handle = await open(path, 'r');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
  const records: T[] = [];
  const refuse = (what: string) =>
    new ValidationError(
      `${path} ${what}; this version of genesys-bulk reads journal version ${JOURNAL_SCHEMA_VERSION}. Continue or ` +
        'roll back the run with the version of genesys-bulk that made it.',
    );
  let first = true;
  /** A line that is not JSON: only the last non-blank line may be (torn by a kill mid-write). */
  let corrupt: number | undefined;
  let i = 0;
  try {
    for await (const line of createInterface({
      input: handle.createReadStream({ encoding: 'utf8' }),
      crlfDelay: Infinity,
    })) {
      i++;
      if (line.trim() === '') continue;
      if (corrupt !== undefined) throw new ValidationError(`${path}: line ${corrupt} is corrupt.`);
      let record: { t?: unknown; schemaVersion?: unknown; runId?: unknown };
      try {
        record = JSON.parse(line) as typeof record;
      } catch {
        corrupt = i;
        continue;
      }
      const isHeader = first && record?.t === 'header';
      first = false;
      if (isHeader) {
        if (record.schemaVersion !== JOURNAL_SCHEMA_VERSION)
          throw refuse(`has journal schema version ${JSON.stringify(record.schemaVersion ?? null)}`);
        const folderRun = runIdOfFolder(dirname(path));
        if (record.runId !== undefined && folderRun !== undefined && record.runId !== folderRun)
          throw new ValidationError(
            `${path} is the journal of run ${escapeControls(String(record.runId))}, not of run ${folderRun}: it was ` +
              `copied from another run folder. Nothing was written. Put back run ${folderRun}'s own journal.`,
          );
        continue;
      }
      if (typeof record?.t !== 'string' || !kinds.has(record.t))
        throw refuse(`line ${i} holds a record of a kind it does not know (${JSON.stringify(record?.t ?? null)})`);
      if (keep(record as T)) records.push(record as T);
    }
  } finally {
    await handle.close();
  }
  return records;
}
