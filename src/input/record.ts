import type { Cell } from './cell.js';
import { EMPLOYER_INFO_FIELDS, isClearable, NAME_LIST_COLUMNS, PHONE_TYPES, TEXT_COLUMNS } from './columns.js';
import { booleanCell, extensionValue, nameListCell } from './lists.js';
import { type Location, problem, quote } from './problems.js';
import { normaliseRouting } from './routing.js';
import { dateReadings, isErrorValue, numberReading, savedBoolean } from './saved-cells.js';
import type { InputProblem, ManagerRef, ProfileChanges, RowKey } from './types.js';
import {
  type Checked,
  checkDate,
  checkEmail,
  checkPhone,
  checkState,
  checkText,
  checkUuid,
  isEmail,
  isUuid,
  MAX_NAME_LENGTH,
  MAX_TEXT_LENGTH,
  spreadsheetHint,
} from './values.js';

export interface RecordResult {
  key?: RowKey;
  /** The key as written, for the report. */
  keyLabel?: string;
  changes: ProfileChanges;
  problems: InputProblem[];
}

type Taken = { state: 'absent' } | { state: 'clear' } | { state: 'value'; text: string } | { state: 'bad' };

/**
 * Validates one record's known columns. `cells` holds only documented column names; unknown columns are the
 * format reader's business (reported once per file, not per row).
 */
export function normaliseRecord(
  cells: ReadonlyMap<string, Cell>,
  at: { rowNumber: number; line: number },
  /** The record is a CSV file's, which a spreadsheet may have saved (see `asSaved`). */
  spreadsheet = false,
): RecordResult {
  const problems: InputProblem[] = [];
  const changes: ProfileChanges = {};
  /**
   * A cell only a spreadsheet writes (a phone without its +, a local date, `WAHR`): kept as written for planning to
   * compare with the user's current value (plan/spreadsheet.ts), instead of refused here.
   */
  const asSaved = (column: string, text: string, saved: boolean): boolean => {
    if (!spreadsheet || !saved) return false;
    changes.asSaved = { ...changes.asSaved, [column]: text };
    return true;
  };
  const error = (column: string | undefined, detail: string, code = 'invalid_value') => {
    const loc: Location = { ...at };
    if (column !== undefined) loc.column = column;
    problems.push(problem('error', loc, detail, { code }));
  };

  if (spreadsheet) {
    // A spreadsheet's error value (`#NAME?` where it took `+Sales Inbound` for a formula) holds nothing of the cell.
    const lost = [...cells].filter(([c, cell]) => cell.kind === 'value' && isErrorValue(cell.text) && !KEYS.has(c));
    if (lost.length > 0) {
      const kept = new Map(cells);
      for (const [column, cell] of lost)
        if (asSaved(column, (cell as { text: string }).text, true)) kept.delete(column);
      cells = kept;
    }
  }

  const take = (column: string): Taken => {
    const cell = cells.get(column);
    if (cell === undefined) return { state: 'absent' };
    if (cell.kind === 'wrongType' || cell.kind === 'structured') {
      const hint = cell.got === 'number' || cell.got === 'boolean' ? ' (put the value in quotes)' : '';
      error(column, `expected a string, got ${cell.got}${hint}`, 'wrong_type');
      return { state: 'bad' };
    }
    if (cell.kind === 'clear') {
      if (isClearable(column)) return { state: 'clear' };
      error(
        column,
        `${column} cannot be cleared, so ${cell.spelledAs === 'null' ? 'null' : quote(cell.spelledAs)} is not allowed here; leave it empty to keep the current value`,
        'not_clearable',
      );
      return { state: 'bad' };
    }
    return { state: 'value', text: cell.text };
  };

  // Free text cannot be wrong, but `1.23457E+11` in a text column is almost surely a spreadsheet's doing.
  const text = (column: string, value: string): Checked<string> => {
    const result = checkText(value, MAX_TEXT_LENGTH);
    // A CSV's such cell is judged against the current value when planning (plan/spreadsheet.ts).
    const hint = result.ok && !spreadsheet ? spreadsheetHint(value) : '';
    if (hint !== '') {
      problems.push(problem('warning', { ...at, column }, `${quote(value)} is kept as written, but${hint.slice(1)}`));
    }
    return result;
  };

  const checked = <T>(column: string, result: Checked<T>, code: string): T | undefined => {
    if (result.ok) return result.value;
    error(column, result.message, code);
    return undefined;
  };

  // Key: the id when given, else the email.
  let key: RowKey | undefined;
  let keyLabel: string | undefined;
  const id = take('id');
  const idGiven = id.state !== 'absent';
  if (id.state === 'value') {
    keyLabel = id.text;
    const value = checked('id', checkUuid(id.text, 'user id'), 'invalid_id');
    if (value !== undefined) key = { kind: 'id', id: value };
  }

  const email = take('email');
  const newEmail = take('newEmail');
  if (idGiven) {
    if (email.state === 'value') {
      const value = checked('email', checkEmail(email.text), 'invalid_email');
      if (value !== undefined) changes.email = value;
    }
    if (newEmail.state === 'value') {
      error(
        'newEmail',
        'newEmail is only for rows keyed by email; this row has an id, so put the new address in the email column',
        'new_email_with_id',
      );
    }
  } else {
    if (email.state === 'value') {
      keyLabel = email.text;
      const value = checked('email', checkEmail(email.text), 'invalid_email')?.toLowerCase();
      const spelled = email.text.trim();
      if (value !== undefined) key = { kind: 'email', email: value, ...(spelled !== value ? { spelled } : {}) };
    } else if (email.state === 'absent') {
      error(
        undefined,
        'missing key: give an id or email column value to say which user this row changes',
        'missing_key',
      );
    }
    if (newEmail.state === 'value') {
      const value = checked('newEmail', checkEmail(newEmail.text), 'invalid_email');
      if (value !== undefined) changes.email = value;
    }
  }

  const name = take('name');
  if (name.state === 'value') {
    const value = checked('name', checkText(name.text, MAX_NAME_LENGTH), 'invalid_text');
    if (value !== undefined) changes.name = value;
  }

  for (const column of TEXT_COLUMNS) {
    const cell = take(column);
    if (cell.state === 'clear') changes[column] = null;
    else if (cell.state === 'value') {
      if (asSaved(column, cell.text, numberReading(cell.text)?.exact === false)) continue;
      const value = checked(column, text(column, cell.text), 'invalid_text');
      if (value !== undefined) changes[column] = value;
    }
  }

  const manager = take('manager');
  if (manager.state === 'clear') changes.manager = null;
  else if (manager.state === 'value') {
    const ref = managerRef(manager.text);
    if (ref === undefined) {
      error('manager', `${quote(manager.text)} is neither a user id (UUID) nor an email address`, 'invalid_manager');
    } else if (key !== undefined && sameUser(key, ref)) {
      error('manager', 'a user cannot be their own manager', 'own_manager');
    } else {
      changes.manager = ref;
    }
  }

  for (const field of EMPLOYER_INFO_FIELDS) {
    const column = `employerInfo.${field}`;
    const cell = take(column);
    if (cell.state === 'clear') {
      changes.employerInfo ??= {};
      changes.employerInfo[field] = null;
    } else if (cell.state === 'value') {
      const date = field === 'dateHire' ? checkDate(cell.text) : undefined;
      const saved = date === undefined ? numberReading(cell.text)?.exact === false : dateReadings(cell.text).length > 0;
      if (date?.ok !== true && asSaved(column, cell.text, saved)) continue;
      const value = checked(
        column,
        date ?? text(column, cell.text),
        field === 'dateHire' ? 'invalid_date' : 'invalid_text',
      );
      if (value !== undefined) {
        changes.employerInfo ??= {};
        changes.employerInfo[field] = value;
      }
    }
  }

  for (const type of PHONE_TYPES) {
    const column = `phone.${type}`;
    const cell = take(column);
    if (cell.state === 'clear') {
      changes.phones ??= {};
      changes.phones[type] = null;
    } else if (cell.state === 'value') {
      const phone = checkPhone(cell.text);
      if (!phone.ok && asSaved(column, cell.text, isSavedNumber(cell.text))) continue;
      const value = checked(column, phone, 'invalid_phone');
      if (value !== undefined) {
        changes.phones ??= {};
        changes.phones[type] = value;
      }
    }
  }

  for (const type of PHONE_TYPES) {
    const column = `phone.${type}.extension`;
    const cell = cells.get(column);
    if (cell === undefined) continue;
    if (changes.phones?.[type] !== undefined || cells.get(`phone.${type}`)?.kind === 'clear') {
      error(
        column,
        `a phone entry holds a number or an extension, not both: give phone.${type} or ${column}, not the two`,
        'phone_and_extension',
      );
      continue;
    }
    const t = take(column);
    if (t.state === 'clear') {
      changes.clearExtensions ??= [];
      changes.clearExtensions.push(type);
    } else if (t.state === 'value') {
      const issues: string[] = [];
      const value = extensionValue(t.text, issues);
      if (value === undefined && asSaved(column, t.text, numberReading(t.text) !== undefined)) continue;
      if (value === undefined) error(column, issues.join('; '), 'invalid_extension');
      else {
        changes.phones ??= {};
        changes.phones[type] = value;
      }
    }
  }

  const autoAnswer = cells.get('acdAutoAnswer');
  if (autoAnswer !== undefined) {
    const issues: string[] = [];
    const value = booleanCell(autoAnswer, issues, spreadsheet);
    const text = autoAnswer.kind === 'value' ? autoAnswer.text : '';
    if (value !== undefined) changes.acdAutoAnswer = value;
    else if (!asSaved('acdAutoAnswer', text, savedBoolean(text) !== undefined))
      error('acdAutoAnswer', issues.join('; '), 'invalid_boolean');
  }

  for (const column of NAME_LIST_COLUMNS) {
    const cell = cells.get(column);
    if (cell === undefined) continue;
    const issues: string[] = [];
    const value = nameListCell(column, cell, issues);
    if (value === undefined) error(column, issues.join('; '), 'invalid_list');
    else changes[column] = value;
  }

  const state = take('state');
  if (state.state === 'value') {
    const value = checked('state', checkState(state.text), 'invalid_state');
    if (value !== undefined) changes.state = value;
  }

  const routing = normaliseRouting(cells, error);
  if (routing !== undefined) changes.routing = routing;

  if (problems.length > 1) {
    // Report in the order the columns appear in the input, not the order they are checked in.
    const position = new Map([...cells.keys()].map((column, i) => [column, i]));
    problems.sort((a, b) => (position.get(a.column ?? '') ?? -1) - (position.get(b.column ?? '') ?? -1));
  }

  const result: RecordResult = { changes, problems };
  if (key !== undefined) result.key = key;
  if (keyLabel !== undefined) result.keyLabel = keyLabel;
  return result;
}

const KEYS: ReadonlySet<string> = new Set(['id', 'email', 'newEmail']);

/** A phone a spreadsheet read as a number: its digits without the +, or in scientific notation. */
function isSavedNumber(text: string): boolean {
  const reading = numberReading(text);
  return reading !== undefined && (!reading.exact || /^[1-9]\d{6,14}$/.test(reading.digits));
}

function managerRef(text: string): ManagerRef | undefined {
  if (isUuid(text)) return { kind: 'id', id: text.toLowerCase() };
  if (isEmail(text)) return { kind: 'email', email: text.toLowerCase() };
  return undefined;
}

function sameUser(key: RowKey, ref: ManagerRef): boolean {
  return key.kind === 'id' ? ref.kind === 'id' && ref.id === key.id : ref.kind === 'email' && ref.email === key.email;
}
