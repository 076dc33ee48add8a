import {
  formatProblems,
  type InputProblem,
  type InputRow,
  type InvalidRow,
  type ManagerRef,
  sameChanges,
} from '../input/index.js';
import type { PlannedRow } from '../plan/index.js';
import type { ReportRecord } from '../report.js';
import { noteColumns } from './note-columns.js';

/**
 * The checks an update makes once the directory is read: every manager exists, and no two rows name one user in
 * different ways with different changes. Their problems are reported as the input layer reports its own.
 */

const MAX_PROBLEMS_SHOWN = 20;

/**
 * Two rows may name one user in different ways (one by id, one by email), which the input layer cannot see.
 * Identical changes: the later row is skipped. Different changes: an error on each, as for a repeated key,
 * since which one wins would depend on the order of the rows.
 */
export function checkSameUser(
  rows: InputRow[],
  userIdOf: (row: InputRow) => string | undefined,
): { rows: InputRow[]; problems: RowProblem[]; skipped: ReportRecord[] } {
  // A user's first row alone, an array only once a second row names it: 100,000 rows name 100,000 users, and
  // 100,000 one-row arrays were garbage that lived as long as the check.
  const groups = new Map<string, InputRow | InputRow[]>();
  for (const row of rows) {
    const userId = userIdOf(row);
    if (!userId) continue;
    const group = groups.get(userId);
    if (group === undefined) groups.set(userId, row);
    else if (Array.isArray(group)) group.push(row);
    else groups.set(userId, [group, row]);
  }
  const drop = new Set<InputRow>();
  const problems: RowProblem[] = [];
  const skipped: ReportRecord[] = [];
  for (const [userId, group] of groups) {
    if (!Array.isArray(group)) continue;
    const first = group[0]!;
    const same = group.every((r) => sameChanges(r.changes, first.changes));
    for (const row of same ? group.slice(1) : group) {
      drop.add(row);
      const key = row.key.kind === 'id' ? row.key.id : row.key.email;
      const others = group.filter((o) => o !== row).map((o) => `row ${o.rowNumber}`);
      if (same) {
        skipped.push({
          row: row.rowNumber,
          line: row.line,
          key,
          userId,
          status: 'skipped',
          changes: [],
          message: `names the same user as row ${first.rowNumber}, with the same changes`,
          attempts: 0,
        });
      } else {
        problems.push({
          severity: 'error',
          rowNumber: row.rowNumber,
          line: row.line,
          column: row.key.kind,
          key,
          code: 'same_user',
          message: `row ${row.rowNumber} (line ${row.line}), column "${row.key.kind}": names the same user (${userId}) as ${others.join(', ')}, with different changes; give each user one row.`,
        });
      }
    }
  }
  return { rows: drop.size === 0 ? rows : rows.filter((r) => !drop.has(r)), problems, skipped };
}

export function invalidInputMessage(
  name: string,
  rowCount: number,
  problems: InputProblem[],
  skipInvalid = 'pass --skip-invalid',
): string {
  return (
    `${name}: ${problems.length} problem(s) in ${rowCount} row(s); nothing was written.\n` +
    `${formatProblems(problems, MAX_PROBLEMS_SHOWN)}\n` +
    `Fix the file and run again, or ${skipInvalid} to apply the valid rows and report the rest.`
  );
}

export type RowProblem = InputProblem & { rowNumber: number; line: number; key: string };

export function rowProblem(
  row: InputRow,
  column: string,
  detail: string,
  kind?: { code: string; suggestion?: string },
): RowProblem {
  return {
    ...kind,
    severity: 'error',
    rowNumber: row.rowNumber,
    line: row.line,
    column,
    key: row.key.kind === 'id' ? row.key.id : row.key.email,
    message: `row ${row.rowNumber} (line ${row.line}), column "${column}": ${detail}`,
  };
}

/**
 * The rows planning refused (a change their user cannot take: a required field cleared, a change that leaves no role
 * at all, a second row for one user), as problems; each row's note names the column.
 */
export function planRefusals(rows: Iterable<PlannedRow>): RowProblem[] {
  const problems: RowProblem[] = [];
  for (const r of rows) {
    if (r.status !== 'invalid') continue;
    const { rowNumber, line, key } = r;
    const message = `row ${rowNumber} (line ${line}): ${r.note ?? 'the change cannot be made to this user'}`;
    problems.push({ severity: 'error', code: 'invalid_change', rowNumber, line, key, message, ...noteColumns(r.note) });
  }
  return problems;
}

/** In row order, so that a row's problems found by different checks are listed together. */
export function sortProblems(problems: RowProblem[]): RowProblem[] {
  return [...problems].sort((a, b) => a.rowNumber - b.rowNumber);
}

/** Rows refused after reading the directory, one entry per row however many problems it has. */
export function rejectedRows(problems: RowProblem[]): InvalidRow[] {
  const byRow = new Map<number, InvalidRow>();
  for (const p of sortProblems(problems)) {
    const row = byRow.get(p.rowNumber);
    if (row) row.problems.push(p);
    else byRow.set(p.rowNumber, { rowNumber: p.rowNumber, line: p.line, key: p.key, problems: [p] });
  }
  return [...byRow.values()];
}

/** A manager named by email or id must exist before anything is written. */
export function checkManagers(
  rows: InputRow[],
  managerId: (ref: ManagerRef) => string | undefined,
): { rows: InputRow[]; problems: RowProblem[] } {
  const ok: InputRow[] = [];
  const problems: RowProblem[] = [];
  for (const row of rows) {
    const m = row.changes.manager;
    if (m && !managerId(m)) {
      const what = m.kind === 'id' ? `id ${m.id}` : `email ${m.email}`;
      problems.push({
        severity: 'error',
        rowNumber: row.rowNumber,
        line: row.line,
        column: 'manager',
        key: row.key.kind === 'id' ? row.key.id : row.key.email,
        code: 'unknown_manager',
        message: `row ${row.rowNumber} (line ${row.line}), column "manager": no user with ${what} exists in the organisation; check the value.`,
      });
    } else ok.push(row);
  }
  return { rows: ok, problems };
}
