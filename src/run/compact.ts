import type { GenesysUser } from '../genesys/types.js';
import { hasProfileWork, hasRoutingWork, type PlannedRow } from '../plan/index.js';
import { decodePlannedRow, encodePlannedRow } from '../plan/plan.js';
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
  private readonly texts: string[] = [];
  private readonly itemAt: number[] = [];
  private readonly users: string[] = [];
  private readonly flags: number[] = [];
  private readonly routing: RoutingWork[] = [];

  /** Rows added so far. */
  get length(): number {
    return this.texts.length;
  }

  add(p: PlannedRow, item?: CompactItem): void {
    const { texts } = this;
    texts.push(encodePlannedRow(p));
    if (item) {
      this.itemAt.push(texts.length - 1);
      this.users.push(JSON.stringify(item.user));
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
  texts: readonly string[],
  itemAt: readonly number[],
  users: readonly string[],
  flags: readonly number[],
  routing: RoutingWork[],
): CompactRun {
  const flagged = Uint8Array.from(flags);
  const at = Int32Array.from(itemAt);
  const rowNumbers = Int32Array.from(itemAt, (i) => decodePlannedRow(texts[i]!).rowNumber);
  return {
    rows: {
      *[Symbol.iterator]() {
        for (const text of texts) yield decodePlannedRow(text);
      },
    },
    items: {
      *[Symbol.iterator]() {
        for (let k = 0; k < at.length; k++) {
          const text = texts[at[k]!]!;
          const user = users[k]!;
          const flag = flagged[k]!;
          const item: WorkItem = {
            rowNumber: rowNumbers[k]!,
            get user(): GenesysUser {
              return JSON.parse(user) as GenesysUser;
            },
            get changes() {
              return decodePlannedRow(text).changes!;
            },
          };
          if (flag & BASELINE)
            Object.defineProperty(item, 'baseline', {
              get: () => decodePlannedRow(text).diffs,
              enumerable: true,
            });
          if (flag & WROTE_BEFORE) item.wroteBefore = true;
          yield item;
        }
      },
    },
    routing,
  };
}
