/**
 * What every routing cell parser shares: the `+A;-B` text notation, the `{replace, add, remove}` JSON objects, and
 * the checks that turn their items into one ListChange.
 */
import { CLEAR_TOKEN } from './columns.js';
import { quote } from './problems.js';
import type { ItemOp } from './routing-items.js';
import { isMembershipColumn, MEMBERSHIPS, noExactList, type RoutingColumn } from './routing-kinds.js';
import type { ListChange, ProficiencyItem, RoleGrantItem } from './types.js';
import { checkText } from './values.js';

/** Problems listed per cell; the rest are counted, so one long bad cell cannot flood the report. */
const MAX_ISSUES = 3;

export interface Draft<T> {
  op: ItemOp;
  /** The item as written (or its JSON path), for messages. */
  shown: string;
  item: T;
}

export type ListColumn = Exclude<RoutingColumn, 'division'>;

export function joinIssues(issues: string[]): string {
  const shown = issues.slice(0, MAX_ISSUES);
  const rest = issues.length - shown.length;
  if (rest > 0) shown.push(`and ${rest} more ${rest === 1 ? 'problem' : 'problems'}`);
  return shown.join('; ');
}

export function clearedAs(cell: { spelledAs: string }): string {
  return cell.spelledAs === 'null' ? 'null' : quote(cell.spelledAs);
}

export function wrongType(got: string, example: string, structured: string | undefined): string {
  const hint = got === 'number' || got === 'boolean' ? ' (put the value in quotes)' : '';
  const forms = structured === undefined ? example : `${example} or an object such as ${structured}`;
  return `expected a string such as ${forms}, got ${got}${hint}`;
}

export function isEmptyArray(value: unknown): boolean {
  return Array.isArray(value) && value.length === 0;
}

export function splitOp(raw: string): { op: ItemOp; body: string } {
  const first = raw[0];
  if (first === '+' || first === '-') return { op: first, body: raw.slice(1).trim() };
  return { op: '', body: raw };
}

/** The `;`-separated items of a cell, trimmed; empty items (a trailing `;`) are ignored. */
export function textItems(text: string, column: RoutingColumn, issues: string[]): string[] {
  const items = text
    .split(';')
    .map((s) => s.trim())
    .filter((s) => s !== '');
  if (items.length === 0) {
    issues.push(`${quote(text)} names nothing; leave the cell empty to keep the user's ${column} as they are`);
  }
  if (items.length > 1 && items.some((raw) => raw.toLowerCase() === CLEAR_TOKEN)) {
    issues.push(`${CLEAR_TOKEN} must be alone in the cell, not one item of a list`);
    return [];
  }
  return items;
}

export type Parts = { replace?: unknown; add?: unknown; remove?: unknown };

/**
 * The `replace` / `add` / `remove` keys of a JSON object; undefined (with an issue) when the shape is wrong.
 * `noReplace` says why this column takes no `replace`, when it does not (see MembershipSpec.noExactList).
 */
export function structuredParts(
  cell: { value: unknown; got: string },
  issues: string[],
  example: string,
  noReplace?: string,
): Parts | undefined {
  const value = cell.value;
  if (!isPlainObject(value)) {
    issues.push(`expected a string or an object such as ${example}, got ${cell.got}`);
    return undefined;
  }
  const allowed = noReplace !== undefined ? ['add', 'remove'] : ['replace', 'add', 'remove'];
  const keys = Object.keys(value);
  const unknown = keys.filter((k) => !allowed.includes(k));
  if (unknown.length > 0) {
    const why =
      noReplace !== undefined && unknown[0] === 'replace'
        ? `"replace" is not allowed here: replacing a whole membership list ${noReplace}; use "add" and "remove"`
        : `unknown key ${quote(unknown[0]!)}; use ${allowed.map((k) => `"${k}"`).join(', ')}`;
    issues.push(why);
    return undefined;
  }
  if ('replace' in value && ('add' in value || 'remove' in value)) {
    issues.push('"replace" cannot be combined with "add" or "remove": give either the whole set or the changes');
    return undefined;
  }
  if (keys.length === 0) {
    issues.push(`the object names nothing; leave the key out to keep the user's values as they are`);
    return undefined;
  }
  return value;
}

export function eachOf(
  list: unknown,
  key: string,
  issues: string[],
  visit: (value: unknown, path: string) => void,
): void {
  if (list === undefined) return;
  if (!Array.isArray(list)) {
    issues.push(`"${key}" must be an array, got ${typeName(list)}`);
    return;
  }
  list.forEach((value, i) => {
    visit(value, `${key}[${i}]`);
  });
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function typeName(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  return typeof value;
}

function itemNoun(column: ListColumn): string {
  if (isMembershipColumn(column)) return MEMBERSHIPS[column].noun;
  return { skills: 'skill', languages: 'language', roles: 'grant' }[column];
}

function namesIn(item: unknown): string[] {
  if (typeof item === 'string') return [item];
  const o = item as Partial<ProficiencyItem & RoleGrantItem>;
  return [o.name, o.role, o.division].filter((s): s is string => s !== undefined);
}

/**
 * Checks names (non-empty, no control characters, each at most once) and the mode (all plain = replace, all
 * prefixed = delta), and builds the change. Returns undefined when anything is wrong.
 */
export function assemble<T, R>(
  column: ListColumn,
  drafts: Draft<T>[],
  issues: string[],
  keyOf: (item: T) => string,
  removal: (item: T) => R,
): ListChange<T, R> | undefined {
  const noun = itemNoun(column);
  const seen = new Map<string, string>();
  for (const d of drafts) {
    const names = namesIn(d.item);
    if (names.some((n) => n === '')) {
      // An empty division after "@" was reported where it was parsed, with its own advice.
      const role = column === 'roles' ? (d.item as RoleGrantItem).role : undefined;
      if (role !== undefined && role !== '') continue;
      issues.push(`${quote(d.shown)}: the ${column === 'roles' ? 'role' : noun} name is missing`);
      continue;
    }
    const bad = names.map((n) => checkText(n)).find((c) => !c.ok);
    if (bad !== undefined && !bad.ok) {
      issues.push(bad.message);
      continue;
    }
    const key = keyOf(d.item);
    const earlier = seen.get(key);
    if (earlier === undefined) seen.set(key, d.shown);
    else issues.push(`${quote(d.shown)} repeats the ${noun} of ${quote(earlier)}; name each ${noun} once`);
  }
  const plain = drafts.find((d) => d.op === '');
  const prefixed = drafts.find((d) => d.op !== '');
  // A membership without exact lists reported its unprefixed items already.
  const exactLists = !isMembershipColumn(column) || noExactList(column) === undefined;
  if (plain !== undefined && prefixed !== undefined && exactLists) {
    issues.push(
      `mixes an item without a prefix (${quote(plain.shown)}) with a prefixed one (${quote(prefixed.shown)}): either list the whole set without prefixes (it replaces the user's ${column}), or prefix every item with + (add or update) or - (remove)`,
    );
  }
  if (drafts.length === 0 && issues.length === 0) {
    issues.push(`names no ${noun}; leave it out to keep the user's ${column} as they are`);
  }
  if (issues.length > 0) return undefined;
  if (plain !== undefined) return { mode: 'replace', items: drafts.map((d) => d.item) };
  return {
    mode: 'delta',
    add: drafts.filter((d) => d.op === '+').map((d) => d.item),
    remove: drafts.filter((d) => d.op === '-').map((d) => removal(d.item)),
  };
}
