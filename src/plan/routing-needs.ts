/**
 * What a plan needs read of a user's routing: only the kinds its row (or, for a rollback, the run's diffs) touch,
 * and only the memberships it names, unless it gives an exact list.
 */
import {
  isMembershipColumn,
  MEMBERSHIPS,
  type MembershipKind,
  namesUsed,
  type RoutingChanges,
  type RoutingKind,
  routingColumns,
} from '../input/index.js';
import type { RoutingResolvers } from './catalogue.js';
import { UnresolvedRoutingNameError } from './errors.js';
import { parseRoutingField } from './routing-fields.js';

/** What one user's routing plan needs read. */
export interface RoutingNeeds {
  skills: boolean;
  languages: boolean;
  grants: boolean;
  /** Per membership kind: the entities whose membership of this user matters, or `all` for the user's whole list. */
  members: Partial<Record<MembershipKind, string[] | 'all'>>;
}

export const noNeeds = (): RoutingNeeds => ({ skills: false, languages: false, grants: false, members: {} });

/** Adds an entity (or the whole list) to what is read of a user's memberships of a kind. */
export function needMember(needs: RoutingNeeds, kind: MembershipKind, entityId: string | 'all'): void {
  const had = needs.members[kind];
  if (had === 'all') return;
  if (entityId === 'all') needs.members[kind] = 'all';
  else if (had === undefined) needs.members[kind] = [entityId];
  else if (!had.includes(entityId)) had.push(entityId);
}

/**
 * What the rows' routing columns need read of any of their users, names aside: the kinds they touch, and the whole
 * list of a membership kind where one gives an exact list (what the users' first read can carry: update.ts).
 */
export function needsOfColumns(routings: Iterable<RoutingChanges>): RoutingNeeds {
  const needs = noNeeds();
  for (const routing of routings)
    for (const { column, exact } of routingColumns(routing)) {
      if (column === 'skills') needs.skills = true;
      else if (column === 'languages') needs.languages = true;
      else if (column === 'roles') needs.grants = true;
      else if (isMembershipColumn(column) && exact) needMember(needs, MEMBERSHIPS[column].kind, 'all');
    }
  return needs;
}

/** What a rollback must read for the routing fields a run wrote to one user. */
export function needsOfFields(fields: Iterable<string>, resolvers: RoutingResolvers): RoutingNeeds {
  const needs = noNeeds();
  for (const field of fields) {
    const f = parseRoutingField(field);
    if (f === undefined || f.kind === 'division') continue;
    if (f.kind === 'skill') needs.skills = true;
    else if (f.kind === 'language') needs.languages = true;
    else if (f.kind === 'role') needs.grants = true;
    else {
      const id = resolvers.id(f.kind, f.name);
      if (id !== undefined) needMember(needs, f.kind, id);
    }
  }
  return needs;
}

/** The catalogues the routing fields of a run name (a role field names a division too). */
export function kindsOfFields(fields: Iterable<string>): Set<RoutingKind> {
  const kinds = new Set<RoutingKind>();
  for (const field of fields) {
    const f = parseRoutingField(field);
    if (f === undefined) continue;
    kinds.add(f.kind);
    if (f.kind === 'role') kinds.add('division');
  }
  return kinds;
}

/** What planning a row's routing changes needs read; throws UnresolvedRoutingNameError on a name not checked. */
export function needsOf(routing: RoutingChanges, resolvers: RoutingResolvers): RoutingNeeds {
  const needs = noNeeds();
  for (const { column, exact, items } of routingColumns(routing)) {
    if (column === 'skills') needs.skills = true;
    else if (column === 'languages') needs.languages = true;
    else if (column === 'roles') needs.grants = true;
    else if (isMembershipColumn(column)) {
      const kind = MEMBERSHIPS[column].kind;
      if (exact) needMember(needs, kind, 'all');
      for (const item of items) {
        if (item.kind !== kind) continue;
        const id = resolvers.id(kind, item.name);
        if (id === undefined) throw new UnresolvedRoutingNameError(kind, item.name);
        needMember(needs, kind, id);
      }
    }
  }
  return needs;
}

/** The catalogues a set of rows needs: only the kinds their routing columns name. */
export function cataloguesNeeded(routings: Iterable<RoutingChanges>): Set<RoutingKind> {
  const kinds = new Set<RoutingKind>();
  for (const routing of routings) for (const use of namesUsed(routing)) kinds.add(use.kind);
  return kinds;
}
