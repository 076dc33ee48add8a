import { CLEAR_TOKEN } from './columns.js';
import { quote } from './problems.js';
import type { Cell } from './record.js';
import type { ListChange, ProficiencyItem, RoleGrantItem, RoutingChanges } from './types.js';
import { checkText } from './values.js';

/** The division a role without `@Division` is granted in: the organisation's default division is named Home. */
export const HOME_DIVISION = 'Home';

export const ROUTING_COLUMNS = ['skills', 'languages', 'queues', 'roles', 'division'] as const;
export type RoutingColumn = (typeof ROUTING_COLUMNS)[number];

const MAX_PROFICIENCY = 5;
/** Problems listed per cell; the rest are counted, so one long bad cell cannot flood the report. */
const MAX_ISSUES = 3;

type Op = '' | '+' | '-';
interface Draft<T> {
  op: Op;
  /** The item as written (or its JSON path), for messages. */
  shown: string;
  item: T;
}

type ProficiencyColumn = 'skills' | 'languages';
const NOUN: Record<ProficiencyColumn, string> = { skills: 'skill', languages: 'language' };

/** Validates the routing columns of one record; problems go to `report` with their column. */
export function normaliseRouting(
  cells: ReadonlyMap<string, Cell>,
  report: (column: string, detail: string) => void,
): RoutingChanges | undefined {
  const routing: RoutingChanges = {};
  for (const column of ROUTING_COLUMNS) {
    const cell = cells.get(column);
    if (cell === undefined) continue;
    const issues: string[] = [];
    switch (column) {
      case 'skills':
      case 'languages': {
        const value = proficiencyCell(column, cell, issues);
        if (value !== undefined && issues.length === 0) routing[column] = value;
        break;
      }
      case 'queues': {
        const value = queuesCell(cell, issues);
        if (value !== undefined && issues.length === 0) routing.queues = value;
        break;
      }
      case 'roles': {
        const value = rolesCell(cell, issues);
        if (value !== undefined && issues.length === 0) routing.roles = value;
        break;
      }
      case 'division': {
        const value = divisionCell(cell, issues);
        if (value !== undefined && issues.length === 0) routing.division = value;
        break;
      }
    }
    if (issues.length > 0) report(column, joinIssues(issues));
  }
  return Object.keys(routing).length > 0 ? routing : undefined;
}

function joinIssues(issues: string[]): string {
  const shown = issues.slice(0, MAX_ISSUES);
  const rest = issues.length - shown.length;
  if (rest > 0) shown.push(`and ${rest} more ${rest === 1 ? 'problem' : 'problems'}`);
  return shown.join('; ');
}

function clearedAs(cell: { spelledAs: string }): string {
  return cell.spelledAs === 'null' ? 'null' : quote(cell.spelledAs);
}

function wrongType(got: string, example: string, structured: string | undefined): string {
  const hint = got === 'number' || got === 'boolean' ? ' (put the value in quotes)' : '';
  const forms = structured === undefined ? example : `${example} or an object such as ${structured}`;
  return `expected a string such as ${forms}, got ${got}${hint}`;
}

// ---------------------------------------------------------------------------------------------------------------
// skills, languages

function proficiencyCell(
  column: ProficiencyColumn,
  cell: Cell,
  issues: string[],
): ListChange<ProficiencyItem> | undefined {
  const noun = NOUN[column];
  switch (cell.kind) {
    case 'clear':
      return { mode: 'replace', items: [] };
    case 'wrongType':
      issues.push(wrongType(cell.got, '"+Billing:4;-Retention"', '{"add": [{"name": "Billing", "proficiency": 4}]}'));
      return undefined;
    case 'structured':
      // An empty replace list is the JSON spelling of <clear>; assemble cannot tell it from an empty add.
      if (isPlainObject(cell.value) && Object.keys(cell.value).length === 1 && isEmptyArray(cell.value.replace)) {
        return { mode: 'replace', items: [] };
      }
      return assemble(column, structuredProficiency(cell, noun, issues), issues, proficiencyKey, byName);
    case 'value':
      return assemble(
        column,
        textItems(cell.text, column, issues).map((raw) => textProficiency(raw, noun, issues)),
        issues,
        proficiencyKey,
        byName,
      );
  }
}

function proficiencyKey(item: ProficiencyItem): string {
  return item.name.toLowerCase();
}

function byName(item: ProficiencyItem): string {
  return item.name;
}

function isEmptyArray(value: unknown): boolean {
  return Array.isArray(value) && value.length === 0;
}

/** `Name`, `Name:N`, `+Name`, `+Name:N` or `-Name`; the last `:` separates the proficiency. */
function textProficiency(raw: string, noun: string, issues: string[]): Draft<ProficiencyItem> {
  const { op, body } = splitOp(raw);
  const colon = body.lastIndexOf(':');
  if (op === '-') {
    // A name may contain ':', so only a number after the last one reads as a (misplaced) proficiency.
    const tail = colon === -1 ? '' : body.slice(colon + 1).trim();
    if (/^[+-]?[\d.,]+$/.test(tail)) {
      issues.push(`${quote(raw)}: a removal takes no proficiency; write ${quote(`-${body.slice(0, colon).trim()}`)}`);
    }
    return { op, shown: raw, item: { name: body } };
  }
  if (colon === -1) return { op, shown: raw, item: { name: body } };
  const name = body.slice(0, colon).trim();
  const text = body.slice(colon + 1).trim();
  const proficiency = /^\d(\.\d)?$/.test(text) ? Number(text) : Number.NaN;
  if (!(proficiency <= MAX_PROFICIENCY)) {
    const comma = /^\d,\d$/.test(text) ? ' (use a dot for the decimal)' : '';
    issues.push(
      `${quote(raw)}: the proficiency must be a number from 0 to ${MAX_PROFICIENCY} with at most one decimal${comma}, e.g. ${name || noun}:4 or ${name || noun}:4.5`,
    );
    return { op, shown: raw, item: { name } };
  }
  return { op, shown: raw, item: { name, proficiency } };
}

function structuredProficiency(
  cell: { value: unknown; got: string },
  noun: string,
  issues: string[],
): Draft<ProficiencyItem>[] {
  const example = `{"name": "Billing", "proficiency": 4}`;
  const parts = structuredParts(
    cell,
    issues,
    `{"replace": [${example}]} or {"add": [${example}], "remove": ["Retention"]}`,
  );
  if (parts === undefined) return [];
  const drafts: Draft<ProficiencyItem>[] = [];
  const items = (key: 'replace' | 'add', op: Op) =>
    eachOf(parts[key], key, issues, (value, path) => {
      if (!isPlainObject(value)) {
        issues.push(`${path} must be an object such as ${example}, got ${typeName(value)}`);
        return;
      }
      const unknown = Object.keys(value).filter((k) => k !== 'name' && k !== 'proficiency');
      if (unknown.length > 0) {
        issues.push(`${path} has unknown key ${quote(unknown[0]!)}; a ${noun} has "name" and "proficiency"`);
        return;
      }
      if (typeof value.name !== 'string') {
        issues.push(`${path}.name must be a string, got ${typeName(value.name)}`);
        return;
      }
      const item: ProficiencyItem = { name: value.name.trim() };
      if (value.proficiency !== undefined) {
        if (!isProficiency(value.proficiency)) {
          issues.push(
            `${path}.proficiency must be a number from 0 to ${MAX_PROFICIENCY} with at most one decimal, got ${JSON.stringify(value.proficiency)}`,
          );
          return;
        }
        item.proficiency = Math.round(value.proficiency * 10) / 10;
      }
      drafts.push({ op, shown: path, item });
    });
  items('replace', '');
  items('add', '+');
  eachOf(parts.remove, 'remove', issues, (value, path) => {
    if (typeof value !== 'string') issues.push(`${path} must be a ${noun} name (a string), got ${typeName(value)}`);
    else drafts.push({ op: '-', shown: path, item: { name: value.trim() } });
  });
  return drafts;
}

function isProficiency(value: unknown): value is number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0 || value > MAX_PROFICIENCY) return false;
  return Math.abs(value * 10 - Math.round(value * 10)) < 1e-9;
}

// ---------------------------------------------------------------------------------------------------------------
// queues

function queuesCell(cell: Cell, issues: string[]): { add: string[]; remove: string[] } | undefined {
  switch (cell.kind) {
    case 'clear':
      issues.push(
        `queues cannot be cleared, so ${clearedAs(cell)} is not allowed here: removing every membership would mean reading every queue's members; remove memberships one by one with -Name`,
      );
      return undefined;
    case 'wrongType':
      issues.push(wrongType(cell.got, '"+Sales;-Billing"', '{"add": ["Sales"], "remove": ["Billing"]}'));
      return undefined;
    case 'structured': {
      const parts = structuredParts(cell, issues, '{"add": ["Sales"], "remove": ["Billing"]}', 'replace');
      if (parts === undefined) return undefined;
      const drafts: Draft<string>[] = [];
      for (const [key, op] of [
        ['add', '+'],
        ['remove', '-'],
      ] as const) {
        eachOf(parts[key], key, issues, (value, path) => {
          if (typeof value !== 'string') issues.push(`${path} must be a queue name (a string), got ${typeName(value)}`);
          else drafts.push({ op, shown: path, item: value.trim() });
        });
      }
      return queueChange(drafts, issues);
    }
    case 'value': {
      const drafts = textItems(cell.text, 'queues', issues).map((raw): Draft<string> => {
        const { op, body } = splitOp(raw);
        return { op, shown: raw, item: body };
      });
      return queueChange(drafts, issues);
    }
  }
}

function queueChange(drafts: Draft<string>[], issues: string[]): { add: string[]; remove: string[] } | undefined {
  for (const d of drafts) {
    if (d.op === '') {
      issues.push(
        `${quote(d.shown)} has no prefix: use +Name to add or -Name to remove a membership (a list without prefixes would replace the user's whole membership list, which this tool does not do)`,
      );
    }
  }
  const change = assemble(
    'queues',
    drafts,
    issues,
    (name) => name.toLowerCase(),
    (name) => name,
  );
  if (change === undefined || change.mode !== 'delta') return undefined;
  return { add: change.add, remove: change.remove };
}

// ---------------------------------------------------------------------------------------------------------------
// roles

function rolesCell(cell: Cell, issues: string[]): ListChange<RoleGrantItem, RoleGrantItem> | undefined {
  const lockout = 'a user without roles is locked out';
  switch (cell.kind) {
    case 'clear':
      issues.push(
        `roles cannot be cleared, so ${clearedAs(cell)} is not allowed here: ${lockout}; list the roles the user keeps, or revoke some with -Role@Division`,
      );
      return undefined;
    case 'wrongType':
      issues.push(
        wrongType(cell.got, '"+Agent@Support;-Supervisor"', '{"add": [{"role": "Agent", "division": "Support"}]}'),
      );
      return undefined;
    case 'structured': {
      const example = '{"role": "Agent", "division": "Support"}';
      const parts = structuredParts(
        cell,
        issues,
        `{"replace": [${example}]} or {"add": [${example}], "remove": [${example}]}`,
      );
      if (parts === undefined) return undefined;
      if (isEmptyArray(parts.replace)) {
        issues.push(`"replace" is empty: ${lockout}; list the roles the user keeps`);
        return undefined;
      }
      const drafts: Draft<RoleGrantItem>[] = [];
      for (const [key, op] of [
        ['replace', ''],
        ['add', '+'],
        ['remove', '-'],
      ] as const) {
        eachOf(parts[key], key, issues, (value, path) => {
          if (!isPlainObject(value)) {
            issues.push(`${path} must be an object such as ${example}, got ${typeName(value)}`);
            return;
          }
          const unknown = Object.keys(value).filter((k) => k !== 'role' && k !== 'division');
          if (unknown.length > 0) {
            issues.push(`${path} has unknown key ${quote(unknown[0]!)}; a grant has "role" and "division"`);
            return;
          }
          if (typeof value.role !== 'string') {
            issues.push(`${path}.role must be a string, got ${typeName(value.role)}`);
            return;
          }
          if (value.division !== undefined && typeof value.division !== 'string') {
            issues.push(`${path}.division must be a string, got ${typeName(value.division)}`);
            return;
          }
          const division = typeof value.division === 'string' ? value.division.trim() : '';
          const item = { role: value.role.trim(), division: division === '' ? HOME_DIVISION : division };
          drafts.push({ op, shown: path, item });
        });
      }
      return assemble('roles', drafts, issues, roleKey, (g) => g);
    }
    case 'value': {
      const drafts = textItems(cell.text, 'roles', issues).map((raw): Draft<RoleGrantItem> => {
        const { op, body } = splitOp(raw);
        const at = body.lastIndexOf('@');
        if (at === -1) return { op, shown: raw, item: { role: body, division: HOME_DIVISION } };
        const role = body.slice(0, at).trim();
        const division = body.slice(at + 1).trim();
        if (division === '') {
          issues.push(
            `${quote(raw)}: the division is missing after "@"; write ${quote(`${raw.slice(0, raw.lastIndexOf('@'))}`)} alone for the ${HOME_DIVISION} division`,
          );
        }
        return { op, shown: raw, item: { role, division } };
      });
      return assemble('roles', drafts, issues, roleKey, (g) => g);
    }
  }
}

function roleKey(item: RoleGrantItem): string {
  return `${item.role.toLowerCase()}@${item.division.toLowerCase()}`;
}

// ---------------------------------------------------------------------------------------------------------------
// division

function divisionCell(cell: Cell, issues: string[]): string | undefined {
  switch (cell.kind) {
    case 'clear':
      issues.push(
        `division cannot be cleared, so ${clearedAs(cell)} is not allowed here: every user belongs to a division; give the name of the division to move the user to`,
      );
      return undefined;
    case 'wrongType':
    case 'structured':
      issues.push(wrongType(cell.got, '"Support"', undefined));
      return undefined;
    case 'value': {
      const checked = checkText(cell.text);
      if (!checked.ok) issues.push(checked.message);
      return cell.text;
    }
  }
}

// ---------------------------------------------------------------------------------------------------------------
// shared

function splitOp(raw: string): { op: Op; body: string } {
  const first = raw[0];
  if (first === '+' || first === '-') return { op: first, body: raw.slice(1).trim() };
  return { op: '', body: raw };
}

/** The `;`-separated items of a cell, trimmed; empty items (a trailing `;`) are ignored. */
function textItems(text: string, column: RoutingColumn, issues: string[]): string[] {
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

type Parts = { replace?: unknown; add?: unknown; remove?: unknown };

/**
 * The `replace` / `add` / `remove` keys of a JSON object; undefined (with an issue) when the shape is wrong.
 * `forbidden` names a key this column does not take.
 */
function structuredParts(
  cell: { value: unknown; got: string },
  issues: string[],
  example: string,
  forbidden?: 'replace',
): Parts | undefined {
  const value = cell.value;
  if (!isPlainObject(value)) {
    issues.push(`expected a string or an object such as ${example}, got ${cell.got}`);
    return undefined;
  }
  const allowed = forbidden === 'replace' ? ['add', 'remove'] : ['replace', 'add', 'remove'];
  const keys = Object.keys(value);
  const unknown = keys.filter((k) => !allowed.includes(k));
  if (unknown.length > 0) {
    const why =
      forbidden === 'replace' && unknown[0] === 'replace'
        ? '"replace" is not allowed here: replacing a whole membership list would mean reading every queue\'s members; use "add" and "remove"'
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

function eachOf(list: unknown, key: string, issues: string[], visit: (value: unknown, path: string) => void): void {
  if (list === undefined) return;
  if (!Array.isArray(list)) {
    issues.push(`"${key}" must be an array, got ${typeName(list)}`);
    return;
  }
  list.forEach((value, i) => {
    visit(value, `${key}[${i}]`);
  });
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function typeName(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  return typeof value;
}

const ITEM_NOUN: Record<Exclude<RoutingColumn, 'division'>, string> = {
  skills: 'skill',
  languages: 'language',
  queues: 'queue',
  roles: 'grant',
};

function namesIn(item: unknown): string[] {
  if (typeof item === 'string') return [item];
  const o = item as Partial<ProficiencyItem & RoleGrantItem>;
  return [o.name, o.role, o.division].filter((s): s is string => s !== undefined);
}

/**
 * Checks names (non-empty, no control characters, each at most once) and the mode (all plain = replace, all
 * prefixed = delta), and builds the change. Returns undefined when anything is wrong.
 */
function assemble<T, R>(
  column: Exclude<RoutingColumn, 'division'>,
  drafts: Draft<T>[],
  issues: string[],
  keyOf: (item: T) => string,
  removal: (item: T) => R,
): ListChange<T, R> | undefined {
  const noun = ITEM_NOUN[column];
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
  if (plain !== undefined && prefixed !== undefined && column !== 'queues') {
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

// ---------------------------------------------------------------------------------------------------------------
// comparing rows

/** In keys, so that a replace never equals a delta with the same items, and adds sort before removals. */
const OP_RANK: Record<Op, number> = { '': 0, '+': 1, '-': 2 };

interface KeyedItem {
  text: string;
  sortKey: string;
}

function keyed(op: Op, text: string, ...parts: (string | number | null)[]): KeyedItem {
  return { text: `${op}${text}`, sortKey: JSON.stringify([OP_RANK[op], ...parts]) };
}

function proficiencyText(op: Op, item: ProficiencyItem): KeyedItem {
  const suffix = item.proficiency === undefined ? '' : `:${item.proficiency}`;
  return keyed(op, `${item.name}${suffix}`, item.name.toLowerCase(), item.proficiency ?? null);
}

function nameText(op: Op, name: string): KeyedItem {
  return keyed(op, name, name.toLowerCase());
}

function grantText(op: Op, g: RoleGrantItem): KeyedItem {
  return keyed(op, `${g.role}@${g.division}`, g.role.toLowerCase(), g.division.toLowerCase());
}

/**
 * Each routing column a row sets, in the notation of a CSV cell (for messages) and as a key that is equal for two
 * rows asking for the same thing (names compared case-insensitively, items in any order, 4 and 4.0 alike).
 */
export function routingColumnValues(routing: RoutingChanges): { column: RoutingColumn; shown: string; key: string }[] {
  const out: { column: RoutingColumn; shown: string; key: string }[] = [];
  const push = (column: RoutingColumn, items: KeyedItem[]) => {
    const sorted = [...items].sort((a, b) => (a.sortKey < b.sortKey ? -1 : a.sortKey > b.sortKey ? 1 : 0));
    // Only skills and languages can be empty: an empty replace, which a cell spells <clear>.
    const shown = sorted.length === 0 ? CLEAR_TOKEN : sorted.map((i) => i.text).join(';');
    out.push({ column, shown, key: JSON.stringify(sorted.map((i) => i.sortKey)) });
  };
  for (const column of ['skills', 'languages'] as const) {
    const change = routing[column];
    if (change === undefined) continue;
    if (change.mode === 'replace')
      push(
        column,
        change.items.map((i) => proficiencyText('', i)),
      );
    else
      push(column, [...change.add.map((i) => proficiencyText('+', i)), ...change.remove.map((n) => nameText('-', n))]);
  }
  if (routing.queues !== undefined) {
    const { add, remove } = routing.queues;
    push('queues', [...add.map((n) => nameText('+', n)), ...remove.map((n) => nameText('-', n))]);
  }
  if (routing.roles !== undefined) {
    const r = routing.roles;
    if (r.mode === 'replace')
      push(
        'roles',
        r.items.map((g) => grantText('', g)),
      );
    else push('roles', [...r.add.map((g) => grantText('+', g)), ...r.remove.map((g) => grantText('-', g))]);
  }
  if (routing.division !== undefined) {
    out.push({ column: 'division', shown: routing.division, key: JSON.stringify(routing.division.toLowerCase()) });
  }
  return out;
}
