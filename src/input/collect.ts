import { CLEAR_TOKEN, COLUMNS } from './columns.js';
import { problem, quote } from './problems.js';
import type { RecordResult } from './record.js';
import { routingColumnValues } from './routing-items.js';
import type {
  InputFormat,
  InputProblem,
  InputRow,
  InvalidRow,
  ParsedInput,
  ProfileChanges,
  RowKey,
  SkippedRow,
} from './types.js';

interface At {
  rowNumber: number;
  line: number;
}

interface Accepted {
  row: InputRow;
  keyLabel: string;
}

function keyId(key: RowKey): string {
  return key.kind === 'id' ? `id:${key.id}` : `email:${key.email}`;
}

function rowRef(at: At): string {
  return `row ${at.rowNumber} (line ${at.line})`;
}

const columnOrder = new Map(COLUMNS.map((c, i) => [c.name, i]));

/** A column a row sets: `key` is equal for two rows that ask for the same thing, `shown` is for messages. */
interface FlatValue {
  column: string;
  key: string;
  shown: string;
}

/** The changes as one entry per column, in the documented column order, for comparing rows and naming what differs. */
function flatten(changes: ProfileChanges, key: RowKey): FlatValue[] {
  const out: FlatValue[] = [];
  const add = (column: string, value: string | null | undefined) => {
    if (value !== undefined) out.push({ column, key: JSON.stringify(value), shown: show(value) });
  };
  add('name', changes.name);
  add(key.kind === 'id' ? 'email' : 'newEmail', changes.email);
  add('title', changes.title);
  add('department', changes.department);
  add('preferredName', changes.preferredName);
  if (changes.manager !== undefined) {
    const m = changes.manager;
    add('manager', m === null ? null : m.kind === 'id' ? m.id : m.email);
  }
  for (const [field, value] of Object.entries(changes.employerInfo ?? {})) add(`employerInfo.${field}`, value);
  for (const [type, value] of Object.entries(changes.phones ?? {})) add(`phone.${type}`, value);
  add('state', changes.state);
  for (const [column, value] of Object.entries(changes.asSaved ?? {})) add(column, value);
  if (changes.routing !== undefined) {
    for (const v of routingColumnValues(changes.routing)) {
      out.push({ column: v.column, key: v.key, shown: v.shown === CLEAR_TOKEN ? CLEAR_TOKEN : quote(v.shown) });
    }
  }
  return out.sort((a, b) => columnOrder.get(a.column)! - columnOrder.get(b.column)!);
}

function show(value: string | null): string {
  return value === null ? CLEAR_TOKEN : quote(value);
}

/**
 * Whether two rows ask for the same changes, compared as the duplicate check compares them (routing list items in
 * any order, equal proficiencies however written). For rows keyed differently: a new email counts as one column.
 */
export function sameChanges(a: ProfileChanges, b: ProfileChanges): boolean {
  const anyKey: RowKey = { kind: 'id', id: '' };
  return sameFlat(flatten(a, anyKey), flatten(b, anyKey));
}

function sameFlat(a: FlatValue[], b: FlatValue[]): boolean {
  return a.length === b.length && a.every((v, i) => v.column === b[i]!.column && v.key === b[i]!.key);
}

function differences(a: FlatValue[], b: FlatValue[], label: (column: string) => string): string {
  const ma = new Map(a.map((v) => [v.column, v]));
  const mb = new Map(b.map((v) => [v.column, v]));
  const columns = [...new Set([...ma.keys(), ...mb.keys()])]
    .filter((c) => ma.get(c)?.key !== mb.get(c)?.key)
    .sort((x, y) => columnOrder.get(x)! - columnOrder.get(y)!);
  const shown = columns
    .slice(0, 3)
    .map((c) => `${label(c)}: ${ma.get(c)?.shown ?? 'unchanged'} here, ${mb.get(c)?.shown ?? 'unchanged'} there`);
  if (columns.length > 3) shown.push(`${columns.length - 3} more`);
  return shown.join('; ');
}

/**
 * Accumulates records in input order and applies the whole-file rules (duplicates, clashing email changes)
 * once everything is read: those need every row, so they run in `finish`.
 */
export class Collector {
  private readonly fileProblems: InputProblem[] = [];
  private readonly accepted: Accepted[] = [];
  private readonly invalid: InvalidRow[] = [];
  private readonly rowWarnings: InputProblem[] = [];
  private readonly skipped: SkippedRow[] = [];
  private total = 0;
  private readonly interned = new Map<string, string>();

  /** How messages name a column: the file's own name for it when the file is in another layout (admin-ui.ts). */
  private label: (column: string) => string = (column) => column;

  constructor(private readonly format: InputFormat) {}

  labelColumns(label: (column: string) => string): void {
    this.label = label;
  }

  /**
   * One string per distinct short value: a 100,000-row file that sets the same few titles and departments
   * otherwise holds a copy of each value per row. Bounded, so that a file of unique values costs no more.
   */
  private intern(value: string): string {
    if (value.length > 64) return value;
    const known = this.interned.get(value);
    if (known !== undefined) return known;
    if (this.interned.size < 10_000) this.interned.set(value, value);
    return value;
  }

  private internChanges(changes: ProfileChanges): void {
    for (const field of ['title', 'department', 'preferredName', 'state'] as const) {
      const value = changes[field];
      if (typeof value === 'string') (changes as Record<string, unknown>)[field] = this.intern(value);
    }
    const employer = changes.employerInfo as Record<string, string | null> | undefined;
    if (employer)
      for (const [k, v] of Object.entries(employer)) if (typeof v === 'string') employer[k] = this.intern(v);
  }

  /** A problem that belongs to the file (a header column, an unknown JSON key), not to one row's validity. */
  addFileProblem(p: InputProblem): void {
    this.fileProblems.push(p);
  }

  /** A record the reader could not even turn into cells (e.g. a JSON Lines line that is not JSON). */
  addUnreadable(at: At, problems: InputProblem[]): void {
    this.total++;
    this.invalid.push({ ...at, problems });
  }

  addRecord(at: At, result: RecordResult, extra: InputProblem[] = []): void {
    this.total++;
    const problems = [...extra, ...result.problems];
    if (result.key === undefined || problems.some((p) => p.severity === 'error')) {
      const entry: InvalidRow = { ...at, problems };
      if (result.keyLabel !== undefined) entry.key = result.keyLabel;
      if (result.changes.routing !== undefined || result.changes.manager) entry.changes = result.changes;
      this.invalid.push(entry);
      return;
    }
    if (Object.keys(result.changes).length === 0) {
      const warning = problem(
        'warning',
        at,
        'nothing to change (every column other than the key is empty); this row is skipped',
        { code: 'nothing_to_change' },
      );
      this.rowWarnings.push(...problems, warning);
      this.skipped.push({
        rowNumber: at.rowNumber,
        line: at.line,
        key: result.keyLabel ?? '',
        reason: 'nothing to change: every column other than the key is empty',
      });
      return;
    }
    this.rowWarnings.push(...problems);
    this.internChanges(result.changes);
    this.accepted.push({
      row: { rowNumber: at.rowNumber, line: at.line, key: result.key, changes: result.changes },
      keyLabel: result.keyLabel ?? '',
    });
  }

  finish(): ParsedInput {
    const crossProblems = new Map<Accepted, InputProblem[]>();
    const dropped = new Set<Accepted>();
    const flag = (a: Accepted, p: InputProblem) => {
      const list = crossProblems.get(a);
      if (list === undefined) crossProblems.set(a, [p]);
      else list.push(p);
    };

    const byKey = new Map<string, Accepted[]>();
    for (const a of this.accepted) {
      const id = keyId(a.row.key);
      const group = byKey.get(id);
      if (group === undefined) byKey.set(id, [a]);
      else group.push(a);
    }
    for (const group of byKey.values()) {
      if (group.length < 2) continue;
      const flat = group.map((a) => flatten(a.row.changes, a.row.key));
      if (flat.every((f) => sameFlat(f, flat[0]!))) {
        const kept = group[0]!;
        for (const a of group.slice(1)) {
          dropped.add(a);
          flag(
            a,
            problem(
              'warning',
              a.row,
              `repeats ${rowRef(kept.row)} for the same user (${quote(a.keyLabel)}) with the same changes; this row is skipped`,
              { code: 'duplicate_row' },
            ),
          );
        }
        continue;
      }
      group.forEach((a, i) => {
        const others = group.filter((o) => o !== a);
        const j = i === 0 ? 1 : 0;
        flag(
          a,
          problem(
            'error',
            a.row,
            `the same user (${quote(a.keyLabel)}) is also in ${others.map((o) => rowRef(o.row)).join(', ')} with different changes (${differences(flat[i]!, flat[j]!, this.label)}); give each user one row`,
            { code: 'conflicting_rows' },
          ),
        );
      });
    }

    // Email changes that clash with another row: the platform would reject the second, or the outcome would depend
    // on the order in which the rows run.
    const live = this.accepted.filter((a) => !dropped.has(a));
    const keyedByEmail = new Map<string, Accepted>();
    for (const a of live)
      if (a.row.key.kind === 'email' && !keyedByEmail.has(a.row.key.email)) keyedByEmail.set(a.row.key.email, a);
    const newEmailOwner = new Map<string, Accepted>();
    for (const a of live) {
      const target = a.row.changes.email;
      if (target === undefined) continue;
      // Addresses that differ only in case are one address to the platform.
      const same = target.toLowerCase();
      const column = a.row.key.kind === 'id' ? 'email' : 'newEmail';
      const owner = newEmailOwner.get(same);
      if (owner === undefined) newEmailOwner.set(same, a);
      else if (keyId(owner.row.key) !== keyId(a.row.key)) {
        const detail = `is also the new email address of a different user in ${rowRef(owner.row)}; two users cannot share an email address`;
        flag(a, problem('error', { ...a.row, column }, `${quote(target)} ${detail}`));
        flag(
          owner,
          problem(
            'error',
            { ...owner.row, column: owner.row.key.kind === 'id' ? 'email' : 'newEmail' },
            `${quote(target)} is also the new email address of a different user in ${rowRef(a.row)}; two users cannot share an email address`,
          ),
        );
      }
      const lookedUp = keyedByEmail.get(same);
      if (lookedUp !== undefined && lookedUp !== a) {
        flag(
          a,
          problem(
            'error',
            { ...a.row, column },
            `${quote(target)} is also the email that ${rowRef(lookedUp.row)} uses to find its user; the result would depend on the order of the rows, so make this change in a separate run`,
          ),
        );
        flag(
          lookedUp,
          problem(
            'error',
            { ...lookedUp.row, column: 'email' },
            `${quote(target)} is also the new email address given in ${rowRef(a.row)}; the result would depend on the order of the rows, so make that change in a separate run`,
          ),
        );
      }
    }

    const rows: InputRow[] = [];
    const invalid = [...this.invalid];
    const skippedRows = [...this.skipped];
    const problems = [...this.fileProblems, ...this.rowWarnings, ...this.invalid.flatMap((r) => r.problems)];
    for (const a of this.accepted) {
      const extra = crossProblems.get(a) ?? [];
      problems.push(...extra);
      if (dropped.has(a)) {
        const first = byKey.get(keyId(a.row.key))?.[0];
        const reason = `repeats ${first ? rowRef(first.row) : 'an earlier row'} with the same changes`;
        skippedRows.push({ rowNumber: a.row.rowNumber, line: a.row.line, key: a.keyLabel, reason });
        continue;
      }
      if (extra.some((p) => p.severity === 'error')) {
        invalid.push({ rowNumber: a.row.rowNumber, line: a.row.line, key: a.keyLabel, problems: extra });
      } else {
        rows.push(a.row);
      }
    }
    // Stable: problems on one line keep the order in which they were found.
    problems.sort((a, b) => (a.line ?? 0) - (b.line ?? 0));
    invalid.sort((a, b) => a.rowNumber - b.rowNumber);
    skippedRows.sort((a, b) => a.rowNumber - b.rowNumber);
    return { format: this.format, rows, problems, invalidRows: invalid, skippedRows, totalRecords: this.total };
  }
}
