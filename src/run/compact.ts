import type { GenesysUser } from '../genesys/types.js';
import type { ProfileChanges } from '../input/index.js';
import { type FieldDiff, hasProfileWork, hasRoutingWork, type PlannedRow } from '../plan/index.js';
import { decodePlannedRow, encodePlannedRow } from '../plan/plan.js';
import { TextStore } from '../plan/text-store.js';
import type { WorkItem } from './engine.js';
import type { RoutingWork } from './routing-engine.js';

/**
 * A planned run held compact while it executes: each row as its encoded text (with what it asked for), each user to
 * write as JSON text, the rows to PATCH by number. Rows, work items and users are decoded one at a time, as a pass
 * over them reaches them: a 100,000-row run never holds them as objects, which would take several times the memory
 * (and V8 lets the heap grow to a few times what is live).
 *
 * Made in a function of its own, so that what it keeps is only what these closures name, not the planner's state.
 */
const BASELINE = 1;
const WROTE_BEFORE = 2;

export interface CompactRun {
  /** The plan's rows, decoded afresh on each pass: written to plan.json, then read for the report. */
  rows: Iterable<PlannedRow>;
  /** The profile writes, made as the engine takes them. */
  items: Iterable<WorkItem>;
  /** The routing part of each row that changes something. */
  routing: RoutingWork[];
}

/** A row's profile write, as compactRun is told of it. */
export interface CompactItem {
  /** The user as last read. */
  user: GenesysUser;
  /** A resume's: judged against the row's planned diffs (WorkItem.baseline). */
  baseline?: boolean;
  wroteBefore?: boolean;
}

/** An update's and a rollback's: every changing row with a profile part is written, from its user as planned. */
export function changingRows(userOf: (row: PlannedRow) => GenesysUser): (row: PlannedRow) => CompactItem | undefined {
  return (p) => (p.status === 'change' && hasProfileWork(p) ? { user: userOf(p) } : undefined);
}

export function compactRun(
  rows: Iterable<PlannedRow>,
  /** The row's profile write, if it has one now; called once for each row. */
  itemOf: (row: PlannedRow) => CompactItem | undefined,
): CompactRun {
  const builder = new CompactBuilder();
  for (const p of rows) builder.add(p, itemOf(p));
  return builder.build();
}

/** A CompactRun made a row at a time, as a command plans its rows: the rows are never all held as objects. */
export class CompactBuilder {
  // Off the JavaScript heap (plan/text-store.ts): as strings, 100,000 rows and users were live heap V8 let grow fourfold.
  private readonly texts = new TextStore();
  private readonly itemAt: number[] = [];
  private readonly users = new TextStore();
  private readonly flags: number[] = [];
  private readonly routing: RoutingWork[] = [];

  /** Rows added so far. */
  get length(): number {
    return this.texts.size;
  }

  add(p: PlannedRow, item?: CompactItem): void {
    const at = this.texts.add(encodePlannedRow(p));
    if (item) {
      this.itemAt.push(at);
      this.users.add(JSON.stringify(item.user));
      this.flags.push((item.baseline ? BASELINE : 0) | (item.wroteBefore ? WROTE_BEFORE : 0));
    }
    if (p.status === 'change' && p.routing !== undefined && hasRoutingWork(p))
      this.routing.push({ rowNumber: p.rowNumber, userId: p.userId!, plan: p.routing });
  }

  build(): CompactRun {
    return compacted(this.texts, this.itemAt, this.users, this.flags, this.routing);
  }
}

function compacted(
  texts: TextStore,
  itemAt: readonly number[],
  users: TextStore,
  flags: readonly number[],
  routing: RoutingWork[],
): CompactRun {
  const flagged = Uint8Array.from(flags);
  const at = Int32Array.from(itemAt);
  const rowNumbers = Int32Array.from(itemAt, (i) => decodePlannedRow(texts.text(i)).rowNumber);
  const stored: RowsAt = { at: (i) => decodePlannedRow(texts.text(i)) };
  return {
    rows: {
      *[Symbol.iterator]() {
        for (let i = 0; i < texts.size; i++) yield decodePlannedRow(texts.text(i));
      },
    },
    items: {
      *[Symbol.iterator]() {
        for (let k = 0; k < at.length; k++) {
          const flag = flagged[k]!;
          const item = new StoredItem(rowNumbers[k]!, users, k, stored, at[k]!, (flag & BASELINE) !== 0);
          if (flag & WROTE_BEFORE) item.wroteBefore = true;
          yield item;
        }
      },
    },
    routing,
  };
}

/** Rows by index, each decoded afresh when read. */
export interface RowsAt {
  at(index: number): PlannedRow;
}

/**
 * A work item that decodes its user and changes on each read: an update's or rollback's (rows in a CompactBuilder's
 * texts) or a resume's (rows in the stored plan). The accessors are the class's: an object literal with getters gets
 * an accessor pair of its own, which V8 allocates in the old generation and which keeps the getters' closures from
 * dying young, so each pass over 100,000 such items left some 28 MB for a full collection (issue #12).
 */
export class StoredItem implements WorkItem {
  wroteBefore?: boolean;

  constructor(
    readonly rowNumber: number,
    private readonly users: TextStore,
    private readonly userEntry: number,
    private readonly rows: RowsAt,
    private readonly rowIndex: number,
    /** A resume's: the write is judged against the row's planned diffs. */
    private readonly hasBaseline: boolean,
  ) {}

  get user(): GenesysUser {
    return JSON.parse(this.users.text(this.userEntry)) as GenesysUser;
  }

  get changes(): ProfileChanges {
    return this.rows.at(this.rowIndex).changes!;
  }

  get baseline(): FieldDiff[] | undefined {
    return this.hasBaseline ? this.rows.at(this.rowIndex).diffs : undefined;
  }
}
