import type { Cell } from './cell.js';
import { quote } from './problems.js';
import {
  assemble,
  clearedAs,
  type Draft,
  eachOf,
  isEmptyArray,
  isPlainObject,
  joinIssues,
  splitOp,
  structuredParts,
  textItems,
  typeName,
  wrongType,
} from './routing-cells.js';
import type { ItemOp } from './routing-items.js';
import {
  isMembershipColumn,
  MEMBERSHIPS,
  type MembershipColumn,
  noExactList,
  ROUTING_COLUMNS,
} from './routing-kinds.js';
import type { ListChange, ProficiencyItem, RoleGrantItem, RoutingChanges } from './types.js';
import { checkText } from './values.js';

/** The division a role without `@Division` is granted in: the organisation's default division is named Home. */
export const HOME_DIVISION = 'Home';

const MAX_PROFICIENCY = 5;

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
    if (isMembershipColumn(column)) {
      const value = membershipCell(column, cell, issues);
      if (value !== undefined && issues.length === 0) routing[column] = value;
    } else
      switch (column) {
        case 'skills':
        case 'languages': {
          const value = proficiencyCell(column, cell, issues);
          if (value !== undefined && issues.length === 0) routing[column] = value;
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
  const items = (key: 'replace' | 'add', op: ItemOp) =>
    eachOf(parts[key], key, issues, (value, path) => {
      if (!isItemObject(value, ['name', 'proficiency'], `a ${noun}`, example, path, issues)) return;
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
// memberships (queues)

/** `+Name;-Name` (or `{"add": […], "remove": […]}`); plain names, `<clear>` and `replace` give the exact list where the kind takes one. */
function membershipCell(column: MembershipColumn, cell: Cell, issues: string[]): ListChange<string> | undefined {
  const spec: { noun: string; noExactList?: string } = MEMBERSHIPS[column];
  const why = spec.noExactList;
  const example = '{"add": ["Sales"], "remove": ["Billing"]}';
  switch (cell.kind) {
    case 'clear':
      if (why === undefined) return { mode: 'replace', items: [] };
      issues.push(
        `${column} cannot be cleared, so ${clearedAs(cell)} is not allowed here: removing every membership ${why}; remove memberships one by one with -Name`,
      );
      return undefined;
    case 'wrongType':
      issues.push(wrongType(cell.got, '"+Sales;-Billing"', example));
      return undefined;
    case 'structured': {
      if (why === undefined && isPlainObject(cell.value) && Object.keys(cell.value).length === 1) {
        if (isEmptyArray(cell.value.replace)) return { mode: 'replace', items: [] };
      }
      const parts = structuredParts(
        cell,
        issues,
        why === undefined ? `{"replace": ["Sales"]} or ${example}` : example,
        why,
      );
      if (parts === undefined) return undefined;
      const drafts: Draft<string>[] = [];
      for (const [key, op] of [
        ['replace', ''],
        ['add', '+'],
        ['remove', '-'],
      ] as const) {
        eachOf(parts[key], key, issues, (value, path) => {
          if (typeof value !== 'string')
            issues.push(`${path} must be a ${spec.noun} name (a string), got ${typeName(value)}`);
          else drafts.push({ op, shown: path, item: value.trim() });
        });
      }
      return membershipChange(column, drafts, issues);
    }
    case 'value': {
      const drafts = textItems(cell.text, column, issues).map((raw): Draft<string> => {
        const { op, body } = splitOp(raw);
        return { op, shown: raw, item: body };
      });
      return membershipChange(column, drafts, issues);
    }
  }
}

function membershipChange(
  column: MembershipColumn,
  drafts: Draft<string>[],
  issues: string[],
): ListChange<string> | undefined {
  if (noExactList(column) !== undefined) {
    for (const d of drafts) {
      if (d.op === '') {
        issues.push(
          `${quote(d.shown)} has no prefix: use +Name to add or -Name to remove a membership (a list without prefixes would replace the user's whole membership list, which this tool does not do)`,
        );
      }
    }
  }
  return assemble(
    column,
    drafts,
    issues,
    (name) => name.toLowerCase(),
    (name) => name,
  );
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
          if (!isItemObject(value, ['role', 'division'], 'a grant', example, path, issues)) return;
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

/** Whether a list item is an object with no key but `keys`; if not, says why (`a grant has "role" and "division"`). */
function isItemObject(
  value: unknown,
  keys: readonly string[],
  what: string,
  example: string,
  path: string,
  issues: string[],
): value is Record<string, unknown> {
  if (!isPlainObject(value)) {
    issues.push(`${path} must be an object such as ${example}, got ${typeName(value)}`);
    return false;
  }
  const unknown = Object.keys(value).filter((k) => !keys.includes(k));
  if (unknown.length > 0) {
    issues.push(
      `${path} has unknown key ${quote(unknown[0]!)}; ${what} has ${keys.map((k) => `"${k}"`).join(' and ')}`,
    );
    return false;
  }
  return true;
}
