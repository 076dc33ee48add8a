/**
 * The profile's name lists (`locations`, `profileSkills`, `certifications`) and the other profile fields added with
 * them (`acdAutoAnswer`, the phone extensions): one cell each, checked here, so that record.ts stays the profile's
 * text fields.
 */

import type { Cell } from './cell.js';
import type { NameListColumn } from './columns.js';
import { quote } from './problems.js';
import { savedBoolean } from './saved-cells.js';
import type { ListChange } from './types.js';
import { checkText, MAX_TEXT_LENGTH } from './values.js';

/** How phones hold an extension-only entry (plan/fields shows it the same way). */
export const EXTENSION_MARK = 'ext ';

/** Items listed per cell problem; the rest are counted. */
const MAX_ISSUES = 3;
/** Items in one list: far beyond what a profile holds, low enough that one cell cannot hold a file's worth. */
export const MAX_LIST_ITEMS = 100;
/** Digits in an extension. Unconfirmed: Genesys documents no length; its extension pools allow up to 15 digits. */
export const MAX_EXTENSION_DIGITS = 15;

const EXAMPLE: Record<NameListColumn, string> = {
  locations: 'Indianapolis HQ',
  profileSkills: 'Java',
  certifications: 'ITIL Foundation',
};

/**
 * A name-list cell: a plain list is the whole set, `+`/`-` on every item adds and removes; `<clear>` (JSON null) is
 * the empty set. JSON may also give an array of strings (the whole set), `{"replace": [...]}` or
 * `{"add": [...], "remove": [...]}`. Undefined with `issues` filled when the cell is wrong.
 */
export function nameListCell(column: NameListColumn, cell: Cell, issues: string[]): ListChange<string> | undefined {
  const example = EXAMPLE[column];
  switch (cell.kind) {
    case 'clear':
      return { mode: 'replace', items: [] };
    case 'wrongType':
      issues.push(
        `expected a string such as "${example};Other" or "+${example};-Other", or a list of strings, got ${cell.got}`,
      );
      return undefined;
    case 'structured':
      return structured(column, cell.value, issues);
    case 'value':
      return fromText(column, cell.text, issues);
  }
}

function fromText(column: NameListColumn, text: string, issues: string[]): ListChange<string> | undefined {
  const raw = text
    .split(';')
    .map((s) => s.trim())
    .filter((s) => s !== '');
  if (raw.length === 0) {
    issues.push(`${quote(text)} names nothing; leave the cell empty to keep the list, or write <clear> to empty it`);
    return undefined;
  }
  const prefixed = raw.filter((s) => s.startsWith('+') || s.startsWith('-'));
  if (prefixed.length > 0 && prefixed.length < raw.length) {
    issues.push(
      `${quote(text)} mixes items with and without + or -: write the whole list without prefixes, or prefix every item`,
    );
    return undefined;
  }
  if (prefixed.length === 0) return finish(column, { mode: 'replace', items: raw }, issues);
  const add: string[] = [];
  const remove: string[] = [];
  for (const item of raw) (item.startsWith('+') ? add : remove).push(item.slice(1).trim());
  return finish(column, { mode: 'delta', add, remove }, issues);
}

function structured(column: NameListColumn, value: unknown, issues: string[]): ListChange<string> | undefined {
  const strings = (v: unknown, path: string): string[] | undefined => {
    if (!Array.isArray(v) || v.some((x) => typeof x !== 'string')) {
      issues.push(`${path} must be a list of strings such as ["${EXAMPLE[column]}"]`);
      return undefined;
    }
    return (v as string[]).map((s) => s.trim());
  };
  if (Array.isArray(value)) {
    const items = strings(value, 'the list');
    return items && finish(column, { mode: 'replace', items }, issues);
  }
  const obj = value as Record<string, unknown>;
  const keys = Object.keys(obj);
  const unknown = keys.find((k) => k !== 'replace' && k !== 'add' && k !== 'remove');
  if (unknown !== undefined || keys.length === 0 || (keys.includes('replace') && keys.length > 1)) {
    issues.push(
      `expected {"replace": [...]} or {"add": [...], "remove": [...]}${unknown !== undefined ? `, not the key ${quote(unknown)}` : ''}`,
    );
    return undefined;
  }
  if (keys.includes('replace')) {
    const items = strings(obj.replace, '"replace"');
    return items && finish(column, { mode: 'replace', items }, issues);
  }
  const add = obj.add === undefined ? [] : strings(obj.add, '"add"');
  const remove = obj.remove === undefined ? [] : strings(obj.remove, '"remove"');
  if (add === undefined || remove === undefined) return undefined;
  return finish(column, { mode: 'delta', add, remove }, issues);
}

/** Each name checked; a name twice (case-insensitively for locations, exactly for the free-text lists) refused. */
function finish(column: NameListColumn, change: ListChange<string>, issues: string[]): ListChange<string> | undefined {
  const all = change.mode === 'replace' ? change.items : [...change.add, ...change.remove];
  const before = issues.length;
  if (all.length > MAX_LIST_ITEMS) issues.push(`${all.length} items; at most ${MAX_LIST_ITEMS} fit in one cell`);
  const seen = new Set<string>();
  for (const name of all) {
    if (issues.length - before >= MAX_ISSUES) break;
    if (name === '') {
      issues.push('an item is empty');
      continue;
    }
    if (name.includes(';')) {
      issues.push(`${quote(name)} contains ";", which separates the items of a cell`);
      continue;
    }
    const checked = checkText(name, MAX_TEXT_LENGTH);
    if (!checked.ok) {
      issues.push(`${quote(name)}: ${checked.message}`);
      continue;
    }
    const key = column === 'locations' ? name.toLowerCase() : name;
    if (seen.has(key)) issues.push(`${quote(name)} is named twice`);
    seen.add(key);
  }
  return issues.length > before ? undefined : change;
}

/**
 * `true` or `false` (any case; a JSON boolean too). `spreadsheet`: a CSV cell, which may hold a boolean as a
 * spreadsheet writes it (`WAHR`, `VRAI`, `1`): that boolean, whichever it is, as `TRUE` and `FALSE` are.
 */
export function booleanCell(cell: Cell, issues: string[], spreadsheet = false): boolean | undefined {
  if (cell.kind === 'wrongType' && cell.bool !== undefined) return cell.bool;
  if (cell.kind === 'value') {
    const t = cell.text.toLowerCase();
    if (t === 'true' || t === 'false') return t === 'true';
    if (spreadsheet && savedBoolean(t) !== undefined) return savedBoolean(t);
    const localised = savedBoolean(t) !== undefined;
    issues.push(
      `${quote(cell.text)} is not true or false${localised ? '; a spreadsheet writes a boolean in its own language (or as 1 or 0): format the column as text and type true or false' : ''}`,
    );
    return undefined;
  }
  issues.push(
    cell.kind === 'clear' ? 'cannot be cleared: write true or false' : `expected true or false, got ${cell.got}`,
  );
  return undefined;
}

/** An extension: digits only (spaces and dashes ignored), as `ext <digits>`, the form phones hold it in. */
export function extensionValue(text: string, issues: string[]): string | undefined {
  const digits = text.replace(/[\s-]/g, '');
  if (!/^\d+$/.test(digits)) {
    const number = /^\d+[.,]0+$/.test(digits)
      ? '; a spreadsheet read the cell as a number: format the column as text'
      : '';
    issues.push(`${quote(text)} is not an extension: digits only, e.g. 4021${number}`);
    return undefined;
  }
  if (digits.length > MAX_EXTENSION_DIGITS) {
    issues.push(`${quote(text)} has ${digits.length} digits; an extension has at most ${MAX_EXTENSION_DIGITS}`);
    return undefined;
  }
  return `${EXTENSION_MARK}${digits}`;
}
