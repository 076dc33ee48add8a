/**
 * The routing and access columns and the catalogue kind each names items of: the one table the input, plan and run
 * layers share. A diff's field is `<kind>:<name>` (or `division`); a catalogue is listed per kind.
 *
 * A membership kind (a queue's members) is a list of names resolved against its catalogue and written through the
 * entity's member endpoint: add one here, its adapter calls in run/routing-adapters.ts, and every layer takes it.
 */
import { GROUP_MEMBERS_PER_CALL } from '../genesys/groups-client.js';
import { BULK_LIMITS } from '../genesys/routing-types.js';

export interface MembershipSpec {
  /** The catalogue kind, and a diff field's prefix. */
  kind: string;
  /** One item, in messages. */
  noun: string;
  /** Users one member call may add or remove. */
  membersPerCall: number;
  /**
   * Why a cell cannot give the user's exact list (plain names, `<clear>`, `replace`), when it cannot, as the end of
   * "removing every membership …"; without it, an exact list replaces the user's memberships of this kind, which
   * the run then reads per user (the adapter's `ofUser`).
   */
  noExactList?: string;
}

export const MEMBERSHIPS = {
  queues: {
    kind: 'queue',
    noun: 'queue',
    membersPerCall: BULK_LIMITS.queueMembers,
    noExactList: "would mean reading every queue's members",
  },
  groups: {
    kind: 'group',
    noun: 'group',
    membersPerCall: GROUP_MEMBERS_PER_CALL,
  },
} as const satisfies Record<string, MembershipSpec>;

export type MembershipColumn = keyof typeof MEMBERSHIPS;

/** Why a membership column takes no exact list, or undefined when it takes one. */
export const noExactList = (column: MembershipColumn): string | undefined =>
  (MEMBERSHIPS[column] as MembershipSpec).noExactList;
export type MembershipKind = (typeof MEMBERSHIPS)[MembershipColumn]['kind'];
export const MEMBERSHIP_COLUMNS = Object.keys(MEMBERSHIPS) as MembershipColumn[];

export type ProficiencyColumn = 'skills' | 'languages';
export type RoutingColumn = ProficiencyColumn | MembershipColumn | 'roles' | 'division';
/** In the order a row's routing is shown and planned. */
export const ROUTING_COLUMNS: readonly RoutingColumn[] = [
  'skills',
  'languages',
  ...MEMBERSHIP_COLUMNS,
  'roles',
  'division',
];

export type RoutingKind = 'skill' | 'language' | MembershipKind | 'role' | 'division';

/** The kind a column names (a role grant names a division too). */
export const KIND_OF: Record<RoutingColumn, RoutingKind> = {
  skills: 'skill',
  languages: 'language',
  ...(Object.fromEntries(MEMBERSHIP_COLUMNS.map((c) => [c, MEMBERSHIPS[c].kind])) as Record<
    MembershipColumn,
    MembershipKind
  >),
  roles: 'role',
  division: 'division',
};

/** The column whose items are of a kind. */
export const COLUMN_OF = Object.fromEntries(ROUTING_COLUMNS.map((c) => [KIND_OF[c], c])) as Record<
  RoutingKind,
  RoutingColumn
>;

export const ROUTING_KINDS: readonly RoutingKind[] = ROUTING_COLUMNS.map((c) => KIND_OF[c]);

export function isMembershipColumn(column: string): column is MembershipColumn {
  return Object.hasOwn(MEMBERSHIPS, column);
}

export function isMembershipKind(kind: string): kind is MembershipKind {
  return MEMBERSHIP_COLUMNS.some((c) => MEMBERSHIPS[c].kind === kind);
}

export function membershipOf(kind: MembershipKind): MembershipSpec & { column: MembershipColumn } {
  const column = COLUMN_OF[kind] as MembershipColumn;
  return { ...MEMBERSHIPS[column], column };
}
