import type { InputRow, ManagerRef } from '../input/index.js';
import type { Catalogue, IncrementalPlanner } from '../plan/index.js';
import type { ReportRecord } from '../report.js';
import { checkManagers, checkSameUser, type RowProblem } from './checks.js';
import { checkCreations } from './create.js';
import { refKey } from './pipeline.js';
/**
 * The checks that need the users read, over the rows the planner still holds: every manager exists, no two rows name
 * one user in different ways, and with --create, the rows to create. Returns the row numbers taken out, and the
 * managers the rows that passed name.
 *
 * The rows are held all at once only where a check needs them together (ids mixed with emails, --create): otherwise
 * each is decoded, checked and let go, as 100,000 rows of an export's 19 columns held as objects were some 150 MB of
 * heap (issue #12).
 */
export function checkHeldRows(
  planner: Pick<IncrementalPlanner, 'heldRows' | 'rows' | 'mixesKeys' | 'userIdOf'>,
  managerId: (ref: ManagerRef) => string | undefined,
  badNames: ReadonlySet<number>,
  catalogue: Catalogue | undefined,
  create: boolean,
): {
  excluded: Set<number>;
  problems: RowProblem[];
  skipped: ReportRecord[];
  creation: ReturnType<typeof checkCreations> | undefined;
  managers: Record<string, string>;
} {
  const managers: Record<string, string> = {};
  const named = (row: InputRow) => {
    const m = row.changes.manager;
    if (m) managers[refKey(m)] = managerId(m)!;
  };
  if (!create && !planner.mixesKeys) {
    const excluded = new Set<number>();
    const problems: RowProblem[] = [];
    for (const row of planner.heldRows()) {
      const bad = checkManagers([row], managerId).problems;
      problems.push(...bad);
      if (bad.length > 0 || badNames.has(row.rowNumber)) excluded.add(row.rowNumber);
      else named(row);
    }
    return { excluded, problems, skipped: [], creation: undefined, managers };
  }
  const held = planner.rows();
  const managerCheck = checkManagers(held, managerId);
  const sameUser = checkSameUser(managerCheck.rows, (row) => planner.userIdOf(row));
  const creation = create
    ? checkCreations(
        sameUser.rows.filter((r) => !badNames.has(r.rowNumber)),
        (row) => planner.userIdOf(row),
        catalogue ?? {},
      )
    : undefined;
  const rows = sameUser.rows.filter((r) => !badNames.has(r.rowNumber) && !creation?.bad.has(r.rowNumber));
  // By row number, not as a set of 100,000 numbers: all of planning's working set is held at once here (issue #12).
  const left = new Uint8Array(held.reduce((most, r) => Math.max(most, r.rowNumber), 0) + 1);
  for (const r of rows) {
    left[r.rowNumber] = 1;
    named(r);
  }
  const excluded = new Set(held.filter((r) => left[r.rowNumber] === 0).map((r) => r.rowNumber));
  return {
    excluded,
    problems: [...managerCheck.problems, ...sameUser.problems],
    skipped: sameUser.skipped,
    creation,
    managers,
  };
}
