import type { Grant, GrantRef, ProficiencyRef } from '../genesys/routing-types.js';
import {
  COLUMN_OF,
  type ListChange,
  MEMBERSHIP_COLUMNS,
  MEMBERSHIPS,
  type MembershipKind,
  type ProficiencyItem,
  type RoleGrantItem,
  type RoutingChanges,
  type RoutingKind,
} from '../input/index.js';
import type { RoutingResolvers } from './catalogue.js';
import { PlanError, UnresolvedRoutingNameError } from './errors.js';
import type { FieldDiff } from './fields.js';
import { chunk } from './read-strategy.js';
import { type CurrentRouting, fieldName, GRANTED, MEMBER, sameProficiency, showProficiency } from './routing-fields.js';

export type { CurrentRouting } from './routing-fields.js';

/** `PATCH|PUT /api/v2/users/{id}/routingskills/bulk`: skills per call. */
export const SKILLS_PER_CALL = 50;
/** `PATCH /api/v2/users/{id}/routinglanguages/bulk`: languages per call. */
export const LANGUAGES_PER_CALL = 50;

export interface PlanRoutingOptions {
  /**
   * Allow a change that leaves a user with no role at all. Off by default: such a user is locked out. A rollback
   * that restores a user who had none needs it.
   */
  allowNoRoles?: boolean;
}

/** One user's write, in the order it must run; `diffs` are the diffs it realises. */
export type UserRoutingWrite =
  | { kind: 'skills-patch'; body: ProficiencyRef[]; anyProficiency?: string[]; diffs: FieldDiff[] }
  | { kind: 'skill-delete'; skillId: string; diffs: FieldDiff[] }
  | { kind: 'languages-patch'; body: ProficiencyRef[]; anyProficiency?: string[]; diffs: FieldDiff[] }
  | { kind: 'language-delete'; languageId: string; diffs: FieldDiff[] }
  | { kind: 'grants-add' | 'grants-remove'; body: { grants: GrantRef[] }; diffs: FieldDiff[] };

/** Adding the user to an entity's members (`remove`: taking them out); grouped with other users' into calls. */
export interface MembershipChange {
  kind: MembershipKind;
  entityId: string;
  remove: boolean;
  diff: FieldDiff;
}

export interface DivisionMove {
  divisionId: string;
  /** The division the user was in when planned: a move carries no version, so the run checks it before the call. */
  fromId?: string;
  diff: FieldDiff;
}

/** One user's routing plan: plain JSON, like the rest of a saved plan. */
export interface RoutingPlan {
  /** Empty when the user already has everything the row asks for. */
  diffs: FieldDiff[];
  writes: UserRoutingWrite[];
  /** Grouped with other users' by planRoutingCalls. */
  memberships: MembershipChange[];
  division?: DivisionMove;
}

/**
 * Compares a user's routing with what a row asks for: the diffs, the user's own writes and the queue and division
 * changes to group with other users'. Pure and idempotent: planning again against the state the writes produce
 * yields nothing.
 */
export function planRouting(
  current: CurrentRouting,
  changes: RoutingChanges,
  resolvers: RoutingResolvers,
  options: PlanRoutingOptions = {},
): RoutingPlan {
  const diffs: FieldDiff[] = [];
  const writes: UserRoutingWrite[] = [];
  const naming = new Naming(resolvers);

  if (changes.skills !== undefined) {
    const p = planProficiencies('skill', current.skills, changes.skills, naming);
    diffs.push(...p.diffs);
    writes.push(...skillWrites(p));
  }
  if (changes.languages !== undefined) {
    const p = planProficiencies('language', current.languages, changes.languages, naming);
    diffs.push(...p.diffs);
    writes.push(...languageWrites(p));
  }

  const memberships: MembershipChange[] = [];
  for (const column of MEMBERSHIP_COLUMNS) {
    const change = changes[column];
    if (change === undefined) continue;
    const planned = planMemberships(
      MEMBERSHIPS[column].kind,
      current.memberOf[MEMBERSHIPS[column].kind],
      change,
      naming,
    );
    memberships.push(...planned);
    diffs.push(...planned.map((m) => m.diff));
  }

  if (changes.roles !== undefined) {
    const p = planGrants(current.grants, changes.roles, naming, options);
    diffs.push(...p.diffs);
    writes.push(...p.writes);
  }

  let division: DivisionMove | undefined;
  if (changes.division !== undefined) {
    const divisionId = naming.id('division', changes.division);
    if (divisionId !== current.divisionId) {
      const before = current.divisionId === undefined ? null : naming.display('division', current.divisionId);
      const d = diff('division', before, naming.display('division', divisionId, changes.division));
      diffs.push(d);
      division = { divisionId, ...(current.divisionId !== undefined ? { fromId: current.divisionId } : {}), diff: d };
    }
  }

  return { diffs, writes, memberships, ...(division !== undefined ? { division } : {}) };
}

class Naming {
  constructor(private readonly resolvers: RoutingResolvers) {}

  id(kind: RoutingKind, name: string): string {
    const id = this.resolvers.id(kind, name);
    if (id === undefined) throw new UnresolvedRoutingNameError(kind, name);
    return id;
  }

  /** The catalogue's name for an id, else the name the platform or the row gave, else the id. */
  display(kind: RoutingKind, id: string, ...fallbacks: (string | undefined)[]): string {
    return this.resolvers.nameOf?.(kind, id) ?? fallbacks.find((n) => n !== undefined && n.trim() !== '') ?? id;
  }
}

function diff(field: string, before: string | null, after: string | null): FieldDiff {
  return { field, before, after };
}

function compareText(a: string, b: string): number {
  const x = a.toLowerCase();
  const y = b.toLowerCase();
  return x < y ? -1 : x > y ? 1 : a < b ? -1 : a > b ? 1 : 0;
}

/** Two names of one row that resolve to one id would make the outcome depend on their order. */
function claim(touched: Set<string>, id: string, kind: RoutingKind, name: string): void {
  if (touched.has(id)) {
    const column = COLUMN_OF[kind];
    throw new PlanError(
      'invalid_value',
      column,
      `${column}: ${JSON.stringify(name)} names the same ${kind} as another item of the row.`,
    );
  }
  touched.add(id);
}

// ---------------------------------------------------------------------------------------------------------------
// skills and languages

interface ProficiencyPlan {
  diffs: FieldDiff[];
  /** Items that are new or change proficiency. */
  upserts: ProficiencyRef[];
  /**
   * New items the row names without a proficiency (`+Billing`: 0 if new, else kept): one someone else gives the
   * user before the write is left at theirs.
   */
  anyProficiency: Set<string>;
  removals: string[];
  diffOf: Map<string, FieldDiff>;
}

function planProficiencies(
  kind: 'skill' | 'language',
  current: readonly { id: string; name?: string; proficiency: number }[],
  change: ListChange<ProficiencyItem>,
  naming: Naming,
): ProficiencyPlan {
  const before = new Map(current.map((c) => [c.id, c.proficiency]));
  const names = new Map(current.map((c) => [c.id, naming.display(kind, c.id, c.name)]));
  const after = new Map(change.mode === 'replace' ? [] : before);
  const touched = new Set<string>();
  const anyProficiency = new Set<string>();
  const set = (item: ProficiencyItem) => {
    const id = naming.id(kind, item.name);
    claim(touched, id, kind, item.name);
    if (!names.has(id)) names.set(id, naming.display(kind, id, item.name));
    if (item.proficiency === undefined && !before.has(id)) anyProficiency.add(id);
    after.set(id, item.proficiency ?? before.get(id) ?? 0);
  };
  if (change.mode === 'replace') change.items.forEach(set);
  else {
    change.add.forEach(set);
    for (const name of change.remove) {
      const id = naming.id(kind, name);
      claim(touched, id, kind, name);
      after.delete(id);
    }
  }

  const ids = [...new Set([...before.keys(), ...after.keys()])].sort(
    (a, b) => compareText(names.get(a) ?? a, names.get(b) ?? b) || compareText(a, b),
  );
  const diffs: FieldDiff[] = [];
  const diffOf = new Map<string, FieldDiff>();
  const upserts: ProficiencyRef[] = [];
  const removals: string[] = [];
  for (const id of ids) {
    const was = before.get(id);
    const will = after.get(id);
    if (was !== undefined && will !== undefined && sameProficiency(was, will)) continue;
    const d = diff(
      `${kind}:${names.get(id) ?? id}`,
      was === undefined ? null : showProficiency(was),
      will === undefined ? null : showProficiency(will),
    );
    diffs.push(d);
    diffOf.set(id, d);
    if (will === undefined) removals.push(id);
    else upserts.push({ id, proficiency: will });
  }
  return { diffs, upserts, removals, diffOf, anyProficiency };
}

/** The PATCHes of a plan's new and changed items, 50 a call. */
function patches<K extends 'skills-patch' | 'languages-patch'>(
  kind: K,
  plan: ProficiencyPlan,
  perCall: number,
): { kind: K; body: ProficiencyRef[]; anyProficiency?: string[]; diffs: FieldDiff[] }[] {
  return chunk(plan.upserts, perCall).map((body) => {
    const any = body.filter((i) => plan.anyProficiency.has(i.id)).map((i) => i.id);
    return {
      kind,
      body,
      ...(any.length > 0 ? { anyProficiency: any } : {}),
      diffs: diffsOf(
        plan,
        body.map((i) => i.id),
      ),
    };
  });
}

function diffsOf(plan: ProficiencyPlan, ids: readonly string[]): FieldDiff[] {
  return ids.flatMap((id) => {
    const d = plan.diffOf.get(id);
    return d === undefined ? [] : [d];
  });
}

/**
 * PATCH the added and changed skills, 50 at a time, then DELETE each removed one. Never a PUT of the whole set: the
 * write may come long after the read, and a PUT would undo what someone else did to the user's other skills meanwhile
 * (one added, a proficiency changed) although the row never named them.
 */
function skillWrites(plan: ProficiencyPlan): UserRoutingWrite[] {
  return [
    ...patches('skills-patch', plan, SKILLS_PER_CALL),
    ...plan.removals.map(
      (skillId): UserRoutingWrite => ({ kind: 'skill-delete', skillId, diffs: diffsOf(plan, [skillId]) }),
    ),
  ];
}

function languageWrites(plan: ProficiencyPlan): UserRoutingWrite[] {
  return [
    ...patches('languages-patch', plan, LANGUAGES_PER_CALL),
    ...plan.removals.map(
      (languageId): UserRoutingWrite => ({
        kind: 'language-delete',
        languageId,
        diffs: diffsOf(plan, [languageId]),
      }),
    ),
  ];
}

// ---------------------------------------------------------------------------------------------------------------
// memberships

/**
 * A user's memberships of one kind: changes touch only the entities they name; an exact list also takes the user
 * out of every entity it leaves out (then `current` is the user's whole list).
 */
function planMemberships(
  kind: MembershipKind,
  current: ReadonlySet<string> = new Set(),
  change: ListChange<string>,
  naming: Naming,
): MembershipChange[] {
  const out: MembershipChange[] = [];
  const touched = new Set<string>();
  const visit = (name: string | undefined, entityId: string, remove: boolean) => {
    if (current.has(entityId) !== remove) return;
    const field = fieldName({ kind, name: naming.display(kind, entityId, name) });
    out.push({ kind, entityId, remove, diff: remove ? diff(field, MEMBER, null) : diff(field, null, MEMBER) });
  };
  const resolve = (name: string) => {
    const id = naming.id(kind, name);
    claim(touched, id, kind, name);
    return id;
  };
  if (change.mode === 'replace') {
    for (const name of change.items) visit(name, resolve(name), false);
    for (const id of current) if (!touched.has(id)) visit(undefined, id, true);
  } else {
    for (const name of change.add) visit(name, resolve(name), false);
    for (const name of change.remove) visit(name, resolve(name), true);
  }
  return out.sort((a, b) => compareText(a.diff.field, b.diff.field));
}

// ---------------------------------------------------------------------------------------------------------------
// roles

function grantKey(g: GrantRef): string {
  return `${g.roleId}\u0000${g.divisionId}`;
}

function planGrants(
  current: readonly Grant[],
  change: ListChange<RoleGrantItem, RoleGrantItem>,
  naming: Naming,
  options: PlanRoutingOptions,
): { diffs: FieldDiff[]; writes: UserRoutingWrite[] } {
  const label = new Map<string, string>();
  const before = new Map<string, GrantRef>();
  for (const g of current) {
    const ref = { roleId: g.role.id, divisionId: g.division.id };
    before.set(grantKey(ref), ref);
    const role = naming.display('role', ref.roleId, g.role.name);
    label.set(grantKey(ref), `${role}@${naming.display('division', ref.divisionId, g.division.name)}`);
  }
  const resolve = (item: RoleGrantItem): GrantRef => {
    const ref = { roleId: naming.id('role', item.role), divisionId: naming.id('division', item.division) };
    const key = grantKey(ref);
    if (!label.has(key)) {
      const role = naming.display('role', ref.roleId, item.role);
      label.set(key, `${role}@${naming.display('division', ref.divisionId, item.division)}`);
    }
    return ref;
  };

  const after = new Map(change.mode === 'replace' ? [] : before);
  const touched = new Set<string>();
  const set = (item: RoleGrantItem) => {
    const ref = resolve(item);
    claim(touched, grantKey(ref), 'role', `${item.role}@${item.division}`);
    after.set(grantKey(ref), ref);
  };
  if (change.mode === 'replace') change.items.forEach(set);
  else {
    change.add.forEach(set);
    for (const item of change.remove) {
      const ref = resolve(item);
      claim(touched, grantKey(ref), 'role', `${item.role}@${item.division}`);
      after.delete(grantKey(ref));
    }
  }
  if (after.size === 0 && before.size > 0 && !options.allowNoRoles) {
    throw new PlanError(
      'invalid_value',
      'roles',
      'roles: the change would leave the user with no role at all, which locks them out; keep at least one.',
    );
  }

  const byLabel = (a: string, b: string) => compareText(label.get(a)!, label.get(b)!) || compareText(a, b);
  const added = [...after.keys()].filter((k) => !before.has(k)).sort(byLabel);
  const removed = [...before.keys()].filter((k) => !after.has(k)).sort(byLabel);
  const addDiffs = added.map((k) => diff(`role:${label.get(k)}`, null, GRANTED));
  const removeDiffs = removed.map((k) => diff(`role:${label.get(k)}`, GRANTED, null));
  const diffs = [...addDiffs, ...removeDiffs].sort((a, b) => compareText(a.field, b.field));
  if (diffs.length === 0) return { diffs, writes: [] };

  // An exact list too is written as its grants and revocations, never as a bulkreplace of the set planned: the
  // write may come long after the read (a large run), and a replace would revoke a grant someone gave meanwhile.
  // Grants before revocations, so that a user being moved from one role to another always holds one of them.
  const writes: UserRoutingWrite[] = [];
  if (added.length > 0) {
    writes.push({ kind: 'grants-add', body: { grants: added.map((k) => after.get(k)!) }, diffs: addDiffs });
  }
  if (removed.length > 0) {
    writes.push({ kind: 'grants-remove', body: { grants: removed.map((k) => before.get(k)!) }, diffs: removeDiffs });
  }
  return { diffs, writes };
}
