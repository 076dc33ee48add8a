import { TextStore } from '../plan/text-store.js';
import { CLEAR_TOKEN, COLUMNS } from './columns.js';
import { Packer } from './packed.js';
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

/** The valid rows of an input, each decoded afresh as it is reached: see Collector. */
export interface HeldRows extends Iterable<InputRow> {
  readonly length: number;
  /** Where the rows are, for a holder that takes them over as they are (plan/incremental.ts): the row of each entry. */
  readonly held?: { store: TextStore; entries: Int32Array; row: (text: string) => InputRow };
}

/** An input as the collector holds it: its rows as text, decoded one at a time on each pass. */
export type HeldInput = Omit<ParsedInput, 'rows'> & { rows: HeldRows };

/** The input with its rows as objects, as a caller that indexes them wants it. */
export function materialize(input: HeldInput): ParsedInput {
  return { ...input, rows: Array.from(input.rows) };
}

/** An accepted row as stored: the row, and its key as written (for messages). */
interface Stored extends InputRow {
  keyLabel: string;
}

/**
 * Accumulates records in input order and applies the whole-file rules (duplicates, clashing email changes)
 * once everything is read: those need every row, so they run in `finish`.
 *
 * The accepted rows are held as JSON text outside the heap (TextStore), with only their key and the email they
 * give kept as strings: as objects, a 100,000-row export of 19 columns was ~115 MB live while it was read, the peak of
 * a dry run (issue #12). A row is decoded when a rule or a later pass needs it.
 */
export class Collector {
  private readonly fileProblems: InputProblem[] = [];
  private readonly invalid: InvalidRow[] = [];
  private readonly rowWarnings: InputProblem[] = [];
  private readonly skipped: SkippedRow[] = [];
  private total = 0;
  /** The accepted rows, by their index in acceptance order. */
  private readonly store = new TextStore();
  private readonly packer = new Packer();
  private readonly keyIds: string[] = [];
  /** The email a row gives its user (its `email` or `newEmail` column), if any. */
  private readonly emailTargets: (string | undefined)[] = [];

  /** How messages name a column: the file's own name for it when the file is in another layout (admin-ui.ts). */
  private label: (column: string) => string = (column) => column;

  constructor(private readonly format: InputFormat) {}

  labelColumns(label: (column: string) => string): void {
    this.label = label;
  }

  /** Accepted rows held so far. */
  get held(): number {
    return this.store.size;
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
    const stored: Stored = {
      rowNumber: at.rowNumber,
      line: at.line,
      key: result.key,
      changes: result.changes,
      keyLabel: result.keyLabel ?? '',
    };
    this.store.add(this.packer.pack(stored));
    this.keyIds.push(keyId(result.key));
    this.emailTargets.push(result.changes.email);
  }

  /** Accepted row `i` (a fresh copy). */
  private stored(i: number): Stored {
    return this.packer.unpack(this.store.text(i)) as Stored;
  }

  /** The input with its rows as objects. */
  finish(): ParsedInput {
    return materialize(this.finishHeld());
  }

  /** The input with its valid rows held as text: each pass over `rows` decodes them one at a time. */
  finishHeld(): HeldInput {
    const count = this.store.size;
    const crossProblems = new Map<number, InputProblem[]>();
    const dropped = new Set<number>();
    const flag = (i: number, p: InputProblem) => {
      const list = crossProblems.get(i);
      if (list === undefined) crossProblems.set(i, [p]);
      else list.push(p);
    };

    // Only the first row of each key, and the keys given more than once with their rows.
    const firstOf = new Map<string, number>();
    const repeated = new Map<string, number[]>();
    for (let i = 0; i < count; i++) {
      const id = this.keyIds[i]!;
      const first = firstOf.get(id);
      if (first === undefined) firstOf.set(id, i);
      else {
        const group = repeated.get(id);
        if (group === undefined) repeated.set(id, [first, i]);
        else group.push(i);
      }
    }
    for (const indexes of repeated.values()) {
      const group = indexes.map((i) => this.stored(i));
      const flat = group.map((a) => flatten(a.changes, a.key));
      if (flat.every((f) => sameFlat(f, flat[0]!))) {
        const kept = group[0]!;
        group.slice(1).forEach((a, k) => {
          dropped.add(indexes[k + 1]!);
          flag(
            indexes[k + 1]!,
            problem(
              'warning',
              a,
              `repeats ${rowRef(kept)} for the same user (${quote(a.keyLabel)}) with the same changes; this row is skipped`,
              { code: 'duplicate_row' },
            ),
          );
        });
        continue;
      }
      group.forEach((a, i) => {
        const others = group.filter((o) => o !== a);
        const j = i === 0 ? 1 : 0;
        flag(
          indexes[i]!,
          problem(
            'error',
            a,
            `the same user (${quote(a.keyLabel)}) is also in ${others.map((o) => rowRef(o)).join(', ')} with different changes (${differences(flat[i]!, flat[j]!, this.label)}); give each user one row`,
            { code: 'conflicting_rows' },
          ),
        );
      });
    }

    // Email changes that clash with another row: the platform would reject the second, or the outcome would depend
    // on the order in which the rows run.
    const at = (i: number): At => {
      const { rowNumber, line } = this.stored(i);
      return { rowNumber, line };
    };
    const keyedByEmail = new Map<string, number>();
    for (let i = 0; i < count; i++) {
      const id = this.keyIds[i]!;
      if (dropped.has(i) || !id.startsWith('email:')) continue;
      const email = id.slice('email:'.length);
      if (!keyedByEmail.has(email)) keyedByEmail.set(email, i);
    }
    const columnOf = (i: number) => (this.keyIds[i]!.startsWith('id:') ? 'email' : 'newEmail');
    const newEmailOwner = new Map<string, number>();
    for (let i = 0; i < count; i++) {
      const target = this.emailTargets[i];
      if (target === undefined || dropped.has(i)) continue;
      // Addresses that differ only in case are one address to the platform.
      const same = target.toLowerCase();
      const owner = newEmailOwner.get(same);
      if (owner === undefined) newEmailOwner.set(same, i);
      else if (this.keyIds[owner] !== this.keyIds[i]) {
        const here = at(i);
        const there = at(owner);
        const detail = `is also the new email address of a different user in ${rowRef(there)}; two users cannot share an email address`;
        flag(i, problem('error', { ...here, column: columnOf(i) }, `${quote(target)} ${detail}`));
        flag(
          owner,
          problem(
            'error',
            { ...there, column: columnOf(owner) },
            `${quote(target)} is also the new email address of a different user in ${rowRef(here)}; two users cannot share an email address`,
          ),
        );
      }
      const lookedUp = keyedByEmail.get(same);
      if (lookedUp !== undefined && lookedUp !== i) {
        const here = at(i);
        const there = at(lookedUp);
        flag(
          i,
          problem(
            'error',
            { ...here, column: columnOf(i) },
            `${quote(target)} is also the email that ${rowRef(there)} uses to find its user; the result would depend on the order of the rows, so make this change in a separate run`,
          ),
        );
        flag(
          lookedUp,
          problem(
            'error',
            { ...there, column: 'email' },
            `${quote(target)} is also the new email address given in ${rowRef(here)}; the result would depend on the order of the rows, so make that change in a separate run`,
          ),
        );
      }
    }

    const kept: number[] = [];
    const invalid = [...this.invalid];
    const skippedRows = [...this.skipped];
    const problems = [...this.fileProblems, ...this.rowWarnings, ...this.invalid.flatMap((r) => r.problems)];
    for (let i = 0; i < count; i++) {
      const extra = crossProblems.get(i) ?? [];
      problems.push(...extra);
      if (dropped.has(i)) {
        const a = this.stored(i);
        const first = firstOf.get(this.keyIds[i]!);
        const reason = `repeats ${first !== undefined ? rowRef(at(first)) : 'an earlier row'} with the same changes`;
        skippedRows.push({ rowNumber: a.rowNumber, line: a.line, key: a.keyLabel, reason });
        continue;
      }
      if (extra.some((p) => p.severity === 'error')) {
        const a = this.stored(i);
        invalid.push({ rowNumber: a.rowNumber, line: a.line, key: a.keyLabel, problems: extra });
      } else {
        kept.push(i);
      }
    }
    // Stable: problems on one line keep the order in which they were found.
    problems.sort((a, b) => (a.line ?? 0) - (b.line ?? 0));
    invalid.sort((a, b) => a.rowNumber - b.rowNumber);
    skippedRows.sort((a, b) => a.rowNumber - b.rowNumber);
    const rows = heldRows(this.store, Int32Array.from(kept), this.packer);
    return { format: this.format, rows, problems, invalidRows: invalid, skippedRows, totalRecords: this.total };
  }
}

/** The rows at `entries` of `store`, each decoded (without its key label) as it is reached. */
function heldRows(store: TextStore, entries: Int32Array, packer: Packer): HeldRows {
  const row = (text: string): InputRow => {
    const { keyLabel: _, ...rest } = packer.unpack(text) as Stored;
    return rest;
  };
  return {
    length: entries.length,
    held: { store, entries, row },
    *[Symbol.iterator]() {
      for (const entry of entries) yield row(store.text(entry));
    },
  };
}
