import type { GenesysUser } from '../genesys/types.js';
import type { ProfileChanges } from '../input/index.js';
import { type FieldDiff, hasProfileWork, hasRoutingWork, type PlannedRow } from '../plan/index.js';
import { decodePlannedRow, encodePlannedRow } from '../plan/plan.js';
import { type TextList, TextStore } from '../plan/text-store.js';
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
  /** The routing part of each row that changes something, decoded afresh on each pass. */
  routing: Iterable<RoutingWork>;
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
  private readonly rowNumbers: number[] = [];
  private readonly users = new TextStore();
  private readonly flags: number[] = [];
  /** The rows with routing work, by index. */
  private readonly routing: number[] = [];

  /** Rows added so far. */
  get length(): number {
    return this.texts.size;
  }

  add(p: PlannedRow, item?: CompactItem): void {
    const at = this.texts.add(encodePlannedRow(p));
    if (item) {
      this.itemAt.push(at);
      this.rowNumbers.push(p.rowNumber);
      this.users.add(JSON.stringify(item.user));
      this.flags.push((item.baseline ? BASELINE : 0) | (item.wroteBefore ? WROTE_BEFORE : 0));
    }
    if (routingWork(p)) this.routing.push(at);
  }

  build(): CompactRun {
    const users = this.users;
    return compacted(
      this.texts.list(),
      { itemAt: this.itemAt, rowNumbers: this.rowNumbers, flags: this.flags },
      { at: (k) => JSON.parse(users.text(k)) as GenesysUser },
      this.routing,
    );
  }
}

/**
 * A CompactRun over rows already held encoded (a planner's, each carrying what it asked for), which it takes over
 * instead of copying: the copy was a third more text at the moment planning hands over to the writes, and the
 * planner's chunks freed after it stayed with the allocator (issue #12). `usersOf` gives the users of the writes, in
 * the order of the ids given, as text held as the rows are; `project` is what of each a write gets.
 */
export function compactOver(
  rows: TextList,
  usersOf: (ids: readonly string[]) => TextList,
  project: (user: GenesysUser) => GenesysUser,
): CompactRun {
  const itemAt: number[] = [];
  const rowNumbers: number[] = [];
  const ids: string[] = [];
  const routing: number[] = [];
  for (let i = 0; i < rows.length; i++) {
    const p = decodePlannedRow(rows.at(i));
    if (p.status === 'change' && hasProfileWork(p)) {
      itemAt.push(i);
      rowNumbers.push(p.rowNumber);
      ids.push(p.userId!);
    }
    if (routingWork(p)) routing.push(i);
  }
  const users = usersOf(ids);
  return compacted(
    rows,
    { itemAt, rowNumbers, flags: [] },
    { at: (k) => project(JSON.parse(users.at(k)) as GenesysUser) },
    routing,
  );
}

/** The routing part of a row that changes something: what the engine applies of it. */
export function routingWork(p: PlannedRow): RoutingWork | undefined {
  return p.status === 'change' && p.routing !== undefined && hasRoutingWork(p)
    ? { rowNumber: p.rowNumber, userId: p.userId!, plan: p.routing }
    : undefined;
}

interface Items {
  /** Per write: its row's index, its row number, its flags (none if absent). */
  itemAt: readonly number[];
  rowNumbers: readonly number[];
  flags: readonly number[];
}

function compacted(texts: TextList, items: Items, users: UsersAt, routingAt: readonly number[]): CompactRun {
  const withRouting = Int32Array.from(routingAt);
  const flagged = Uint8Array.from(items.flags);
  const at = Int32Array.from(items.itemAt);
  const rowNumbers = Int32Array.from(items.rowNumbers);
  const stored: RowsAt = { at: (i) => decodePlannedRow(texts.at(i)) };
  return {
    rows: {
      *[Symbol.iterator]() {
        for (const text of texts) yield decodePlannedRow(text);
      },
    },
    items: {
      *[Symbol.iterator]() {
        for (let k = 0; k < at.length; k++) {
          const flag = flagged[k] ?? 0;
          const item = new StoredItem(rowNumbers[k]!, users, k, stored, at[k]!, (flag & BASELINE) !== 0);
          if (flag & WROTE_BEFORE) item.wroteBefore = true;
          yield item;
        }
      },
    },
    routing: {
      *[Symbol.iterator]() {
        for (const i of withRouting) yield routingWork(decodePlannedRow(texts.at(i)))!;
      },
    },
  };
}

/** Rows by index, each decoded afresh when read. */
export interface RowsAt {
  at(index: number): PlannedRow;
}

/** The users of the writes by index, each decoded afresh when read. */
export interface UsersAt {
  at(index: number): GenesysUser;
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
    private readonly users: UsersAt,
    private readonly userIndex: number,
    private readonly rows: RowsAt,
    private readonly rowIndex: number,
    /** A resume's: the write is judged against the row's planned diffs. */
    private readonly hasBaseline: boolean,
  ) {}

  get user(): GenesysUser {
    return this.users.at(this.userIndex);
  }

  get changes(): ProfileChanges {
    return this.rows.at(this.rowIndex).changes!;
  }

  get baseline(): FieldDiff[] | undefined {
    return this.hasBaseline ? this.rows.at(this.rowIndex).diffs : undefined;
  }
}
