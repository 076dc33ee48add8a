/**
 * Cells a spreadsheet changed on its own between an export and `update` (a CSV file opened and saved in Excel,
 * LibreOffice or Google Sheets): a phone without its +, a date in the locale's format, `WAHR`, `2867.0`, `000456`
 * saved as `456`, a `?` for each character the file's code page lacks. Only the user's current value tells such a
 * cell from an edit: one that is the current value as a spreadsheet saves it is no change; one that is not, where
 * its form cannot say what was meant, refuses the row. Neither is ever written.
 */
import type { GenesysUser } from '../genesys/types.js';
import { COLUMNS, type InputRow, type ProfileChanges } from '../input/index.js';
import { quote } from '../input/problems.js';
import {
  type DateOrder,
  dateOrdersOf,
  dateReadings,
  isDate,
  isErrorValue,
  isoOf,
  numberReading,
  savedBoolean,
  writesNumber,
} from '../input/saved-cells.js';
import { EMPLOYER_FIELDS, EXTENSION_PREFIX, readField } from './fields.js';

/** How a spreadsheet changed a cell that still holds the current value. */
export type Leniency = 'number' | 'date' | 'boolean' | 'characters' | 'encoding' | 'error';

/** What the whole file tells about how a spreadsheet saved it. */
export interface SavedContext {
  /** The date orders every local date of the hire date column reads in (one locale saved them all). */
  dateOrders: readonly DateOrder[];
}

export function savedContext(rows: Iterable<InputRow>): SavedContext {
  const dates: string[] = [];
  for (const r of rows) {
    const cell = r.changes.asSaved?.['employerInfo.dateHire'];
    if (cell !== undefined) dates.push(cell);
  }
  return { dateOrders: dateOrdersOf(dates) };
}

export type SavedReading =
  /** The changes without the cells that hold the current value, and those cells' columns. */
  | { changes: ProfileChanges; lenient: Record<string, Leniency> }
  /** Why the row is refused (a cell neither the current value nor clear). */
  | { refused: string };

const AS_TEXT = 'format the column as text in the spreadsheet';
const LEAVE = 'or leave the cell empty to keep the current value';

/**
 * The row's changes as the spreadsheet's cells mean them for `user`: pure. A cell that is the current value as a
 * spreadsheet saves it is taken out (no change); an `asSaved` cell that is not is a refusal.
 */
export function readAsSaved(user: GenesysUser, changes: ProfileChanges, ctx: SavedContext): SavedReading {
  const lenient: Record<string, Leniency> = {};
  const out: ProfileChanges = { ...changes };
  delete out.asSaved;
  const refusals: string[] = [];
  for (const [column, cell] of Object.entries(changes.asSaved ?? {})) {
    if (isErrorValue(cell)) {
      lenient[column] = 'error';
      continue;
    }
    const field = column.replace(/\.extension$/, '');
    const judged = judgeSaved(column, cell, readField(user, field), ctx);
    if (typeof judged === 'string') refusals.push(`${column}: ${judged}`);
    else lenient[column] = judged.kind;
  }
  // Every cell of the row at once, as the file's other problems are, so that one run shows them all.
  if (refusals.length > 0) return { refused: refusals.join('; ') };
  const strict = (column: string, cell: string | null | undefined, drop: () => void) => {
    if (typeof cell !== 'string') return;
    const field = column.replace(/\.extension$/, '');
    const kind = damageOf(readField(user, field), cell);
    if (kind === undefined) return;
    lenient[column] = kind;
    drop();
  };
  for (const f of ['name', 'title', 'department', 'preferredName'] as const) strict(f, out[f], () => delete out[f]);
  if (out.employerInfo !== undefined) {
    const info = { ...out.employerInfo };
    for (const f of EMPLOYER_FIELDS) strict(`employerInfo.${f}`, info[f], () => delete info[f]);
    out.employerInfo = info;
    if (Object.keys(info).length === 0) delete out.employerInfo;
  }
  if (out.phones !== undefined) {
    const phones = { ...out.phones };
    for (const [type, value] of Object.entries(phones)) {
      if (!value?.startsWith(EXTENSION_PREFIX)) continue;
      strict(`phone.${type}.extension`, value, () => delete phones[type as keyof typeof phones]);
    }
    out.phones = phones;
    if (Object.keys(phones).length === 0) delete out.phones;
  }
  return { changes: out, lenient };
}

/** An `asSaved` cell against the current value: its leniency when it is that value, else why it is refused. */
function judgeSaved(
  column: string,
  cell: string,
  current: string | null,
  ctx: SavedContext,
): { kind: Leniency } | string {
  const shown = current === null ? 'the field is empty' : `the current value is ${quote(current)}`;
  if (column === 'employerInfo.dateHire') {
    const readings = dateReadings(cell, ctx.dateOrders);
    const current_ = current ?? '';
    if (readings.length > 0 && readings.every((r) => isDate(r, current_))) return { kind: 'date' };
    const dates = readings.map(isoOf);
    const asIso = dates.length === 1 ? ` (${dates[0]})` : '';
    return readings.some((r) => isDate(r, current_))
      ? `${quote(cell)} could be ${dates.join(' or ')}: a spreadsheet wrote the date in its local format, and ${shown}; write the date as yyyy-MM-dd (${AS_TEXT}), ${LEAVE}`
      : `${quote(cell)} is a date in a spreadsheet's local format, and ${shown}; write a new date as yyyy-MM-dd${asIso}, with the column formatted as text, ${LEAVE}`;
  }
  if (column === 'acdAutoAnswer') {
    if (String(savedBoolean(cell)) === current) return { kind: 'boolean' };
    return `${quote(cell)} is how a spreadsheet writes a boolean in its own language (or as 1 or 0), and ${shown}; type true or false (${AS_TEXT}), ${LEAVE}`;
  }
  const reading = numberReading(cell);
  if (!/^phone\./.test(column)) {
    // A text column (an employee id): the number is the current value only if the current value is that number.
    if (reading && current !== null && writesNumber(reading, current)) return { kind: 'number' };
    return `${quote(cell)} is a number a spreadsheet wrote in scientific notation, which loses digits, and ${shown}; ${AS_TEXT} and type the whole value, ${LEAVE}`;
  }
  const digits = current?.startsWith(EXTENSION_PREFIX)
    ? current.slice(EXTENSION_PREFIX.length)
    : column.endsWith('.extension')
      ? undefined
      : current?.replace(/^\+/, '');
  if (reading && digits !== undefined && writesNumber(reading, digits)) return { kind: 'number' };
  if (column.endsWith('.extension'))
    return `${quote(cell)} is an extension a spreadsheet read as a number, and ${shown}; ${AS_TEXT} and type the extension's digits, ${LEAVE}`;
  return reading && !reading.exact
    ? `${quote(cell)} is a phone number a spreadsheet wrote in scientific notation, which loses digits, and ${shown}; ${AS_TEXT} and type the whole number with its + (e.g. +13175550100), ${LEAVE}`
    : `${quote(cell)} is a phone number without its + (a spreadsheet drops it when it reads the cell as a number), and ${shown}; ${AS_TEXT} and type the number with its +, e.g. +${reading?.exact ? reading.digits : '13175550100'}, ${LEAVE}`;
}

/** How a spreadsheet made `cell` of the current value, or undefined when `cell` is not the current value saved so. */
export function damageOf(current: string | null, cell: string): Leniency | undefined {
  if (current === null || current === cell) return undefined;
  const ext = current.startsWith(EXTENSION_PREFIX) && cell.startsWith(EXTENSION_PREFIX);
  const before = ext ? current.slice(EXTENSION_PREFIX.length) : current;
  const after = ext ? cell.slice(EXTENSION_PREFIX.length) : cell;
  if (lostCharacters(before, after)) return 'characters';
  if (misread(before) === after) return 'encoding';
  const reading = numberReading(after);
  if (reading !== undefined && /^\d+$/.test(before) && writesNumber(reading, before)) return 'number';
  return undefined;
}

/** The current value with a `?` for each character outside ASCII: a code page without them (Excel's "CSV"). */
function lostCharacters(before: string, after: string): boolean {
  if (!after.includes('?')) return false;
  // One `?` per character, or per half of a surrogate pair: either may be what a code page conversion wrote.
  const lostAt = (was: string[], now: string[]) =>
    was.length === now.length && was.every((c, i) => c === now[i] || (now[i] === '?' && c.charCodeAt(0) > 0x7f));
  return lostAt([...before], [...after]) || lostAt(before.split(''), after.split(''));
}

const windows1252 = new TextDecoder('windows-1252');

/**
 * `text` as a spreadsheet shows UTF-8 it reads as Windows-1252 (a CSV without a byte-order mark opened in Excel):
 * `Björn` as `BjÃ¶rn`, which a "CSV UTF-8" save then writes as such.
 */
function misread(text: string): string | undefined {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: ASCII text reads the same in either encoding.
  if (/^[\u0000-\u007f]*$/.test(text)) return undefined;
  return windows1252.decode(Buffer.from(text, 'utf8'));
}

const DID: Record<Leniency, (column: string) => string> = {
  number: (column) =>
    /^phone\.[a-z0-9]+$/.test(column)
      ? 'a number without its +, or in scientific notation'
      : 'a number (leading zeros dropped, in scientific notation, or with .0)',
  date: () => 'a date in its local format',
  boolean: () => 'a boolean in its own language (or as 1 or 0)',
  characters: () => 'with a "?" for each character its code page lacks (a "CSV" save, not "CSV UTF-8")',
  encoding: () => 'with its accented characters read as Windows-1252 (é as Ã©), a file without a byte-order mark',
  error: () => "an error value such as #NAME?, where it took the cell for a formula: the cell's value is lost",
};

/**
 * One warning per column whose cells held the current value as a spreadsheet saved them, in the plan's column
 * order: how many rows, what the spreadsheet did, and what to do to change such a cell.
 */
export function savedNotes(lenient: Readonly<Record<string, { rows: number; kinds: readonly Leniency[] }>> = {}) {
  const order = (column: string) => COLUMNS.findIndex((c) => c.name === column);
  const columns = Object.entries(lenient).sort(([a], [b]) => order(a) - order(b));
  return columns.map(([column, { rows, kinds }]) => {
    const charset = kinds.includes('characters') || kinds.includes('encoding');
    const typed = kinds.some((k) => k !== 'characters' && k !== 'encoding' && k !== 'error');
    const advice = [
      ...(typed ? ['format the column as text and type the value as `genesys-bulk columns` shows it'] : []),
      ...(charset ? ['save the file as "CSV UTF-8"'] : []),
      ...(kinds.includes('error')
        ? ['format the column as text before the file is opened (Data > From Text/CSV)']
        : []),
    ].join(', and ');
    return {
      severity: 'warning' as const,
      code: 'spreadsheet_format',
      column,
      message:
        `column ${JSON.stringify(column)}: ${rows === 1 ? '1 row holds' : `${rows} rows hold`} the current value as a ` +
        `spreadsheet saved it (${kinds.map((k) => DID[k](column)).join('; ')}), read as no change; to change such a cell, ${advice}`,
    };
  });
}
