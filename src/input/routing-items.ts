/**
 * The one walk over a row's routing changes: every column it sets, with its items in the order written (an exact
 * list's items, then additions, then removals). Name checks, reads, comparisons and the plan all go through it.
 */
import { CLEAR_TOKEN } from './columns.js';
import {
  type COLUMN_OF,
  isMembershipColumn,
  KIND_OF,
  type MembershipColumn,
  type MembershipKind,
  type ProficiencyColumn,
  ROUTING_COLUMNS,
  type RoutingColumn,
} from './routing-kinds.js';
import type { ListChange, RoleGrantItem, RoutingChanges } from './types.js';

/** `''`: an item of an exact list; `+`: add or update; `-`: remove. */
export type ItemOp = '' | '+' | '-';

export type RoutingItem =
  | { column: ProficiencyColumn; kind: 'skill' | 'language'; op: ItemOp; name: string; proficiency?: number }
  | { column: MembershipColumn; kind: MembershipKind; op: ItemOp; name: string }
  | { column: 'roles'; kind: 'role'; op: ItemOp; grant: RoleGrantItem }
  | { column: 'division'; kind: 'division'; op: ''; name: string };

export interface RoutingColumnItems {
  column: RoutingColumn;
  /** Whether the column gives the exact list (replace), as opposed to changes (delta). A division is exact. */
  exact: boolean;
  /** Empty for an empty exact list (`<clear>`). */
  items: RoutingItem[];
}

function listItems<T, R, I>(change: ListChange<T, R>, item: (op: ItemOp, x: T) => I, removal: (x: R) => I): I[] {
  return change.mode === 'replace'
    ? change.items.map((x) => item('', x))
    : [...change.add.map((x) => item('+', x)), ...change.remove.map(removal)];
}

/** The columns a row's routing sets, in ROUTING_COLUMNS order, each with its items. */
export function routingColumns(routing: RoutingChanges): RoutingColumnItems[] {
  const out: RoutingColumnItems[] = [];
  for (const column of ROUTING_COLUMNS) {
    if (column === 'skills' || column === 'languages') {
      const change = routing[column];
      if (change === undefined) continue;
      const kind = KIND_OF[column] as 'skill' | 'language';
      out.push({
        column,
        exact: change.mode === 'replace',
        items: listItems(
          change,
          (op, x): RoutingItem => ({
            column,
            kind,
            op,
            name: x.name,
            ...(x.proficiency !== undefined ? { proficiency: x.proficiency } : {}),
          }),
          (name): RoutingItem => ({ column, kind, op: '-', name }),
        ),
      });
    } else if (column === 'roles') {
      const change = routing.roles;
      if (change === undefined) continue;
      out.push({
        column,
        exact: change.mode === 'replace',
        items: listItems(
          change,
          (op, grant): RoutingItem => ({ column, kind: 'role', op, grant }),
          (grant): RoutingItem => ({ column, kind: 'role', op: '-', grant }),
        ),
      });
    } else if (column === 'division') {
      if (routing.division === undefined) continue;
      out.push({ column, exact: true, items: [{ column, kind: 'division', op: '', name: routing.division }] });
    } else if (isMembershipColumn(column)) {
      const change = routing[column];
      if (change === undefined) continue;
      const kind = KIND_OF[column] as MembershipKind;
      out.push({
        column,
        exact: change.mode === 'replace',
        items: listItems(
          change,
          (op, name): RoutingItem => ({ column, kind, op, name }),
          (name): RoutingItem => ({ column, kind, op: '-', name }),
        ),
      });
    }
  }
  return out;
}

/** Every item of a row's routing, in routingColumns order. */
export function routingItems(routing: RoutingChanges): RoutingItem[] {
  return routingColumns(routing).flatMap((c) => c.items);
}

/** A catalogue name an item uses: a grant uses two (its role and its division). */
export interface NameUse {
  kind: keyof typeof COLUMN_OF;
  name: string;
  column: RoutingColumn;
  /** The item as the row wrote it, when it says more than the name (a role's division). */
  item?: string;
}

/** Every catalogue name a row's routing changes use, with the column it is in. */
export function namesUsed(routing: RoutingChanges): NameUse[] {
  return routingItems(routing).flatMap((i): NameUse[] => {
    if (i.kind !== 'role') return [{ kind: i.kind, name: i.name, column: i.column }];
    const item = `${i.grant.role}@${i.grant.division}`;
    return [
      { kind: 'role', name: i.grant.role, column: 'roles', item },
      { kind: 'division', name: i.grant.division, column: 'roles', item },
    ];
  });
}

// ---------------------------------------------------------------------------------------------------------------
// comparing rows

/** In keys, so that an exact list never equals changes with the same items, and adds sort before removals. */
const OP_RANK: Record<ItemOp, number> = { '': 0, '+': 1, '-': 2 };

interface KeyedItem {
  text: string;
  sortKey: string;
}

function keyed(op: ItemOp, text: string, ...parts: (string | number | null)[]): KeyedItem {
  return { text: `${op}${text}`, sortKey: JSON.stringify([OP_RANK[op], ...parts]) };
}

function keyedItem(i: RoutingItem): KeyedItem {
  if (i.kind === 'role') {
    const g = i.grant;
    return keyed(i.op, `${g.role}@${g.division}`, g.role.toLowerCase(), g.division.toLowerCase());
  }
  if ((i.kind === 'skill' || i.kind === 'language') && i.op !== '-') {
    const p = 'proficiency' in i ? i.proficiency : undefined;
    const suffix = p === undefined ? '' : `:${p}`;
    return keyed(i.op, `${i.name}${suffix}`, i.name.toLowerCase(), p ?? null);
  }
  return keyed(i.op, i.name, i.name.toLowerCase());
}

/**
 * Each routing column a row sets, in the notation of a CSV cell (for messages) and as a key that is equal for two
 * rows asking for the same thing (names compared case-insensitively, items in any order, 4 and 4.0 alike).
 */
export function routingColumnValues(routing: RoutingChanges): { column: RoutingColumn; shown: string; key: string }[] {
  return routingColumns(routing).map(({ column, items }) => {
    if (column === 'division') {
      const name = (items[0] as { name: string }).name;
      return { column, shown: name, key: JSON.stringify(name.toLowerCase()) };
    }
    const sorted = items.map(keyedItem).sort((a, b) => (a.sortKey < b.sortKey ? -1 : a.sortKey > b.sortKey ? 1 : 0));
    // An empty exact list, which a cell spells <clear>.
    const shown = sorted.length === 0 ? CLEAR_TOKEN : sorted.map((i) => i.text).join(';');
    return { column, shown, key: JSON.stringify(sorted.map((i) => i.sortKey)) };
  });
}
