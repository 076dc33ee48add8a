import { constants } from 'node:fs';
import { access, stat } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, extname, resolve } from 'node:path';
import type { stringify as Stringify } from 'csv-stringify/sync';
import { CLI_NAMES, type OptionNames, ValidationError } from './errors.js';
import { writePrivateFileAtomic } from './fsutil.js';
import { CSV_BOM, escapeControls, neutraliseFormula, safeJson } from './text.js';

let loaded: typeof Stringify | undefined;
/** csv-stringify loads on the first CSV line written (its one-file CommonJS build): most runs write none (issue #12). */
function stringify(...args: Parameters<typeof Stringify>): string {
  loaded ??= (createRequire(import.meta.url)('csv-stringify/sync') as { stringify: typeof Stringify }).stringify;
  return loaded(...args);
}

export type RowStatus =
  | 'updated'
  | 'unchanged'
  | 'not_found'
  | 'invalid'
  | 'failed'
  | 'skipped'
  | 'planned'
  /** A user to create (a dry run), or created (with the rest of its row applied). */
  | 'to_create'
  | 'created'
  /** A user a rollback deletes (a dry run), or deleted. */
  | 'to_delete'
  | 'deleted';

export interface ReportChange {
  field: string;
  before: string | null;
  after: string | null;
}

/** One record per input row: what happened to it. */
export interface ReportRecord {
  row: number;
  line: number;
  key: string;
  userId?: string;
  status: RowStatus;
  changes: ReportChange[];
  errorCode?: string;
  message?: string;
  attempts: number;
  /** Set when another admin changed a field this row sets between the plan and the write: the file won. */
  conflict?: string;
}

export type ReportFormat = 'csv' | 'jsonl';

export function reportFormatFor(path: string, names: OptionNames = CLI_NAMES): ReportFormat {
  const ext = extname(path).toLowerCase();
  if (ext === '.csv') return 'csv';
  if (ext === '.jsonl' || ext === '.ndjson') return 'jsonl';
  throw new ValidationError(`${names.option('report')} ${path}: the report must end in .csv or .jsonl.`);
}

/**
 * Checks, before anything is written to Genesys, that the report can be written at the end: a run whose writes
 * landed but whose report could not be saved would leave the admin without the record of what happened.
 */
export async function checkReportPath(path: string, names: OptionNames = CLI_NAMES): Promise<ReportFormat> {
  const format = reportFormatFor(path, names);
  const shown = `${names.option('report')} ${path}`;
  const dir = dirname(resolve(path));
  try {
    if (!(await stat(dir)).isDirectory()) throw new Error('not a folder');
    await access(dir, constants.W_OK);
  } catch {
    throw new ValidationError(
      `${shown}: the folder ${dir} does not exist or is not writable; create it or choose another path.`,
    );
  }
  try {
    if ((await stat(path)).isDirectory()) throw new ValidationError(`${shown}: that is a folder, not a file.`);
  } catch (err) {
    if (err instanceof ValidationError) throw err;
  }
  return format;
}

function formatValue(v: string | null): string {
  return v === null ? '(none)' : JSON.stringify(v);
}

export function formatChange(c: ReportChange): string {
  return `${c.field}: ${formatValue(c.before)} → ${formatValue(c.after)}`;
}

export function renderReport(records: ReportRecord[], format: ReportFormat): string {
  return [...reportLines(sortedByRow(records), format)].join('');
}

function sortedByRow(records: readonly ReportRecord[]): ReportRecord[] {
  return [...records].sort((a, b) => a.row - b.row);
}

const CSV_COLUMNS = [
  'row',
  'line',
  'key',
  'userId',
  'status',
  'changes',
  'errorCode',
  'message',
  'attempts',
  'conflict',
];

/** The report a record at a time, in the order given (callers give row order). */
export function* reportLines(records: Iterable<ReportRecord>, format: ReportFormat): Generator<string> {
  if (format === 'jsonl') {
    for (const r of records) yield `${safeJson(r)}\n`;
    return;
  }
  // A byte-order mark: without it Excel reads the UTF-8 report as the machine's legacy code page and garbles every
  // accented name; with it Excel, LibreOffice and csv-parse (`bom: true`) all read UTF-8.
  yield `${CSV_BOM}${stringify([CSV_COLUMNS])}`;
  for (const r of records) {
    yield csvRow([
      r.row,
      r.line,
      r.key,
      r.userId ?? '',
      r.status,
      r.changes.map(formatChange).join('; '),
      r.errorCode ?? '',
      r.message ?? '',
      r.attempts,
      r.conflict ?? '',
    ]);
  }
}

/**
 * One CSV record of outside text: control characters escaped (a report is read in terminals too), and a cell a
 * spreadsheet would evaluate as a formula (`=`, `+`, `-`, `@`, tab, CR first) made text with a leading `'`.
 */
function csvRow(cells: ReadonlyArray<string | number>): string {
  return stringify([cells.map((c) => (typeof c === 'number' ? c : neutraliseFormula(escapeControls(c))))]);
}

/** Writes the report (0600, atomically). An array is put in row order; any other iterable must come in row order. */
export async function writeReport(
  path: string,
  records: readonly ReportRecord[] | Iterable<ReportRecord>,
): Promise<void> {
  const ordered = Array.isArray(records) ? sortedByRow(records) : records;
  await writePrivateFileAtomic(path, reportLines(ordered, reportFormatFor(path)));
}
