/**
 * Queue memberships and role grants a user holds through a group. They are the group's: a user-level change (a
 * `-Queue`, an exact `roles` list) cannot remove them, and the platform would keep them anyway. The planner compares
 * a row with the user's own assignments only, and says in a note which of the items the row names stay and why.
 */
import { type Grant, heldThroughGroup } from '../genesys/routing-types.js';
import {
  isMembershipColumn,
  MEMBERSHIPS,
  type MembershipKind,
  type RoutingChanges,
  routingColumns,
} from '../input/index.js';
import type { RoutingResolvers } from './catalogue.js';
import type { CurrentRouting } from './routing-fields.js';

/** What a user holds through groups, with the names of the groups it comes from (empty when unknown). */
export interface HeldThroughGroups {
  /** Queue id → groups. */
  queues: ReadonlyMap<string, readonly string[]>;
  /** `roleId\0divisionId` → groups. */
  grants: ReadonlyMap<string, readonly string[]>;
}

export const NOTHING_HELD: HeldThroughGroups = { queues: new Map(), grants: new Map() };

export const grantKeyOf = (roleId: string, divisionId: string): string => `${roleId}\u0000${divisionId}`;

/**
 * A user's grants split into their own and those held through a group: the platform names the group as a grant's
 * subject (`subjectId`); a grant without a subject is the user's.
 */
export function splitGrants(
  grants: readonly Grant[],
  userId: string,
  groupName: (groupId: string) => string | undefined,
): { own: Grant[]; held: Map<string, string[]> } {
  const own: Grant[] = [];
  const held = new Map<string, string[]>();
  for (const g of grants) {
    if (!heldThroughGroup(g, userId)) {
      own.push(g);
      continue;
    }
    const key = grantKeyOf(g.role.id, g.division.id);
    const name = groupName(g.subjectId) ?? g.subjectId;
    held.set(key, [...(held.get(key) ?? []), name]);
  }
  return { own, held };
}

/** A queue member entry as the listing gives it. */
export interface MemberEntry {
  id: string;
  user?: { id: string };
  memberBy?: string;
}

/** A queue's members split into those in person and those only through a group (lower-cased user ids). */
export function splitQueueMembers(entries: readonly MemberEntry[]): { own: Set<string>; byGroup: Set<string> } {
  const own = new Set<string>();
  const byGroup = new Set<string>();
  for (const m of entries) {
    const id = (m.user?.id ?? m.id).toLowerCase();
    if (m.memberBy?.toLowerCase() === 'group') byGroup.add(id);
    else own.add(id);
  }
  for (const id of own) byGroup.delete(id);
  return { own, byGroup };
}

const list = (names: readonly string[]): string =>
  names.length === 0 ? 'a group' : `group ${names.map((n) => JSON.stringify(n)).join(', ')}`;

/** The note for items a row would remove but the user holds through a group. */
export function heldNote(items: readonly { kind: string; label: string; groups: readonly string[] }[]): string {
  return items
    .map(
      (i) =>
        `${i.kind} ${JSON.stringify(i.label)} is held through ${list(i.groups)}, which a user-level change does not remove`,
    )
    .join('; ');
}

export interface HeldItem {
  kind: 'queue' | 'role' | MembershipKind;
  label: string;
  groups: string[];
}

/**
 * The items a row would remove (a `-` item, or one its exact list leaves out) that the user holds through a group:
 * the plan leaves them and says so.
 */
export function heldItems(
  held: NonNullable<CurrentRouting['held']>,
  routing: RoutingChanges,
  resolvers: RoutingResolvers,
): HeldItem[] {
  const out: HeldItem[] = [];
  for (const { column, exact, items } of routingColumns(routing)) {
    if (column === 'roles') {
      const named = new Set<string>();
      const removed = new Set<string>();
      for (const item of items) {
        if (item.kind !== 'role') continue;
        const roleId = resolvers.id('role', item.grant.role);
        const divisionId = resolvers.id('division', item.grant.division);
        if (roleId === undefined || divisionId === undefined) continue;
        (item.op === '-' ? removed : named).add(grantKeyOf(roleId, divisionId));
      }
      for (const g of held.grants) {
        const key = grantKeyOf(g.role.id, g.division.id);
        if (exact ? named.has(key) : !removed.has(key)) continue;
        const role = g.role.name ?? resolvers.nameOf?.('role', g.role.id) ?? g.role.id;
        const division = g.division.name ?? resolvers.nameOf?.('division', g.division.id) ?? g.division.id;
        const group = g.subjectId === undefined ? [] : [resolvers.nameOf?.('group', g.subjectId) ?? g.subjectId];
        out.push({ kind: 'role', label: `${role}@${division}`, groups: group });
      }
      continue;
    }
    if (!isMembershipColumn(column)) continue;
    const kind = MEMBERSHIPS[column].kind;
    const heldIds = held.memberOf[kind];
    if (heldIds === undefined || heldIds.size === 0) continue;
    const named = new Set<string>();
    const removed = new Set<string>();
    for (const item of items) {
      if (item.kind !== kind) continue;
      const id = resolvers.id(kind, item.name);
      if (id !== undefined) (item.op === '-' ? removed : named).add(id);
    }
    for (const id of heldIds) {
      if (exact ? named.has(id) : !removed.has(id)) continue;
      out.push({ kind, label: resolvers.nameOf?.(kind, id) ?? id, groups: [] });
    }
  }
  return out;
}
