/**
 * Routing and access state: the organisation's catalogue (skills, languages, queues, roles, divisions) and each
 * user's assignments (skills and languages with proficiency, queue memberships, role grants in divisions).
 *
 * The catalogue is fixed for the emulator's life. Assignments are copy-on-write against the initial state, so a
 * reset costs one shallow map copy.
 */
import { type GrantRef, PROFICIENCY_MAX, PROFICIENCY_MIN, type ProficiencyRef } from '../genesys/routing-types.js';
import type { Division, GenesysUser } from '../genesys/types.js';
import { hostileName, LANGUAGE_NAMES, names, QUEUE_NAMES, ROLE_NAMES, SKILL_NAMES } from './catalogue-names.js';
import { directoryDivisions } from './directory.js';
import { createPrng, deriveSeed, type Prng } from './prng.js';

export { HOSTILE_SUFFIXES, hostileName } from './catalogue-names.js';

export interface CatalogueEntry {
  id: string;
  name: string;
}

export interface QueueEntry extends CatalogueEntry {
  division: Division;
}

export interface DivisionEntry extends CatalogueEntry {
  homeDivision: boolean;
}

export interface RoutingCatalogue {
  skills: CatalogueEntry[];
  languages: CatalogueEntry[];
  queues: QueueEntry[];
  roles: CatalogueEntry[];
  divisions: DivisionEntry[];
}

/** A queue given to the emulator: without `divisionId` it is in `Home`. */
export interface QueueOption extends CatalogueEntry {
  divisionId?: string;
}

/** A user's initial assignments, as given to the emulator. Each field given replaces the generated one. */
export interface UserAssignments {
  skills?: ProficiencyRef[];
  languages?: ProficiencyRef[];
  /** Queue ids. */
  queues?: string[];
  grants?: GrantRef[];
}

export interface CatalogueOptions {
  seed: number;
  /** A count to generate (default 40) or the skills themselves. */
  skills?: number | CatalogueEntry[];
  /** Default 10. */
  languages?: number | CatalogueEntry[];
  /** Default 20. */
  queues?: number | QueueOption[];
  /** Default 12. */
  roles?: number | CatalogueEntry[];
  /** Divisions besides the directory's five (`Home` first) and any the given users are in. */
  divisions?: CatalogueEntry[];
  /** The users, for the divisions they are in. */
  users?: readonly GenesysUser[];
  /** Generated names end in escape sequences (EmulatorOptions.hostileNames). */
  hostileNames?: boolean;
}

export const DEFAULT_CATALOGUE_SIZES = { skills: 40, languages: 10, queues: 20, roles: 12 } as const;

function checkCount(what: string, count: number): void {
  if (!Number.isInteger(count) || count < 0)
    throw new RangeError(`${what} must be a non-negative integer, got ${count}`);
}

/** Explicit entries: non-empty string ids and names, no id or name twice (the platform's names are unique). */
function checkEntries(what: string, entries: readonly CatalogueEntry[]): void {
  const ids = new Set<string>();
  const seen = new Set<string>();
  for (const entry of entries) {
    if (typeof entry?.id !== 'string' || entry.id === '' || typeof entry.name !== 'string' || entry.name === '') {
      throw new RangeError(`${what}: every entry needs a non-empty id and name`);
    }
    if (ids.has(entry.id)) throw new RangeError(`${what}: id ${entry.id} given twice`);
    if (seen.has(entry.name.toLowerCase())) throw new RangeError(`${what}: name ${entry.name} given twice`);
    ids.add(entry.id);
    seen.add(entry.name.toLowerCase());
  }
}

function entries(
  what: string,
  option: number | CatalogueEntry[] | undefined,
  fallback: number,
  base: readonly string[],
  prng: Prng,
): CatalogueEntry[] {
  if (Array.isArray(option)) {
    checkEntries(what, option);
    return option.map(({ id, name }) => ({ id, name }));
  }
  const count = option ?? fallback;
  checkCount(what, count);
  return names(base, count).map((name) => ({ id: prng.uuid(), name }));
}

const divisionRef = (d: DivisionEntry): Division => ({
  id: d.id,
  name: d.name,
  selfUri: `/api/v2/authorization/divisions/${d.id}`,
});

/**
 * The catalogue for a seed: the same options always give the same ids. Each kind has its own random stream, so
 * changing how many skills there are leaves the queues' ids alone.
 */
export function generateCatalogue(options: CatalogueOptions): RoutingCatalogue {
  const { seed } = options;
  const stream = (kind: string): Prng => createPrng(deriveSeed(seed, `catalogue:${kind}`));

  const divisions: DivisionEntry[] = directoryDivisions(seed).map((d, i) => ({
    id: d.id,
    name: d.name ?? d.id,
    homeDivision: i === 0,
  }));
  const add = (id: string, name: string): void => {
    if (!divisions.some((d) => d.id === id)) divisions.push({ id, name, homeDivision: false });
  };
  for (const user of options.users ?? [])
    if (user.division) add(user.division.id, user.division.name ?? user.division.id);
  if (options.divisions) {
    checkEntries('divisions', options.divisions);
    for (const d of options.divisions) add(d.id, d.name);
  }
  const home = divisions[0] as DivisionEntry;

  const skills = entries('skills', options.skills, DEFAULT_CATALOGUE_SIZES.skills, SKILL_NAMES, stream('skills'));
  const languages = entries(
    'languages',
    options.languages,
    DEFAULT_CATALOGUE_SIZES.languages,
    LANGUAGE_NAMES,
    stream('languages'),
  );
  const roles = entries('roles', options.roles, DEFAULT_CATALOGUE_SIZES.roles, ROLE_NAMES, stream('roles'));

  let queues: QueueEntry[];
  if (Array.isArray(options.queues)) {
    checkEntries('queues', options.queues);
    queues = options.queues.map(({ id, name, divisionId }) => {
      const division = divisionId === undefined ? home : divisions.find((d) => d.id === divisionId);
      if (!division) throw new RangeError(`queues: queue ${id} is in division ${divisionId}, which does not exist`);
      return { id, name, division: divisionRef(division) };
    });
  } else {
    const count = options.queues ?? DEFAULT_CATALOGUE_SIZES.queues;
    checkCount('queues', count);
    const prng = stream('queues');
    queues = names(QUEUE_NAMES, count).map((name) => {
      const id = prng.uuid();
      // Half the queues in Home, the rest spread over the generated divisions.
      const division = prng.chance(0.5) ? home : prng.pick(divisions.slice(0, 5));
      return { id, name, division: divisionRef(division) };
    });
  }
  if (!options.hostileNames) return { skills, languages, queues, roles, divisions };
  // Given entries keep their names; generated ones (the lists above, and the directory's divisions) turn hostile.
  const given = (option: unknown) => Array.isArray(option);
  const turn = <T extends { name: string }>(list: T[], keep: boolean): T[] =>
    keep ? list : list.map((e, i) => ({ ...e, name: hostileName(e.name, i) }));
  const givenDivisions = new Set((options.divisions ?? []).map((d) => d.id));
  const hostileDivisions = divisions.map((d, i) =>
    givenDivisions.has(d.id) ? d : { ...d, name: hostileName(d.name, i) },
  );
  const divisionNames = new Map(hostileDivisions.map((d) => [d.id, d.name]));
  return {
    skills: turn(skills, given(options.skills)),
    languages: turn(languages, given(options.languages)),
    queues: turn(queues, given(options.queues)).map((q) => ({
      ...q,
      division: { ...q.division, name: divisionNames.get(q.division.id) ?? q.division.name },
    })),
    roles: turn(roles, given(options.roles)),
    divisions: hostileDivisions,
  };
}

/** One user's skills, languages and grants. Never mutated: a change replaces the record. */
export interface UserRouting {
  /** Skill id → proficiency. */
  skills: ReadonlyMap<string, number>;
  /** Language id → proficiency. */
  languages: ReadonlyMap<string, number>;
  grants: readonly GrantRef[];
  /** The authorization subject's version: + 1 on every change of its grants. */
  subjectVersion: number;
}

const EMPTY: UserRouting = { skills: new Map(), languages: new Map(), grants: [], subjectVersion: 1 };

export interface RoutingState {
  users: Map<string, UserRouting>;
  /** Queue id → member user ids. */
  queues: Map<string, Set<string>>;
}

const sameGrant = (a: GrantRef, b: GrantRef): boolean => a.roleId === b.roleId && a.divisionId === b.divisionId;

function uniqueGrants(grants: readonly GrantRef[]): GrantRef[] {
  const out: GrantRef[] = [];
  for (const g of grants)
    if (!out.some((o) => sameGrant(o, g))) out.push({ roleId: g.roleId, divisionId: g.divisionId });
  return out;
}

/**
 * Assignments for a generated directory. Users are drawn in directory order from one stream, so a shorter directory's
 * assignments are a prefix of a longer one's with the same seed and catalogue.
 */
export function generateAssignments(
  users: readonly GenesysUser[],
  catalogue: RoutingCatalogue,
  seed: number,
): RoutingState {
  const prng = createPrng(deriveSeed(seed, 'routing'));
  const state: RoutingState = { users: new Map(), queues: new Map(catalogue.queues.map((q) => [q.id, new Set()])) };
  // A catalogue without a role of that name (given by a test) grants its first role instead.
  const role = (name: string): CatalogueEntry | undefined =>
    catalogue.roles.find((r) => r.name === name) ?? catalogue.roles[0];
  const roles = {
    employee: role('Employee'),
    admin: role('Admin'),
    supervisor: role('Supervisor'),
    agent: role('Agent'),
    evaluator: role('Quality Evaluator'),
  };
  const home = catalogue.divisions[0] as DivisionEntry;
  const english = catalogue.languages.find((l) => l.name === 'English');

  // Generated grants and languages come in a few dozen combinations each: sharing them (they are never mutated)
  // spares the collector.
  const grantSets = new Map<number, readonly GrantRef[]>();
  const languageSets = new Map<number, ReadonlyMap<string, number>>();
  const divisionIndex = new Map(catalogue.divisions.map((d, i) => [d.id, i]));
  const noSkills: ReadonlyMap<string, number> = new Map();

  users.forEach((user, i) => {
    let skills = noSkills;
    const skillCount = Math.min(prng.int(0, 5), catalogue.skills.length);
    if (skillCount > 0) {
      const chosen = new Map<string, number>();
      while (chosen.size < skillCount) {
        const skill = prng.pick(catalogue.skills);
        if (!chosen.has(skill.id)) chosen.set(skill.id, prng.int(0, 5));
      }
      skills = chosen;
    }
    const englishLevel = english && prng.chance(0.9) ? prng.int(4, 5) : 0;
    const second =
      catalogue.languages.length > 0 && prng.chance(0.25) ? prng.int(0, catalogue.languages.length - 1) : -1;
    const secondLevel = second >= 0 ? prng.int(1, 5) : 0;
    const languageKey = (englishLevel * 100_000 + second + 1) * 10 + secondLevel;
    let languages = languageSets.get(languageKey);
    if (!languages) {
      const spoken = new Map<string, number>();
      if (english && englishLevel > 0) spoken.set(english.id, englishLevel);
      if (second >= 0) spoken.set((catalogue.languages[second] as CatalogueEntry).id, secondLevel);
      languages = spoken;
      languageSets.set(languageKey, languages);
    }
    const own = divisionIndex.get(user.division?.id ?? home.id) ?? 0;
    // 0 none, 1 admin (the first three users), 2 supervisor, 3 agent.
    const role = i < 3 ? 1 : prng.chance(0.1) ? 2 : prng.chance(0.9) ? 3 : 0;
    const evaluator = prng.chance(0.05);
    const grantKey = (own * 4 + role) * 2 + (evaluator ? 1 : 0);
    let grants = grantSets.get(grantKey);
    if (!grants) {
      const ownId = (catalogue.divisions[own] as DivisionEntry).id;
      const picked: [CatalogueEntry | undefined, string][] = [[roles.employee, home.id]];
      if (role === 1) picked.push([roles.admin, home.id]);
      if (role === 2) picked.push([roles.supervisor, ownId]);
      if (role === 3) picked.push([roles.agent, ownId]);
      if (evaluator) picked.push([roles.evaluator, ownId]);
      grants = uniqueGrants(picked.flatMap(([r, divisionId]) => (r ? [{ roleId: r.id, divisionId }] : [])));
      grantSets.set(grantKey, grants);
    }
    state.users.set(user.id, { skills, languages, grants, subjectVersion: 1 });
    const queueCount = Math.min(prng.int(0, 3), catalogue.queues.length);
    const queues = new Set<QueueEntry>();
    while (queues.size < queueCount) queues.add(prng.pick(catalogue.queues));
    for (const queue of queues) state.queues.get(queue.id)?.add(user.id);
  });
  return state;
}

/** Applies given assignments over `state`, checking every id against the catalogue and the users. */
export function applyAssignments(
  state: RoutingState,
  assignments: Record<string, UserAssignments>,
  catalogue: RoutingCatalogue,
  userIds: ReadonlySet<string>,
): void {
  const ids = (entries: readonly CatalogueEntry[]) => new Set(entries.map((e) => e.id));
  const skills = ids(catalogue.skills);
  const languages = ids(catalogue.languages);
  const roles = ids(catalogue.roles);
  const divisions = ids(catalogue.divisions);
  const proficiencies = (what: string, refs: ProficiencyRef[], known: Set<string>): Map<string, number> => {
    const map = new Map<string, number>();
    for (const ref of refs) {
      if (!known.has(ref.id)) throw new RangeError(`${what}: no such id ${ref.id}`);
      if (
        typeof ref.proficiency !== 'number' ||
        !(ref.proficiency >= PROFICIENCY_MIN && ref.proficiency <= PROFICIENCY_MAX)
      ) {
        throw new RangeError(`${what}: proficiency of ${ref.id} must be 0 to 5, got ${ref.proficiency}`);
      }
      map.set(ref.id, ref.proficiency);
    }
    return map;
  };
  for (const [userId, given] of Object.entries(assignments)) {
    if (!userIds.has(userId)) throw new RangeError(`assignments: no user ${userId}`);
    const where = `assignments of ${userId}`;
    const current = state.users.get(userId) ?? EMPTY;
    const next: UserRouting = { ...current };
    if (given.skills) next.skills = proficiencies(`${where}, skills`, given.skills, skills);
    if (given.languages) next.languages = proficiencies(`${where}, languages`, given.languages, languages);
    if (given.grants) {
      for (const g of given.grants) {
        if (!roles.has(g.roleId)) throw new RangeError(`${where}, grants: no such role ${g.roleId}`);
        if (!divisions.has(g.divisionId)) throw new RangeError(`${where}, grants: no such division ${g.divisionId}`);
      }
      next.grants = uniqueGrants(given.grants);
    }
    state.users.set(userId, next);
    if (given.queues) {
      for (const queueId of given.queues)
        if (!state.queues.has(queueId)) throw new RangeError(`${where}: no queue ${queueId}`);
      for (const [queueId, members] of state.queues) {
        if (given.queues.includes(queueId)) members.add(userId);
        else members.delete(userId);
      }
    }
  }
}

export class RoutingStore {
  readonly catalogue: RoutingCatalogue;
  readonly skillsById: ReadonlyMap<string, CatalogueEntry>;
  readonly languagesById: ReadonlyMap<string, CatalogueEntry>;
  readonly queuesById: ReadonlyMap<string, QueueEntry>;
  readonly rolesById: ReadonlyMap<string, CatalogueEntry>;
  readonly divisionsById: ReadonlyMap<string, DivisionEntry>;
  private readonly initial: RoutingState;
  private users = new Map<string, UserRouting>();
  private queues = new Map<string, Set<string>>();
  /** Queues whose member set has been copied since the last reset (the others still share the initial set). */
  private copied = new Set<string>();

  constructor(catalogue: RoutingCatalogue, initial: RoutingState) {
    this.catalogue = catalogue;
    const byId = <T extends CatalogueEntry>(entries: readonly T[]) => new Map(entries.map((e) => [e.id, e]));
    this.skillsById = byId(catalogue.skills);
    this.languagesById = byId(catalogue.languages);
    this.queuesById = byId(catalogue.queues);
    this.rolesById = byId(catalogue.roles);
    this.divisionsById = byId(catalogue.divisions);
    this.initial = initial;
    this.reset();
  }

  reset(): void {
    this.users = new Map(this.initial.users);
    this.queues = new Map(this.initial.queues);
    this.copied.clear();
  }

  get(userId: string): UserRouting {
    return this.users.get(userId) ?? EMPTY;
  }

  private update(userId: string, change: Partial<UserRouting>): UserRouting {
    const next = { ...this.get(userId), ...change };
    this.users.set(userId, next);
    return next;
  }

  /** Adds or updates skills (`replace`: the user's skills become exactly these). */
  setSkills(userId: string, refs: readonly ProficiencyRef[], replace: boolean): UserRouting {
    const skills = new Map(replace ? [] : this.get(userId).skills);
    for (const ref of refs) skills.set(ref.id, ref.proficiency);
    return this.update(userId, { skills });
  }

  addLanguages(userId: string, refs: readonly ProficiencyRef[]): UserRouting {
    const languages = new Map(this.get(userId).languages);
    for (const ref of refs) languages.set(ref.id, ref.proficiency);
    return this.update(userId, { languages });
  }

  /** False when the user did not have the skill. */
  removeSkill(userId: string, skillId: string): boolean {
    const current = this.get(userId).skills;
    if (!current.has(skillId)) return false;
    const skills = new Map(current);
    skills.delete(skillId);
    this.update(userId, { skills });
    return true;
  }

  /** False when the user did not have the language. */
  removeLanguage(userId: string, languageId: string): boolean {
    const current = this.get(userId).languages;
    if (!current.has(languageId)) return false;
    const languages = new Map(current);
    languages.delete(languageId);
    this.update(userId, { languages });
    return true;
  }

  /** The grants a bulk write would leave the user with, and those it would add or remove. */
  grantsAfter(
    userId: string,
    op: 'add' | 'remove' | 'replace',
    grants: readonly GrantRef[],
  ): { next: GrantRef[]; changed: GrantRef[] } {
    const current = this.get(userId).grants;
    let next: GrantRef[];
    if (op === 'replace') next = uniqueGrants(grants);
    else if (op === 'add') next = uniqueGrants([...current, ...grants]);
    else next = current.filter((g) => !grants.some((r) => sameGrant(g, r)));
    const missingFrom = (a: readonly GrantRef[], b: readonly GrantRef[]) =>
      a.filter((g) => !b.some((x) => sameGrant(g, x)));
    return { next, changed: [...missingFrom(next, current), ...missingFrom(current, next)] };
  }

  changeGrants(userId: string, op: 'add' | 'remove' | 'replace', grants: readonly GrantRef[]): UserRouting {
    const { next } = this.grantsAfter(userId, op, grants);
    return this.update(userId, { grants: next, subjectVersion: this.get(userId).subjectVersion + 1 });
  }

  members(queueId: string): ReadonlySet<string> | undefined {
    return this.queues.get(queueId);
  }

  private writableMembers(queueId: string): Set<string> {
    let members = this.queues.get(queueId);
    if (!members) throw new Error(`no queue ${queueId}`);
    if (!this.copied.has(queueId)) {
      members = new Set(members);
      this.queues.set(queueId, members);
      this.copied.add(queueId);
    }
    return members;
  }

  addMembers(queueId: string, userIds: readonly string[]): void {
    const members = this.writableMembers(queueId);
    for (const id of userIds) members.add(id);
  }

  removeMembers(queueId: string, userIds: readonly string[]): void {
    const members = this.writableMembers(queueId);
    for (const id of userIds) members.delete(id);
  }

  /** The queues a user is a member of, in catalogue order. */
  queuesOf(userId: string): string[] {
    return this.catalogue.queues.filter((q) => this.queues.get(q.id)?.has(userId)).map((q) => q.id);
  }
}
