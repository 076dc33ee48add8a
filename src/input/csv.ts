import { createRequire } from 'node:module';
import { pipeline } from 'node:stream/promises';
import type { CsvError as CsvErrorClass, Options, parse as Parse } from 'csv-parse';
import { ValidationError } from '../errors.js';
import {
  type AdminUiColumn,
  adminColumnOf,
  adminUiColumn,
  adminUiRecord,
  isAdminUiHeader,
  partialLayoutMessage,
  planAdminHeader,
  shortRowWarning,
} from './admin-ui.js';
import { type Cell, cellFromCsv } from './cell.js';
import { Collector, type HeldInput, materialize } from './collect.js';
import { canonicalColumn, suggestColumn, unknownColumn, unknownColumnMessage } from './columns.js';
import { peekText } from './decode.js';
import { MAX_RECORD_CHARS } from './json-stream.js';
import { problem, quote } from './problems.js';
import { normaliseRecord } from './record.js';
import type { InputProblem, ParsedInput } from './types.js';

export type Delimiter = ',' | ';' | '\t';

function delimiterName(d: Delimiter): string {
  return d === '\t' ? 'a tab' : d === ';' ? 'a semicolon' : 'a comma';
}

/**
 * The separator a header line uses, so that a spreadsheet's "CSV" in a locale with decimal commas (`;`) or a
 * tab-separated export reads as it is: a comma unless the line has none outside quotes and has `;` or tabs.
 */
export function headerDelimiter(line: string): Delimiter {
  let commas = 0;
  let semicolons = 0;
  let tabs = 0;
  let inQuotes = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (c === '"') inQuotes = !inQuotes;
    else if (inQuotes) continue;
    else if (c === ',') commas++;
    else if (c === ';') semicolons++;
    else if (c === '\t') tabs++;
  }
  if (commas > 0 || (semicolons === 0 && tabs === 0)) return ',';
  return semicolons >= tabs ? ';' : '\t';
}

/** The first non-blank line of `head`, once it is complete (followed by a line break). */
function firstLine(head: string): string | undefined {
  const lines = head.split(/\r\n|\n|\r/);
  for (let i = 0; i < lines.length - 1; i++) if (lines[i]!.trim() !== '') return lines[i];
  return undefined;
}

const QUOTING_ADVICE =
  'Put double quotes around any value that contains a comma, a double quote or a line break, and double each quote inside it ("").';

type CsvRecord =
  | { kind: 'header'; fields: string[]; line: number }
  | { kind: 'data'; fields: string[]; line: number; rowNumber: number };

function countLineBreaks(text: string): number {
  let n = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 10) n++;
    else if (c === 13) {
      n++;
      if (text.charCodeAt(i + 1) === 10) i++;
    }
  }
  return n;
}

/**
 * Where a parse error sits inside the raw text of the record being parsed: the field it is in, how many line
 * breaks precede it, and where an still-open quoted value began. csv-parse's own line numbers are unreliable
 * (CRLF inside quoted values counts twice), so lines are counted here.
 */
function locateInRaw(
  raw: string,
  delimiter: Delimiter,
): {
  field: number;
  lineBreaks: number;
  openQuote?: { field: number; lineBreaks: number };
} {
  let field = 0;
  let lineBreaks = 0;
  let inQuotes = false;
  let atFieldStart = true;
  let openQuote: { field: number; lineBreaks: number } | undefined;
  for (let i = 0; i < raw.length; i++) {
    const c = raw[i];
    if (c === '\n' || c === '\r') {
      lineBreaks++;
      if (c === '\r' && raw[i + 1] === '\n') i++;
      if (!inQuotes) atFieldStart = true;
      continue;
    }
    if (inQuotes) {
      if (c === '"') {
        if (raw[i + 1] === '"') i++;
        else inQuotes = false;
      }
    } else if (c === '"' && atFieldStart) {
      inQuotes = true;
      openQuote = { field, lineBreaks };
    } else if (c === delimiter) {
      field++;
      atFieldStart = true;
    } else if (c !== ' ' && c !== '\t') {
      atFieldStart = false;
    }
  }
  return inQuotes && openQuote ? { field, lineBreaks, openQuote } : { field, lineBreaks };
}

interface ParseState {
  nextLine: number;
  header?: string[];
  rows: number;
  delimiter: Delimiter;
}

interface CsvParse {
  CsvError: typeof CsvErrorClass;
  parse: typeof Parse;
}
let csvParse: CsvParse | undefined;
/**
 * csv-parse's CommonJS build: one file, where its ES module build is nine, and Node's ES module loader pays for each
 * at start-up (issue #12). The same package and version, so the same parser. Loaded on the first CSV read: a JSON
 * input, or a command that reads none, never needs it.
 */
function loadCsvParse(): CsvParse {
  csvParse ??= createRequire(import.meta.url)('csv-parse') as CsvParse;
  return csvParse;
}

function describeCsvError(err: CsvErrorClass, name: string, state: ParseState): string {
  const raw = typeof err.raw === 'string' ? err.raw : '';
  const located = locateInRaw(raw, state.delimiter);
  const pointAt =
    err.code === 'CSV_QUOTE_NOT_CLOSED' || err.code === 'CSV_MAX_RECORD_SIZE' ? located.openQuote : undefined;
  const line = state.nextLine + (pointAt ?? located).lineBreaks;
  const fieldIndex = (pointAt ?? located).field;
  const written = state.header?.[fieldIndex]?.trim();
  const columnName = written === undefined ? undefined : (canonicalColumn(written) ?? written);
  const column = columnName ? `column ${JSON.stringify(columnName)}` : `column ${fieldIndex + 1}`;
  const where =
    state.header === undefined
      ? `line ${line}, in the header, ${column}`
      : `line ${line} (row ${state.rows + 1}), ${column}`;
  let reason: string;
  switch (err.code) {
    case 'CSV_QUOTE_NOT_CLOSED':
      reason = 'a quoted value starts here and its closing quote is missing';
      break;
    case 'CSV_MAX_RECORD_SIZE':
      if (!pointAt)
        return `${name}, ${where}: the record is over ${MAX_RECORD_CHARS} characters long, far more than any user profile needs; split the value or fix the record.`;
      reason = `a quoted value starts here and runs on for over ${MAX_RECORD_CHARS} characters; its closing quote is probably missing`;
      break;
    case 'CSV_INVALID_CLOSING_QUOTE':
    case 'CSV_NON_TRIMABLE_CHAR_AFTER_CLOSING_QUOTE': {
      const got = /got "(.*?)"/.exec(err.message)?.[1];
      reason = `a quoted value is followed by ${got !== undefined ? quote(got) : 'other text'} instead of ${delimiterName(state.delimiter)} or the end of the line`;
      break;
    }
    case 'INVALID_OPENING_QUOTE':
      reason = 'a double quote appears inside a value that does not start with one';
      break;
    default:
      reason = err.message;
  }
  const advice =
    state.delimiter === ',' ? QUOTING_ADVICE : QUOTING_ADVICE.replace('a comma', delimiterName(state.delimiter));
  return `${name}, ${where}: CSV quoting error: ${reason}. ${advice}`;
}

function noKeyColumnMessage(name: string, header: string[], delimiter: Delimiter): string {
  const parts = [
    `${name}: the header has neither an "id" nor an "email" column, so no row says which user it changes.`,
  ];
  const hints = header
    .map((h) => h.trim())
    .filter((h) => h !== '' && canonicalColumn(h) === undefined)
    .map((h) => [h, suggestColumn(h)] as const)
    .filter(([, s]) => s === 'id' || s === 'email' || s === 'newEmail')
    .map(([h, s]) => `${JSON.stringify(h)} → did you mean "${s}"?`);
  if (hints.length > 0) parts.push(hints.join(' '));
  const joined = header.join(delimiter);
  const separator = ['|', ',', ';', '\t'].find((s) => s !== delimiter && header.length === 1 && joined.includes(s));
  if (separator !== undefined) {
    parts.push(
      `The header looks separated by ${separator === '\t' ? 'tabs' : JSON.stringify(separator)}: separate columns with commas, semicolons or tabs.`,
    );
  }
  parts.push(`The header read was: ${quote(joined)}.`);
  return parts.join(' ');
}

const OWN_COLUMN_ADVICE =
  ' (a column of your own, such as notes, is not read: delete it from the file, or keep it in another sheet)';

interface HeaderPlan {
  /** For each field position, the documented column it feeds, or undefined (unknown, unnamed or a repeat). */
  columns: (string | undefined)[];
  unnamed: Set<number>;
}

/**
 * Matches each header to its documented column regardless of case, spaces, `_`, `-` and `.`, as a spreadsheet
 * user writes them (`Email`, `Phone Work`); from here on every message names the documented column.
 */
function planHeader(header: string[], line: number, collector: Collector): HeaderPlan {
  const columns: (string | undefined)[] = [];
  const unnamed = new Set<number>();
  const firstPosition = new Map<string, number>();
  header.forEach((rawName, i) => {
    const name = rawName.trim();
    columns.push(undefined);
    if (name === '') {
      unnamed.add(i);
      return;
    }
    const canonical = canonicalColumn(name);
    const column = canonical ?? name;
    const earlier = firstPosition.get(column);
    if (earlier !== undefined) {
      const first = header[earlier]!.trim();
      const detail =
        first === name
          ? `the column appears twice in the header (positions ${earlier + 1} and ${i + 1}); keep only one`
          : `the header has ${JSON.stringify(first)} (position ${earlier + 1}) and ${JSON.stringify(name)} (position ${i + 1}), which both mean "${column}"; keep only one`;
      collector.addFileProblem(problem('error', { line, column }, detail, { code: 'duplicate_column' }));
      return;
    }
    firstPosition.set(column, i);
    if (canonical === undefined) {
      const admin = adminUiColumn(name);
      const partial = admin === undefined ? undefined : partialLayoutMessage(admin, header);
      collector.addFileProblem(
        problem(
          'error',
          { line, column: name },
          partial ?? `${unknownColumnMessage(name, false)}${OWN_COLUMN_ADVICE}`,
          unknownColumn(name),
        ),
      );
      return;
    }
    columns[i] = canonical;
  });
  return { columns, unnamed };
}

function isBlank(fields: string[]): boolean {
  return fields.every((f) => f.trim() === '');
}

/**
 * Streams CSV text: the header is the first non-blank record; blank records (empty lines, or only empty cells)
 * are skipped and not counted.
 */
export async function readCsv(text: AsyncIterable<string>, name: string): Promise<ParsedInput> {
  return materialize(await readCsvHeld(text, name));
}

/** As readCsv, with the rows held as text (collect.ts). */
export async function readCsvHeld(text: AsyncIterable<string>, name: string): Promise<HeldInput> {
  const collector = new Collector('csv');
  const peeked = await peekText(text, (head) => firstLine(head) !== undefined, MAX_RECORD_CHARS);
  const delimiter = headerDelimiter(firstLine(peeked.head) ?? peeked.head);
  const state: ParseState = { nextLine: 1, rows: 0, delimiter };
  let plan: HeaderPlan | undefined;
  /** Set when the header is the admin UI's import layout (admin-ui.ts): its rows are read with that meaning. */
  let adminPlan: ReturnType<typeof planAdminHeader> | undefined;
  let headerWidth = 0;

  // Runs synchronously as each record is parsed, so `state` always describes the record after the last one
  // parsed, which is where a parse error sits even when earlier records are still buffered downstream.
  const onRecord = ({ record, raw }: { record: string[]; raw: string }): CsvRecord | null => {
    const line = state.nextLine;
    state.nextLine += countLineBreaks(raw);
    if (isBlank(record)) return null;
    if (state.header === undefined) {
      state.header = record;
      return { kind: 'header', fields: record, line };
    }
    state.rows++;
    return { kind: 'data', fields: record, line, rowNumber: state.rows };
  };

  const { CsvError, parse } = loadCsvParse();
  const parser = parse({
    bom: true,
    delimiter,
    raw: true,
    trim: true,
    relax_column_count: true,
    skip_empty_lines: false,
    record_delimiter: ['\r\n', '\n', '\r'],
    max_record_size: MAX_RECORD_CHARS,
    // csv-parse's types do not model `raw: true` (records arrive as {record, raw}) nor a reshaping on_record.
    on_record: onRecord as unknown as Options['on_record'],
  });

  const consume = async (records: AsyncIterable<CsvRecord>) => {
    for await (const rec of records) {
      if (rec.kind === 'header') {
        headerWidth = rec.fields.length;
        if (isAdminUiHeader(rec.fields)) {
          adminPlan = planAdminHeader(rec.fields, rec.line, (p) => collector.addFileProblem(p));
          collector.labelColumns(adminColumnOf);
          continue;
        }
        const named = new Set(rec.fields.map((f) => canonicalColumn(f.trim())));
        if (!named.has('id') && !named.has('email')) {
          throw new ValidationError(noKeyColumnMessage(name, rec.fields, delimiter));
        }
        plan = planHeader(rec.fields, rec.line, collector);
        continue;
      }
      const at = { rowNumber: rec.rowNumber, line: rec.line };
      const extra: InputProblem[] = [];
      const surplus = rec.fields.slice(headerWidth);
      if (surplus.some((f) => f.trim() !== '')) {
        extra.push(
          problem(
            'error',
            at,
            `has ${rec.fields.length} values but the header has ${headerWidth} columns; a value that contains ${delimiterName(delimiter)} must be in double quotes`,
            { code: 'csv_field_count' },
          ),
        );
      }
      if (adminPlan !== undefined && rec.fields.length < headerWidth) {
        const warning = shortRowWarning(rec.fields.length, adminPlan.columns, at);
        if (warning) extra.push(warning);
      }
      const cells = new Map<string, Cell>();
      const adminValues = new Map<AdminUiColumn, string>();
      const header = adminPlan ?? plan!;
      for (let i = 0; i < Math.min(rec.fields.length, headerWidth); i++) {
        const value = rec.fields[i]!;
        if (header.unnamed.has(i) && value.trim() !== '') {
          extra.push(
            problem(
              'error',
              at,
              `column ${i + 1} has no name in the header but holds ${quote(value.trim())}; name the column or remove the value`,
            ),
          );
          continue;
        }
        if (adminPlan !== undefined) {
          const column = adminPlan.columns[i];
          if (column !== undefined && value.trim() !== '') adminValues.set(column, value.trim());
          continue;
        }
        const column = plan!.columns[i];
        if (column === undefined) continue;
        const cell = cellFromCsv(value);
        if (cell !== undefined) cells.set(column, cell);
      }
      const record = adminPlan !== undefined ? adminUiRecord(adminValues, at) : normaliseRecord(cells, at, true);
      collector.addRecord(at, record, extra);
    }
  };

  try {
    await pipeline(peeked.text, parser, consume);
  } catch (err) {
    if (err instanceof CsvError) throw new ValidationError(describeCsvError(err, name, state));
    throw err;
  }

  if (state.header === undefined) throw new ValidationError(`${name} is empty: expected a header line and data rows.`);
  if (state.rows === 0) {
    throw new ValidationError(`${name} has a header but no data rows: add one row per user to change.`);
  }
  const parsed = collector.finishHeld();
  if (adminPlan !== undefined) parsed.layout = 'admin-ui';
  return parsed;
}
