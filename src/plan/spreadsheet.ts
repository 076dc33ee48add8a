/**
 * Cells a spreadsheet changed on its own between an export and `update` (a CSV file opened and saved in Excel,
 * LibreOffice or Google Sheets): a phone without its +, a date in the locale's format, `WAHR`, `2867.0`, `000456`
 * saved as `456`, a `?` for each character the file's code page lacks. Only the user's current value tells such a
 * cell from an edit: one that is the current value as a spreadsheet saves it is no change; one that is not, where
 * its form cannot say what was meant, refuses the row. Neither is ever written.
 */
import type { GenesysUser } from '../genesys/types.js';
import { COLUMNS, type InputRow, type ListChange, type ProfileChanges } from '../input/index.js';
import { quote } from '../input/problems.js';
import {
  type DateOrder,
  dateOrdersOf,
  dateReadings,
  isDate,
  isErrorValue,
  isNameError,
  isoOf,
  numberReading,
  savedBoolean,
  writesNumber,
} from '../input/saved-cells.js';
import { type MadeBy, madeBySpreadsheet, savedTextForm } from '../input/saved-text.js';
import { EMPLOYER_FIELDS, EXTENSION_PREFIX, readField } from './fields.js';

/** How a spreadsheet changed a cell that still holds the current value. */
export type Leniency = 'number' | 'date' | 'boolean' | 'characters' | 'encoding' | 'error';

/** What the whole file tells about how a spreadsheet saved it. */
export interface SavedContext {
  /** The date orders every local date of the hire date column reads in (one locale saved them all). */
  dateOrders: readonly DateOrder[];
  /** The rows are users to create (update --create): no cell can be the current value. */
  create?: boolean;
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
 * spreadsheet saves it is taken out (no change); an `asSaved` cell that is not, an error value, or a free-text cell
 * that looks made by a spreadsheet (madeBySpreadsheet) is a refusal. A boolean in any spreadsheet's spelling is
 * that boolean, as `true` and `false` are.
 */
export function readAsSaved(user: GenesysUser, changes: ProfileChanges, ctx: SavedContext): SavedReading {
  const lenient: Record<string, Leniency> = {};
  const out: ProfileChanges = { ...changes };
  delete out.asSaved;
  const refusals: string[] = [];
  for (const [column, cell] of Object.entries(changes.asSaved ?? {})) {
    if (isErrorValue(cell)) {
      if (ctx.create !== true && formulaOfCurrent(user, column, cell)) lenient[column] = 'error';
      else refusals.push(`${column}: ${quote(cell)} is ${ERROR_VALUE}`);
      continue;
    }
    if (column === 'acdAutoAnswer') {
      const value = savedBoolean(cell);
      if (value === undefined) refusals.push(`${column}: ${quote(cell)} is not true or false`);
      else if (String(value) === readField(user, column)) lenient[column] = 'boolean';
      else out.acdAutoAnswer = value;
      continue;
    }
    const field = column.replace(/\.extension$/, '');
    // A text the admin typed as it is (`1E5`), whichever form a spreadsheet would have made of it.
    if (!/^phone\.|^employerInfo\.dateHire$/.test(column) && readField(user, field) === cell) continue;
    const judged = judgeSaved(column, cell, readField(user, field), ctx);
    if (typeof judged === 'string') refusals.push(`${column}: ${judged}`);
    else lenient[column] = judged.kind;
  }
  const strict = (column: string, cell: string | null | undefined, drop: () => void, dates = true) => {
    if (typeof cell !== 'string') return;
    const current = readField(user, column.replace(/\.extension$/, ''));
    const kind = damageOf(current, cell);
    if (kind !== undefined) {
      lenient[column] = kind;
      drop();
      return;
    }
    if (current === cell) return;
    const strip = (v: string) => (v.startsWith(EXTENSION_PREFIX) ? v.slice(EXTENSION_PREFIX.length) : v);
    const made = madeBySpreadsheet(strip(cell), current === null ? null : strip(current), dates);
    if (made !== undefined) refusals.push(`${column}: ${madeMessage(made, strip(cell), current)}`);
  };
  for (const f of ['name', 'title', 'department', 'preferredName'] as const) strict(f, out[f], () => delete out[f]);
  if (out.employerInfo !== undefined) {
    const info = { ...out.employerInfo };
    for (const f of EMPLOYER_FIELDS) {
      if (f !== 'dateHire') strict(`employerInfo.${f}`, info[f], () => delete info[f]);
    }
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
  for (const column of SAVED_LISTS) {
    const list = out[column];
    if (list === undefined) continue;
    const read = readSavedList(column, list, user[column] ?? []);
    refusals.push(...read.refusals);
    if (read.kind !== undefined) {
      lenient[column] = read.kind;
      out[column] = read.list;
    }
  }
  // Every cell of the row at once, as the file's other problems are, so that one run shows them all.
  if (refusals.length > 0) return { refused: inColumnOrder(refusals).join('; ') };
  return { changes: out, lenient };
}

/**
 * Whether the error value `cell` is what a spreadsheet makes of the column's current value as the export writes it:
 * a name error (`#NAME?`, `#ERROR!`) where the export's cell starts with + or - and a letter, which a spreadsheet
 * takes for a formula. `queues` is written so (`+Sales Inbound;+Billing`) for every user with a queue; its current
 * value is not read here (routing is planned apart), so such an error there is always read as no change.
 */
function formulaOfCurrent(user: GenesysUser, column: string, cell: string): boolean {
  if (!isNameError(cell)) return false;
  if (column === 'queues') return true;
  const known = COLUMNS.find((c) => c.name === column);
  if (known === undefined || isRoutingColumn(column)) return false;
  const current = readField(user, column.replace(/\.extension$/, ''));
  return current !== null && /^[+-](?![\d.])/.test(current);
}

const isRoutingColumn = (column: string) => ['skills', 'languages', 'groups', 'roles', 'division'].includes(column);

/** Refusals (`column: why`) in the order of the columns (`genesys-bulk columns`), a column's own in the order found. */
function inColumnOrder(refusals: readonly string[]): string[] {
  const at = (r: string) => {
    const i = COLUMNS.findIndex((c) => r.startsWith(`${c.name}: `));
    return i < 0 ? COLUMNS.length : i;
  };
  return refusals
    .map((r, i) => ({ r, i, at: at(r) }))
    .sort((a, b) => a.at - b.at || a.i - b.i)
    .map((x) => x.r);
}

/** The free-text list columns, whose items a spreadsheet saves as it saves any text. */
const SAVED_LISTS = ['profileSkills', 'certifications'] as const;

/**
 * A list's items against the user's current ones: an item that is a current one as a spreadsheet saved it (`?` for
 * what the code page lacks, read as Windows-1252, a number or a date) is that current item; one that is none and
 * looks made by a spreadsheet is refused.
 */
function readSavedList(
  column: (typeof SAVED_LISTS)[number],
  list: ListChange<string>,
  current: readonly string[],
): { list: ListChange<string>; kind?: Leniency; refusals: string[] } {
  let kind: Leniency | undefined;
  const refusals: string[] = [];
  const item = (name: string): string => {
    if (current.includes(name)) return name;
    for (const c of current) {
      const k = damageOf(c, name);
      if (k !== undefined) {
        kind ??= k;
        return c;
      }
    }
    const made = madeBySpreadsheet(name, null);
    if (made !== undefined) refusals.push(`${column}: ${madeMessage(made, name, null, 'item')}`);
    return name;
  };
  const read: ListChange<string> =
    list.mode === 'replace'
      ? { mode: 'replace', items: list.items.map(item) }
      : { mode: 'delta', add: list.add.map(item), remove: list.remove.map(item) };
  return { list: read, ...(kind !== undefined ? { kind } : {}), refusals };
}

const ERROR_VALUE =
  "a spreadsheet's error value: it took the cell for a formula (a text starting with +, -, = or @) or a formula failed, and what the cell held is lost; " +
  'format the column as text before the file is opened (Data > From Text/CSV, column data format Text) and type the value again, ' +
  'or leave the cell empty to keep the current value';

const MADE: Record<MadeBy, string> = {
  date: 'is a date as a spreadsheet writes one: it turns a text such as 3/4, 1-2, Mar 4 or 2-1-1 into a date',
  scientific: 'is a number in scientific notation, as a spreadsheet writes a long number or a text such as 1E5',
  digits: 'has its digits past the 15th as zeros, as a spreadsheet writes a long number',
  zeros: 'is a number without the leading zeros the current value has, as a spreadsheet writes a text such as 00123',
  characters:
    'has a "?" where a letter was: a "CSV" save (not "CSV UTF-8") writes one for each character its code page lacks',
  encoding:
    'has its accented characters as UTF-8 read as Windows-1252 (é as Ã©): a file without a byte-order mark opened in a spreadsheet',
};

/** Why a free-text cell that looks made by a spreadsheet is refused, and what to do. */
function madeMessage(made: MadeBy, cell: string, current: string | null, what: 'cell' | 'item' = 'cell'): string {
  const shown = current === null ? 'the field is empty' : `the current value is ${quote(current)}`;
  const fix =
    made === 'characters' || made === 'encoding'
      ? 'save the file as "CSV UTF-8" and type the text again'
      : 'format the column as Text in the spreadsheet before typing the value (or write the file as JSON, which is read as written)';
  const leave = what === 'cell' ? `, ${LEAVE}` : '';
  return `${quote(cell)} ${MADE[made]}, and ${shown}; it was not written, since it is most likely not what was typed: ${fix}${leave}`;
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
  const reading = numberReading(cell);
  if (!/^phone\./.test(column)) {
    // A text column (an employee id): the number is the current value only if the current value is that number.
    if (reading && current !== null && writesNumber(reading, current)) return { kind: 'number' };
    if (current !== null && savedTextForm(current, cell) === 'number') return { kind: 'number' };
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
  return savedTextForm(before, after);
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
    const typed = kinds.some((k) => k === 'number' || k === 'date');
    const advice = [
      ...(typed ? ['format the column as text and type the value as `genesys-bulk columns` shows it'] : []),
      ...(charset ? ['save the file as "CSV UTF-8"'] : []),
      ...(kinds.includes('boolean') ? ['type the other value, in any spelling (TRUE, WAHR, 1…)'] : []),
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
