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
export interface CompactRun {
  /** The plan's rows, decoded afresh on each pass: written to plan.json, then read for the report. */
  rows: Iterable<PlannedRow>;
  /** The profile writes, made as the engine takes them. */
  items: Iterable<WorkItem>;
  /** The routing part of each row that changes something. */
  routing: RoutingWork[];
}

export function compactRun(
  rows: Iterable<PlannedRow>,
  /** The user to write to, as last read; called once for each row with a PATCH to send. */
  userOf: (row: PlannedRow) => GenesysUser,
): CompactRun {
  const texts: string[] = [];
  const itemAt: number[] = [];
  const users: string[] = [];
  const routing: RoutingWork[] = [];
  for (const p of rows) {
    texts.push(encodePlannedRow(p));
    if (p.status !== 'change') continue;
    if (hasProfileWork(p)) {
      itemAt.push(texts.length - 1);
      users.push(JSON.stringify(userOf(p)));
    }
    if (p.routing !== undefined && hasRoutingWork(p))
      routing.push({ rowNumber: p.rowNumber, userId: p.userId!, plan: p.routing });
  }
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
          yield {
            rowNumber: rowNumbers[k]!,
            get user(): GenesysUser {
              return JSON.parse(user) as GenesysUser;
            },
            get changes() {
              return decodePlannedRow(text).changes!;
            },
          };
        }
      },
    },
    routing,
  };
}
