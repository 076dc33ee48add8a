import type {
  Grant,
  GrantRef,
  NamedEntity,
  ProficiencyRef,
  UserRoutingLanguage,
  UserRoutingSkill,
} from '../genesys/routing-types.js';
import type { ListChange, ProficiencyItem, RoleGrantItem, RoutingChanges } from '../input/index.js';
import { PlanError } from './errors.js';
import { chunk } from './read-strategy.js';
import type { FieldDiff } from './user-change.js';

/** `PATCH|PUT /api/v2/users/{id}/routingskills/bulk`: skills per call. */
export const SKILLS_PER_CALL = 50;
/** `PATCH /api/v2/users/{id}/routinglanguages/bulk`: languages per call. */
export const LANGUAGES_PER_CALL = 50;
/** `POST /api/v2/routing/queues/{id}/members`: users per call. */
export const QUEUE_MEMBERS_PER_CALL = 100;
/** `POST /api/v2/authorization/divisions/{id}/objects/USER`: users per call. */
export const DIVISION_MOVES_PER_CALL = 50;

/** Diff values: a queue membership and a grant have no value beyond being there. */
export const MEMBER = 'member';
export const GRANTED = 'granted';

export type RoutingKind = 'skill' | 'language' | 'queue' | 'role' | 'division';

/** What a user has now, as read from the platform. */
export interface CurrentRouting {
  skills: readonly UserRoutingSkill[];
  languages: readonly UserRoutingLanguage[];
  /** The user's memberships among the queues the file names; other queues are never planned, so never read. */
  queueIds: ReadonlySet<string>;
  grants: readonly Grant[];
  divisionId?: string;
}

/**
 * Name → id, case-insensitive; the run layer checks every name resolves before planning, so an unresolved one here
 * is a bug. `nameOf` gives the catalogue's spelling for diffs; without it (or when it does not know an id) a diff
 * names an item as the assignment or the row does, or by its id.
 */
export interface RoutingResolvers {
  skillId(name: string): string | undefined;
  languageId(name: string): string | undefined;
  queueId(name: string): string | undefined;
  roleId(name: string): string | undefined;
  divisionId(name: string): string | undefined;
  nameOf?(kind: RoutingKind, id: string): string | undefined;
}

export interface PlanRoutingOptions {
  /**
   * Allow a change that leaves a user with no role at all. Off by default: such a user is locked out. A rollback
   * that restores a user who had none needs it.
   */
  allowNoRoles?: boolean;
}

/** One user's write, in the order it must run; `diffs` are the diffs it realises. */
export type UserRoutingWrite =
  /** `afterPut`: re-adds skills the preceding `skills-put` dropped; the whole body matters, not only its diffs. */
  | { kind: 'skills-patch'; body: ProficiencyRef[]; afterPut: boolean; diffs: FieldDiff[] }
  /** Replaces the user's whole skill set with `body`; the `skills-patch` calls after it add the rest. */
  | { kind: 'skills-put'; body: ProficiencyRef[]; diffs: FieldDiff[] }
  | { kind: 'languages-patch'; body: ProficiencyRef[]; diffs: FieldDiff[] }
  | { kind: 'language-delete'; languageId: string; diffs: FieldDiff[] }
  | { kind: 'grants-add' | 'grants-remove' | 'grants-replace'; body: { grants: GrantRef[] }; diffs: FieldDiff[] };

export interface QueueMembershipChange {
  queueId: string;
  remove: boolean;
  diff: FieldDiff;
}

export interface DivisionMove {
  divisionId: string;
  diff: FieldDiff;
}

/** One user's routing plan: plain JSON, like the rest of a saved plan. */
export interface RoutingPlan {
  /** Empty when the user already has everything the row asks for. */
  diffs: FieldDiff[];
  writes: UserRoutingWrite[];
  /** Grouped with other users' by planRoutingCalls. */
  queues: QueueMembershipChange[];
  division?: DivisionMove;
}

/** Which users a call changes and which of each user's diffs it realises (several calls may share a diff: none do). */
export interface CallRealises {
  userId: string;
  diffs: FieldDiff[];
}

type UserCall<W> = W extends { diffs: FieldDiff[] }
  ? Omit<W, 'diffs'> & { userId: string; realises: CallRealises[] }
  : never;

/** A platform call, serialisable. `realises` names every user the call changes. */
export type RoutingCall =
  | UserCall<UserRoutingWrite>
  /** `POST /api/v2/routing/queues/{queueId}/members` with `[{id}]`, and `?delete=true` when `remove`. */
  | { kind: 'queue-members'; queueId: string; userIds: string[]; remove: boolean; realises: CallRealises[] }
  /** `POST /api/v2/authorization/divisions/{divisionId}/objects/USER` with the user ids. */
  | { kind: 'division-move'; divisionId: string; userIds: string[]; realises: CallRealises[] };

/** Thrown when a name the run layer should have resolved has no id: a bug, not bad input. */
export class UnresolvedRoutingNameError extends Error {
  readonly kind: RoutingKind;
  readonly itemName: string;
  constructor(kind: RoutingKind, itemName: string) {
    super(`The ${kind} ${JSON.stringify(itemName)} was not resolved before planning.`);
    this.name = new.target.name;
    this.kind = kind;
    this.itemName = itemName;
  }
}

const KIND_ORDER: readonly RoutingKind[] = ['skill', 'language', 'queue', 'role', 'division'];
const COLUMN_OF: Record<RoutingKind, string> = {
  skill: 'skills',
  language: 'languages',
  queue: 'queues',
  role: 'roles',
  division: 'division',
};

/** Whether a diff's field is one of the routing fields (`skill:…`, `language:…`, `queue:…`, `role:…`, `division`). */
export function isRoutingField(field: string): boolean {
  return field === 'division' || /^(skill|language|queue|role):./.test(field);
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

  const queues: QueueMembershipChange[] = [];
  if (changes.queues !== undefined) {
    const touched = new Set<string>();
    const visit = (name: string, remove: boolean) => {
      const queueId = naming.id('queue', name);
      claim(touched, queueId, 'queue', name);
      if (current.queueIds.has(queueId) !== remove) return;
      const field = `queue:${naming.display('queue', queueId, name)}`;
      queues.push({ queueId, remove, diff: remove ? diff(field, MEMBER, null) : diff(field, null, MEMBER) });
    };
    for (const name of changes.queues.add) visit(name, false);
    for (const name of changes.queues.remove) visit(name, true);
    queues.sort((a, b) => compareText(a.diff.field, b.diff.field));
    diffs.push(...queues.map((q) => q.diff));
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
      division = { divisionId, diff: d };
    }
  }

  return { diffs, writes, queues, ...(division !== undefined ? { division } : {}) };
}

class Naming {
  constructor(private readonly resolvers: RoutingResolvers) {}

  id(kind: RoutingKind, name: string): string {
    const r = this.resolvers;
    const lookup = {
      skill: r.skillId,
      language: r.languageId,
      queue: r.queueId,
      role: r.roleId,
      division: r.divisionId,
    };
    const id = lookup[kind].call(r, name);
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
    throw new PlanError(
      'invalid_value',
      COLUMN_OF[kind],
      `${COLUMN_OF[kind]}: ${JSON.stringify(name)} names the same ${kind} as another item of the row.`,
    );
  }
  touched.add(id);
}

/** Proficiencies are 0–5 with one decimal; the platform may return 4 as 4.0, or with float noise. */
function sameProficiency(a: number, b: number): boolean {
  return Math.abs(a - b) < 1e-6;
}

function showProficiency(p: number): string {
  return String(Math.round(p * 10) / 10);
}

// ---------------------------------------------------------------------------------------------------------------
// skills and languages

interface ProficiencyPlan {
  diffs: FieldDiff[];
  /** The whole desired set, in the order it would be sent. */
  desired: ProficiencyRef[];
  /** Items that are new or change proficiency. */
  upserts: ProficiencyRef[];
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
  const set = (item: ProficiencyItem) => {
    const id = naming.id(kind, item.name);
    claim(touched, id, kind, item.name);
    if (!names.has(id)) names.set(id, naming.display(kind, id, item.name));
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
  const kept: ProficiencyRef[] = [];
  for (const id of ids) {
    const was = before.get(id);
    const will = after.get(id);
    if (was !== undefined && will !== undefined && sameProficiency(was, will)) {
      kept.push({ id, proficiency: will });
      continue;
    }
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
  // Unchanged items first: after a PUT, an item in a later chunk is missing until its PATCH lands, and a missing
  // changed item is covered by its diff (a rollback restores it) while a missing unchanged one is not.
  return { diffs, desired: [...kept, ...upserts], upserts, removals, diffOf };
}

function diffsOf(plan: ProficiencyPlan, ids: readonly string[]): FieldDiff[] {
  return ids.flatMap((id) => {
    const d = plan.diffOf.get(id);
    return d === undefined ? [] : [d];
  });
}

/**
 * Without removals, PATCH the changed skills. With removals, PUT the whole desired set (there is no bulk removal of
 * skills), 50 at a time: a PUT with the first chunk, PATCHes with the rest, as Genesys's Terraform provider does.
 */
function skillWrites(plan: ProficiencyPlan): UserRoutingWrite[] {
  if (plan.removals.length === 0) {
    return chunk(plan.upserts, SKILLS_PER_CALL).map((body) => ({
      kind: 'skills-patch',
      body,
      afterPut: false,
      diffs: diffsOf(
        plan,
        body.map((s) => s.id),
      ),
    }));
  }
  const [first = [], ...rest] = chunk(plan.desired, SKILLS_PER_CALL);
  return [
    { kind: 'skills-put', body: first, diffs: diffsOf(plan, [...first.map((s) => s.id), ...plan.removals]) },
    ...rest.map(
      (body): UserRoutingWrite => ({
        kind: 'skills-patch',
        body,
        afterPut: true,
        diffs: diffsOf(
          plan,
          body.map((s) => s.id),
        ),
      }),
    ),
  ];
}

function languageWrites(plan: ProficiencyPlan): UserRoutingWrite[] {
  return [
    ...chunk(plan.upserts, LANGUAGES_PER_CALL).map(
      (body): UserRoutingWrite => ({
        kind: 'languages-patch',
        body,
        diffs: diffsOf(
          plan,
          body.map((l) => l.id),
        ),
      }),
    ),
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

  if (change.mode === 'replace') {
    const grants = [...after.keys()].sort(byLabel).map((k) => after.get(k)!);
    return { diffs, writes: [{ kind: 'grants-replace', body: { grants }, diffs }] };
  }
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

// ---------------------------------------------------------------------------------------------------------------
// calls across users

/**
 * The calls that apply every user's plan: each user's own writes in input order, then queue memberships grouped per
 * queue (additions before removals, 100 users a call), then division moves grouped per division (50 a call), each
 * group ordered by id. Deterministic for the same input. Throws when a user appears twice.
 */
export function planRoutingCalls(perUser: readonly { userId: string; plan: RoutingPlan }[]): RoutingCall[] {
  const seen = new Set<string>();
  const calls: RoutingCall[] = [];
  const queues = new Map<string, { queueId: string; remove: boolean; members: CallRealises[] }>();
  const divisions = new Map<string, CallRealises[]>();

  for (const { userId, plan } of perUser) {
    if (seen.has(userId)) throw new Error(`User ${userId} appears twice in the routing plan input.`);
    seen.add(userId);
    for (const write of plan.writes) {
      const { diffs, ...call } = write;
      calls.push({ ...call, userId, realises: [{ userId, diffs }] } as RoutingCall);
    }
    for (const q of plan.queues) {
      const key = `${q.queueId}\u0000${q.remove ? 1 : 0}`;
      let group = queues.get(key);
      if (group === undefined) {
        group = { queueId: q.queueId, remove: q.remove, members: [] };
        queues.set(key, group);
      }
      group.members.push({ userId, diffs: [q.diff] });
    }
    if (plan.division !== undefined) {
      const group = divisions.get(plan.division.divisionId);
      const member = { userId, diffs: [plan.division.diff] };
      if (group === undefined) divisions.set(plan.division.divisionId, [member]);
      else group.push(member);
    }
  }

  const byId = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
  for (const key of [...queues.keys()].sort(byId)) {
    const { queueId, remove, members } = queues.get(key)!;
    for (const realises of chunk(members, QUEUE_MEMBERS_PER_CALL)) {
      calls.push({ kind: 'queue-members', queueId, userIds: realises.map((r) => r.userId), remove, realises });
    }
  }
  for (const divisionId of [...divisions.keys()].sort(byId)) {
    for (const realises of chunk(divisions.get(divisionId)!, DIVISION_MOVES_PER_CALL)) {
      calls.push({ kind: 'division-move', divisionId, userIds: realises.map((r) => r.userId), realises });
    }
  }
  return calls;
}

// ---------------------------------------------------------------------------------------------------------------
// rollback

/**
 * The changes (delta mode) that set every routing diff back to its before-value: what a rollback plans against the
 * user's state at that time. Names are the names in the diffs, so they resolve against the catalogue again; a role
 * field splits at its last `@`, as the input does. Throws RangeError on a field that is not a routing field.
 */
export function inverseRoutingChanges(diffs: readonly FieldDiff[]): RoutingChanges {
  const skills = { add: [] as ProficiencyItem[], remove: [] as string[] };
  const languages = { add: [] as ProficiencyItem[], remove: [] as string[] };
  const queues = { add: [] as string[], remove: [] as string[] };
  const roles = { add: [] as RoleGrantItem[], remove: [] as RoleGrantItem[] };
  let division: string | undefined;
  const used = new Set<RoutingKind>();

  for (const d of diffs) {
    if (d.field === 'division') {
      if (d.before === null) {
        throw new PlanError('not_invertible', d.field, 'division cannot be rolled back: the user had no division.');
      }
      division = d.before;
      used.add('division');
      continue;
    }
    const colon = d.field.indexOf(':');
    const kind = d.field.slice(0, colon) as RoutingKind;
    const name = d.field.slice(colon + 1);
    if (colon === -1 || !isRoutingField(d.field)) throw new RangeError(`Not a routing field: ${d.field}`);
    used.add(kind);
    switch (kind) {
      case 'skill':
      case 'language': {
        const target = kind === 'skill' ? skills : languages;
        if (d.before === null) target.remove.push(name);
        else target.add.push({ name, proficiency: Number(d.before) });
        break;
      }
      case 'queue':
        (d.before === null ? queues.remove : queues.add).push(name);
        break;
      case 'role': {
        const at = name.lastIndexOf('@');
        if (at === -1) throw new RangeError(`Not a role@division field: ${d.field}`);
        const grant = { role: name.slice(0, at), division: name.slice(at + 1) };
        (d.before === null ? roles.remove : roles.add).push(grant);
        break;
      }
    }
  }

  const out: RoutingChanges = {};
  if (used.has('skill')) out.skills = { mode: 'delta', ...skills };
  if (used.has('language')) out.languages = { mode: 'delta', ...languages };
  if (used.has('queue')) out.queues = queues;
  if (used.has('role')) out.roles = { mode: 'delta', ...roles };
  if (division !== undefined) out.division = division;
  return out;
}

// ---------------------------------------------------------------------------------------------------------------
// resolvers from catalogues

/**
 * Resolvers over the platform's catalogues (`GET /api/v2/routing/skills`, `…/languages`, `…/queues`,
 * `/api/v2/authorization/roles`, `…/divisions`). A name two entities share (ignoring case) resolves to nothing, as
 * does a deleted entity's; `nameOf` knows every id listed.
 */
export function catalogueResolvers(catalogue: Partial<Record<RoutingKind, readonly NamedEntity[]>>): RoutingResolvers {
  const byName = new Map<RoutingKind, Map<string, string | null>>();
  const byId = new Map<RoutingKind, Map<string, string>>();
  for (const kind of KIND_ORDER) {
    const names = new Map<string, string | null>();
    const ids = new Map<string, string>();
    for (const e of catalogue[kind] ?? []) {
      ids.set(e.id, e.name);
      if (e.state?.toLowerCase() === 'deleted') continue;
      const key = e.name.trim().toLowerCase();
      names.set(key, names.has(key) && names.get(key) !== e.id ? null : e.id);
    }
    byName.set(kind, names);
    byId.set(kind, ids);
  }
  const find = (kind: RoutingKind) => (name: string) => byName.get(kind)!.get(name.trim().toLowerCase()) ?? undefined;
  return {
    skillId: find('skill'),
    languageId: find('language'),
    queueId: find('queue'),
    roleId: find('role'),
    divisionId: find('division'),
    nameOf: (kind, id) => byId.get(kind)!.get(id),
  };
}
