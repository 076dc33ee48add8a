/**
 * Groups: the organisation's groups, their members and versions, and what a group carries to its members — queue
 * memberships (`memberBy: "group"` in a queue's member listing) and role grants (in the member's authorization
 * subject, with the group's id as `subjectId`).
 *
 * Members are copy-on-write against the initial state, like queue members, so a reset is cheap. Every change of a
 * group's members adds 1 to its version, as the platform's `version` on a group is documented to change.
 */
import type { GrantRef } from '../genesys/routing-types.js';
import type { GenesysUser } from '../genesys/types.js';
import { OnceHooks } from './once-hooks.js';
import { createPrng, deriveSeed } from './prng.js';
import { type CatalogueEntry, hostileName, type RoutingCatalogue } from './routing.js';

/** A group given to the emulator. Members, queues and grants are checked against the directory and catalogue. */
export interface GroupOption extends CatalogueEntry {
  /** User ids. */
  members?: string[];
  /** Queue ids the group is a member of: its members are queue members `memberBy: "group"`. */
  queues?: string[];
  /** Roles granted to the group: its members hold them through it. */
  grants?: GrantRef[];
  /** Initial version; default 1. */
  version?: number;
}

export interface GroupEntry extends CatalogueEntry {
  queues: readonly string[];
  grants: readonly GrantRef[];
}

export const DEFAULT_GROUP_COUNT = 8;

const GROUP_NAMES = [
  'Sales Team',
  'Billing Team',
  'Support Tier 1',
  'Support Tier 2',
  'Supervisors',
  'Night Shift',
  'Spanish Speakers',
  'Trainers',
  'Quality Reviewers',
  'Onboarding Cohort',
];

export interface GroupsOptions {
  seed: number;
  groups?: number | GroupOption[];
  users: readonly GenesysUser[];
  catalogue: RoutingCatalogue;
  /** Generated users only: given users belong to the groups given with them and no other. */
  generatedUsers: boolean;
  hostileNames?: boolean;
}

interface GroupsState {
  members: Map<string, Set<string>>;
  versions: Map<string, number>;
}

/** Groups for a seed; generated groups get about one user in eight each, and never a queue or a grant. */
function buildGroups(options: GroupsOptions): { groups: GroupEntry[]; state: GroupsState } {
  const state: GroupsState = { members: new Map(), versions: new Map() };
  const userIds = new Set(options.users.map((u) => u.id));
  if (Array.isArray(options.groups)) {
    const ids = new Set<string>();
    const names = new Set<string>();
    const queueIds = new Set(options.catalogue.queues.map((q) => q.id));
    const roleIds = new Set(options.catalogue.roles.map((r) => r.id));
    const divisionIds = new Set(options.catalogue.divisions.map((d) => d.id));
    const groups = options.groups.map((g): GroupEntry => {
      if (typeof g?.id !== 'string' || g.id === '' || typeof g.name !== 'string' || g.name === '') {
        throw new RangeError('groups: every entry needs a non-empty id and name');
      }
      if (ids.has(g.id)) throw new RangeError(`groups: id ${g.id} given twice`);
      if (names.has(g.name.toLowerCase())) throw new RangeError(`groups: name ${g.name} given twice`);
      ids.add(g.id);
      names.add(g.name.toLowerCase());
      for (const m of g.members ?? []) if (!userIds.has(m)) throw new RangeError(`groups: ${g.id}: no user ${m}`);
      for (const q of g.queues ?? []) if (!queueIds.has(q)) throw new RangeError(`groups: ${g.id}: no queue ${q}`);
      for (const r of g.grants ?? []) {
        if (!roleIds.has(r.roleId)) throw new RangeError(`groups: ${g.id}: no role ${r.roleId}`);
        if (!divisionIds.has(r.divisionId)) throw new RangeError(`groups: ${g.id}: no division ${r.divisionId}`);
      }
      const version = g.version ?? 1;
      if (!Number.isInteger(version) || version < 1) throw new RangeError(`groups: ${g.id}: version must be ≥ 1`);
      state.members.set(g.id, new Set(g.members ?? []));
      state.versions.set(g.id, version);
      return { id: g.id, name: g.name, queues: [...(g.queues ?? [])], grants: (g.grants ?? []).map((r) => ({ ...r })) };
    });
    return { groups, state };
  }
  const count = options.groups ?? DEFAULT_GROUP_COUNT;
  if (!Number.isInteger(count) || count < 0)
    throw new RangeError(`groups must be a non-negative integer, got ${count}`);
  const prng = createPrng(deriveSeed(options.seed, 'groups'));
  const groups = Array.from({ length: count }, (_, i): GroupEntry => {
    const round = Math.floor(i / GROUP_NAMES.length);
    const base = GROUP_NAMES[i % GROUP_NAMES.length] as string;
    const name = round === 0 ? base : `${base} ${round + 1}`;
    return { id: prng.uuid(), name: options.hostileNames ? hostileName(name, i) : name, queues: [], grants: [] };
  });
  for (const g of groups) {
    state.members.set(g.id, new Set());
    state.versions.set(g.id, 1);
  }
  if (options.generatedUsers && groups.length > 0) {
    for (const user of options.users) {
      if (!prng.chance(0.5)) continue;
      state.members.get(prng.pick(groups).id)?.add(user.id);
    }
  }
  return { groups, state };
}

export class GroupsStore {
  readonly groups: readonly GroupEntry[];
  readonly byId: ReadonlyMap<string, GroupEntry>;
  private readonly initial: GroupsState;
  private memberSets = new Map<string, Set<string>>();
  private versions = new Map<string, number>();
  private copied = new Set<string>();
  /** Groups each queue has as a member. */
  private readonly queueGroups = new Map<string, string[]>();
  /**
   * Run before a member write to the group is checked against its version: "another admin" may change the group
   * first (tests use it to make a write meet a version it did not read).
   */
  readonly beforeWrite = new OnceHooks<string>();

  constructor(options: GroupsOptions) {
    const { groups, state } = buildGroups(options);
    this.groups = groups;
    this.byId = new Map(groups.map((g) => [g.id, g]));
    this.initial = state;
    for (const g of groups) {
      for (const q of g.queues) this.queueGroups.set(q, [...(this.queueGroups.get(q) ?? []), g.id]);
    }
    this.reset();
  }

  reset(): void {
    this.memberSets = new Map(this.initial.members);
    this.versions = new Map(this.initial.versions);
    this.copied.clear();
    this.beforeWrite.clear();
  }

  /** Undefined for an unknown or deleted group. */
  members(groupId: string): ReadonlySet<string> | undefined {
    return this.memberSets.get(groupId);
  }

  /** The group, unless unknown or deleted. */
  live(groupId: string): GroupEntry | undefined {
    return this.memberSets.has(groupId) ? this.byId.get(groupId) : undefined;
  }

  /** "Another admin" deletes the group: it is listed and found no more, and gives no membership (until a reset). */
  delete(groupId: string): void {
    this.memberSets.delete(groupId);
  }

  version(groupId: string): number {
    return this.versions.get(groupId) ?? 1;
  }

  /** Ids of the groups a user is a member of, in catalogue order. */
  groupsOf(userId: string): string[] {
    return this.groups.filter((g) => this.memberSets.get(g.id)?.has(userId)).map((g) => g.id);
  }

  /** The groups through which a user is a member of a queue (empty when none). */
  queueGroupsOf(queueId: string, userId: string): string[] {
    return (this.queueGroups.get(queueId) ?? []).filter((g) => this.memberSets.get(g)?.has(userId));
  }

  /** The groups that are members of a queue. */
  groupsInQueue(queueId: string): GroupEntry[] {
    return (this.queueGroups.get(queueId) ?? []).flatMap((id) => {
      const g = this.byId.get(id);
      return g ? [g] : [];
    });
  }

  /** Users who are members of a queue through one of its groups. */
  queueMembersByGroup(queueId: string): Set<string> {
    const out = new Set<string>();
    for (const g of this.queueGroups.get(queueId) ?? []) for (const u of this.memberSets.get(g) ?? []) out.add(u);
    return out;
  }

  /** The grants a user holds through groups, with the group each comes from. */
  grantsOf(userId: string): { groupId: string; grant: GrantRef }[] {
    return this.groups
      .filter((g) => g.grants.length > 0 && this.memberSets.get(g.id)?.has(userId))
      .flatMap((g) => g.grants.map((grant) => ({ groupId: g.id, grant })));
  }

  private writable(groupId: string): Set<string> {
    let members = this.memberSets.get(groupId);
    if (!members) throw new Error(`no group ${groupId}`);
    if (!this.copied.has(groupId)) {
      members = new Set(members);
      this.memberSets.set(groupId, members);
      this.copied.add(groupId);
    }
    return members;
  }

  /** Adds or removes members; the version goes up by one when any membership changed. */
  change(groupId: string, userIds: readonly string[], remove: boolean): void {
    const members = this.writable(groupId);
    let changed = false;
    for (const id of userIds) {
      if (members.has(id) === remove) {
        changed = true;
        if (remove) members.delete(id);
        else members.add(id);
      }
    }
    if (changed) this.versions.set(groupId, this.version(groupId) + 1);
  }
}
