import type { GenesysUser } from '../genesys/types.js';
import type { PlannedRow } from '../plan/index.js';
import { decodePlannedRow, encodePlannedRow } from '../plan/plan.js';
import { TextStore } from '../plan/text-store.js';
import type { RowStatus } from '../report.js';
import { StoredItem, type UsersAt } from './compact.js';
import type { WorkItem } from './engine.js';
import { readJournal, readRoutingJournal } from './journal.js';
import type { Part } from './outcome.js';
import type { StoredRows } from './plan-read.js';

/**
 * What a resume keeps of a run while it plans and writes what is left, held compact: the journals folded as they are
 * read (never all their records at once), the rows left as encoded text, the writes left as a row index and the user
 * as JSON text. A resume of 100,000 rows otherwise held every record, row and user as objects (issue #12).
 */

/** Settled parts with nothing but a status are one object each: 100,000 of them are 100,000 entries, no more. */
const plain = new Map<string, Part>();
function settledPart(rec: { status: string; conflict?: string; errorCode?: string; message?: string }): Part {
  if (!rec.conflict && !rec.errorCode && !rec.message) {
    let part = plain.get(rec.status);
    if (!part) {
      part = Object.freeze({ status: rec.status as RowStatus, attempts: 0 });
      plain.set(rec.status, part);
    }
    return part;
  }
  return {
    status: rec.status as RowStatus,
    attempts: 0,
    ...(rec.conflict ? { conflict: rec.conflict } : {}),
    ...(rec.errorCode ? { errorCode: rec.errorCode } : {}),
    ...(rec.message ? { message: rec.message } : {}),
  };
}

export interface ProfileJournal {
  /** Rows whose write has an outcome other than failed: their part as the report shows it. */
  settled: Map<number, Part>;
  /** Rows whose last write has no outcome (it was in flight when the run stopped), or failed but may have acted. */
  wrote: Set<number>;
}

export async function foldProfileJournal(dir: string): Promise<ProfileJournal> {
  const settled = new Map<number, Part>();
  const wrote = new Set<number>();
  await readJournal(dir, (rec) => {
    if (rec.t === 'intent') wrote.add(rec.row);
    else {
      if (rec.mayHaveActed !== true) wrote.delete(rec.row);
      if (rec.status !== 'failed') settled.set(rec.row, settledPart(rec));
    }
    return false;
  });
  return { settled, wrote };
}

export interface RoutingJournal {
  /** Rows whose routing is settled (not failed): their part. */
  routed: Map<number, Part>;
  /** Rows with a routing call journaled: one of them may have landed. */
  called: Set<number>;
  lastSeq: number;
}

export async function foldRoutingJournal(dir: string): Promise<RoutingJournal> {
  const routed = new Map<number, Part>();
  const called = new Set<number>();
  let lastSeq = 0;
  await readRoutingJournal(dir, (rec) => {
    if (rec.t === 'call') {
      lastSeq = Math.max(lastSeq, rec.seq);
      for (const r of rec.realises) called.add(r.row);
    } else if (rec.t === 'routed') {
      if (rec.status === 'failed') routed.delete(rec.row);
      else routed.set(rec.row, settledPart({ status: rec.status }));
    }
    return false;
  });
  return { routed, called, lastSeq };
}

/** The rows left, planned again, by row number: each held as its encoded text. */
export class LeftRows {
  private readonly store = new TextStore();
  private readonly byRow = new Map<number, number>();

  set(row: PlannedRow): void {
    this.byRow.set(row.rowNumber, this.store.add(encodePlannedRow(row)));
  }

  get(rowNumber: number): PlannedRow | undefined {
    const e = this.byRow.get(rowNumber);
    return e === undefined ? undefined : decodePlannedRow(this.store.text(e));
  }

  /** In row order, decoded afresh on each pass. */
  sorted(): Iterable<PlannedRow> {
    const numbers = Int32Array.from(this.byRow.keys()).sort();
    const get = (n: number) => this.get(n)!;
    return {
      *[Symbol.iterator]() {
        for (const n of numbers) yield get(n);
      },
    };
  }
}

/**
 * The profile writes left: each its row's index in the saved plan (what it asks for, and the diffs it is judged
 * against) and its user as read now, as JSON text. Made as the engine takes them, as run/compact.ts makes an update's.
 */
export class LeftItems {
  private readonly users = new TextStore();
  private readonly at: number[] = [];
  private readonly rowNumbers: number[] = [];
  private readonly wroteBefore: number[] = [];

  add(index: number, rowNumber: number, user: GenesysUser, wroteBefore: boolean): void {
    this.users.add(JSON.stringify(user));
    this.at.push(index);
    this.rowNumbers.push(rowNumber);
    this.wroteBefore.push(wroteBefore ? 1 : 0);
  }

  items(rows: StoredRows): Iterable<WorkItem> {
    const store = this.users;
    const users: UsersAt = { at: (k) => JSON.parse(store.text(k)) as GenesysUser };
    const at = Int32Array.from(this.at);
    const rowNumbers = Int32Array.from(this.rowNumbers);
    const wrote = Uint8Array.from(this.wroteBefore);
    return {
      *[Symbol.iterator]() {
        for (let k = 0; k < at.length; k++) {
          const index = at[k]!;
          const item = new StoredItem(rowNumbers[k]!, users, k, rows, index, true);
          if (wrote[k]) item.wroteBefore = true;
          yield item;
        }
      },
    };
  }
}
