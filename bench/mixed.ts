/**
 * The mixed scenario (issue #6): one file that changes profile fields and routing together (`email,title,skills,queues`),
 * the fewest calls any correct client needs for it, and the check of the emulator's final state (titles, skills with
 * their proficiency, queue memberships) against what the rows asked for.
 */
import { writeFileSync } from 'node:fs';
import type { GenesysUser } from '../src/genesys/types.js';
import type { MixedCalls } from './types.js';
import { canonical, pickOther, prng, TITLES } from './workload.js';

/** Names and counts the scenario needs from the emulator, before and after a run. */
export interface RoutingView {
  users(): GenesysUser[];
  catalogue(): { skills: { id: string; name: string }[]; queues: { id: string; name: string }[] };
  userSkills(userId: string): { id: string; proficiency: number }[] | undefined;
  queueMembers(queueId: string): string[] | undefined;
}

export interface MixedSpec {
  /** Rows that change the title, add one or two skills and join one queue. */
  mixed: number;
  /** Rows with only the routing columns filled (skills and a queue). */
  routingOnly: number;
  /** Rows with only a new title. */
  profileOnly: number;
  /** Rows whose title, skill and queue are what the user already has. */
  unchanged: number;
  /** How many queues the file names (users join one of them). */
  queues: number;
  seed: number;
}

export type MixedKind = 'mixed' | 'routing-only' | 'profile-only' | 'unchanged';

export interface MixedCells {
  email: string;
  /** Empty: leave the title alone. */
  title: string;
  /** `+Name:N;+Name:N`, or empty. */
  skills: string;
  /** `+Queue Name`, or empty. */
  queues: string;
}

export interface MixedRow {
  cells: MixedCells;
  kind: MixedKind;
  userId: string;
  /** The final state the row asks for. */
  title: string;
  /** Skill id → proficiency: the user's whole set afterwards. */
  skills: Map<string, number>;
  /** Queue ids: the user's whole membership afterwards. */
  queues: Set<string>;
  /** What it really changes. */
  changesTitle: boolean;
  /** Skills added (or set to another proficiency). */
  skillChanges: number;
  /** Queue joined, when it joins one. */
  joins?: string;
}

/** The fewest calls any correct client needs, by what they are for; `total` is their sum. */
export type MinimumCalls = MixedCalls;

export interface MixedWorkload {
  rows: MixedRow[];
  /** Queue names the file uses, in the order picked. */
  queueNames: string[];
  /** Members of each of those queues before the run. */
  queueSizes: number[];
  counts: Record<MixedKind, number>;
  /** Rows with at least one real change. */
  changedUsers: number;
  minimum: MinimumCalls;
  /** Everything before the run, for the collateral check. */
  before: Snapshot;
}

/** Emails per search, skills or members per page, skills per bulk PATCH, users per queue-members call. */
const SEARCH_PAGE = 100;
const LIST_PAGE = 100;
const IDS_PER_READ = 100;
const SKILLS_PER_PATCH = 50;
const MEMBERS_PER_CALL = 100;
const PROFICIENCIES = [1, 2, 3, 4, 5, 2.5, 3.5];

interface Snapshot {
  users: Map<string, GenesysUser>;
  /** User id → canonical skill set. */
  skills: Map<string, string>;
  /** User id → sorted queue ids. */
  queues: Map<string, string>;
  /** Queue id → member count. */
  queueSizes: Map<string, number>;
}

const skillKey = (skills: Iterable<[string, number]>): string =>
  [...skills]
    .map(([id, p]) => `${id}=${Math.round(p * 10) / 10}`)
    .sort()
    .join(',');

function snapshot(view: RoutingView): Snapshot {
  const users = new Map<string, GenesysUser>();
  const skills = new Map<string, string>();
  for (const u of view.users()) {
    users.set(u.id, u);
    skills.set(u.id, skillKey((view.userSkills(u.id) ?? []).map((s) => [s.id, s.proficiency])));
  }
  const memberOf = new Map<string, string[]>();
  const queueSizes = new Map<string, number>();
  for (const q of view.catalogue().queues) {
    const members = view.queueMembers(q.id) ?? [];
    queueSizes.set(q.id, members.length);
    for (const id of members) memberOf.set(id, [...(memberOf.get(id) ?? []), q.id]);
  }
  const queues = new Map<string, string>();
  for (const id of users.keys()) queues.set(id, (memberOf.get(id) ?? []).sort().join(','));
  return { users, skills, queues, queueSizes };
}

const pages = (items: number, size: number): number => Math.max(1, Math.ceil(items / size));

function shuffle<T>(items: T[], rand: () => number): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [items[i], items[j]] = [items[j]!, items[i]!];
  }
  return items;
}

/**
 * Rows keyed by email over active users with an email and a title, each user once. Skills added are ones the user
 * does not hold; the queue joined is one of the file's queues the user is not in. An unchanged row names a skill
 * the user holds at its proficiency and a file queue the user is in, so it costs reads and no write.
 */
export function generateMixedWorkload(view: RoutingView, spec: MixedSpec): MixedWorkload {
  const rand = prng(spec.seed * 7919 + 6);
  const before = snapshot(view);
  const catalogue = view.catalogue();
  const skillName = new Map(catalogue.skills.map((s) => [s.id, s.name]));
  if (catalogue.queues.length < spec.queues) throw new Error(`The emulator has ${catalogue.queues.length} queues.`);
  const fileQueues = shuffle(catalogue.queues.slice(), rand).slice(0, spec.queues);
  const queueName = new Map(fileQueues.map((q) => [q.id, q.name]));

  const pool = shuffle(
    [...before.users.values()].filter((u) => u.state === 'active' && u.email && u.title),
    rand,
  );
  let next = 0;
  const take = (accept: (u: GenesysUser) => boolean): GenesysUser => {
    for (; next < pool.length; next++) {
      const u = pool[next]!;
      if (accept(u)) {
        next++;
        return u;
      }
    }
    throw new Error('The directory has too few users for the mixed workload.');
  };
  const skillsOf = (u: GenesysUser) => new Map((view.userSkills(u.id) ?? []).map((s) => [s.id, s.proficiency]));
  const queuesOf = (u: GenesysUser) => new Set((before.queues.get(u.id) ?? '').split(',').filter(Boolean));

  const rows: MixedRow[] = [];
  const plan: MixedKind[] = [
    ...Array<MixedKind>(spec.mixed).fill('mixed'),
    ...Array<MixedKind>(spec.routingOnly).fill('routing-only'),
    ...Array<MixedKind>(spec.profileOnly).fill('profile-only'),
  ];
  for (const kind of plan) {
    const user = take(() => true);
    const skills = skillsOf(user);
    const queues = queuesOf(user);
    const row: MixedRow = {
      cells: { email: user.email!, title: '', skills: '', queues: '' },
      kind,
      userId: user.id,
      title: user.title!,
      skills,
      queues,
      changesTitle: false,
      skillChanges: 0,
    };
    if (kind !== 'routing-only') {
      row.title = pickOther(TITLES, user.title!, rand);
      row.cells.title = row.title;
      row.changesTitle = true;
    }
    if (kind !== 'profile-only') {
      const free = shuffle(
        catalogue.skills.filter((s) => !skills.has(s.id)),
        rand,
      ).slice(0, rand() < 0.5 ? 1 : 2);
      row.cells.skills = free
        .map((s) => {
          const proficiency = PROFICIENCIES[Math.floor(rand() * PROFICIENCIES.length)]!;
          skills.set(s.id, proficiency);
          return `+${s.name}:${proficiency}`;
        })
        .join(';');
      row.skillChanges = free.length;
      const open = fileQueues.filter((q) => !queues.has(q.id));
      const joins = open[Math.floor(rand() * open.length)];
      if (joins) {
        queues.add(joins.id);
        row.joins = joins.id;
        row.cells.queues = `+${joins.name}`;
      }
    }
    rows.push(row);
  }
  for (let i = 0; i < spec.unchanged; i++) {
    const user = take((u) => (view.userSkills(u.id) ?? []).length > 0 && fileQueues.some((q) => queuesOf(u).has(q.id)));
    const skills = skillsOf(user);
    const queues = queuesOf(user);
    const [heldId, heldProficiency] = [...skills][Math.floor(rand() * skills.size)]!;
    const inQueue = fileQueues.filter((q) => queues.has(q.id));
    rows.push({
      cells: {
        email: user.email!,
        title: user.title!,
        skills: `+${skillName.get(heldId)}:${heldProficiency}`,
        queues: `+${queueName.get(inQueue[Math.floor(rand() * inQueue.length)]!.id)}`,
      },
      kind: 'unchanged',
      userId: user.id,
      title: user.title!,
      skills,
      queues,
      changesTitle: false,
      skillChanges: 0,
    });
  }
  shuffle(rows, rand);

  const joined = new Map<string, number>();
  for (const r of rows) if (r.joins) joined.set(r.joins, (joined.get(r.joins) ?? 0) + 1);
  const withSkills = rows.filter((r) => r.cells.skills !== '');
  const minimum: Omit<MinimumCalls, 'total'> = {
    searches: Math.ceil(rows.length / SEARCH_PAGE),
    cataloguePages: pages(catalogue.skills.length, LIST_PAGE) + pages(catalogue.queues.length, LIST_PAGE),
    // Current skills come with the users, read by id with `expand=skills`, 100 users a call.
    skillReads: withSkills.length === 0 ? 0 : Math.ceil(withSkills.length / IDS_PER_READ),
    memberPages: fileQueues.reduce((n, q) => n + pages(before.queueSizes.get(q.id) ?? 0, LIST_PAGE), 0),
    profilePatches: rows.filter((r) => r.changesTitle).length,
    skillPatches: rows.reduce((n, r) => n + Math.ceil(r.skillChanges / SKILLS_PER_PATCH), 0),
    queueCalls: [...joined.values()].reduce((n, users) => n + Math.ceil(users / MEMBERS_PER_CALL), 0),
  };
  const counts: Record<MixedKind, number> = { mixed: 0, 'routing-only': 0, 'profile-only': 0, unchanged: 0 };
  for (const r of rows) counts[r.kind]++;
  return {
    rows,
    queueNames: fileQueues.map((q) => q.name),
    queueSizes: fileQueues.map((q) => before.queueSizes.get(q.id) ?? 0),
    counts,
    changedUsers: rows.filter((r) => r.changesTitle || r.skillChanges > 0 || r.joins).length,
    minimum: { ...minimum, total: Object.values(minimum).reduce((a, b) => a + b, 0) },
    before,
  };
}

/** Which purpose a route serves, as the emulator names routes (`METHOD /path/{param}`). */
const PURPOSE: Record<string, Exclude<keyof MixedCalls, 'total'>> = {
  'POST /api/v2/users/search': 'searches',
  'GET /api/v2/users/search': 'searches',
  'GET /api/v2/routing/skills': 'cataloguePages',
  'GET /api/v2/routing/queues': 'cataloguePages',
  'GET /api/v2/users': 'skillReads',
  'GET /api/v2/users/{userId}/routingskills': 'skillReads',
  'GET /api/v2/routing/queues/{queueId}/members': 'memberPages',
  'PATCH /api/v2/users/{userId}': 'profilePatches',
  'PATCH /api/v2/users/{userId}/routingskills/bulk': 'skillPatches',
  'PUT /api/v2/users/{userId}/routingskills/bulk': 'skillPatches',
  'DELETE /api/v2/users/{userId}/routingskills/{skillId}': 'skillPatches',
  'POST /api/v2/routing/queues/{queueId}/members': 'queueCalls',
};

/** The calls a client made, by purpose, from the emulator's per-route counts; the rest (token included) is `other`. */
export function callsMade(byRoute: Record<string, number>): MixedCalls & {
  other: number;
  otherRoutes: Record<string, number>;
} {
  const made = {
    searches: 0,
    cataloguePages: 0,
    skillReads: 0,
    memberPages: 0,
    profilePatches: 0,
    skillPatches: 0,
    queueCalls: 0,
    total: 0,
    other: 0,
    otherRoutes: {} as Record<string, number>,
  };
  for (const [route, n] of Object.entries(byRoute)) {
    const purpose = PURPOSE[route];
    if (purpose) made[purpose] += n;
    else {
      made.other += n;
      made.otherRoutes[route] = n;
    }
    made.total += n;
  }
  return made;
}

function csvCell(value: string): string {
  return /[",\n\r]/.test(value) ? `"${value.replaceAll('"', '""')}"` : value;
}

export function writeMixedCsv(path: string, rows: readonly MixedRow[]): void {
  const lines = rows.map(({ cells }) => [cells.email, cells.title, cells.skills, cells.queues].map(csvCell).join(','));
  writeFileSync(path, `email,title,skills,queues\n${lines.join('\n')}\n`);
}

export interface MixedVerification {
  /** Changed rows whose user ends with the title, the skills (and proficiencies) and the queues asked for. */
  changedCorrect: number;
  unchangedCorrect: number;
  /** Rows not correct at the end, by what is wrong (a row can be wrong in several). */
  failures: number;
  wrongTitle: number;
  wrongSkills: number;
  wrongQueues: number;
  /**
   * Users whose other profile fields, other skills or other queue memberships changed, and users outside the input
   * whose profile, skills or queues changed.
   */
  collateral: number;
}

/** Everything of a user but the title and the version a write bumps. */
function otherFields(user: GenesysUser): string {
  const { title: _t, version: _v, ...rest } = user;
  return canonical(rest);
}

export function verifyMixed(workload: MixedWorkload, view: RoutingView): MixedVerification {
  const after = snapshot(view);
  const v: MixedVerification = {
    changedCorrect: 0,
    unchangedCorrect: 0,
    failures: 0,
    wrongTitle: 0,
    wrongSkills: 0,
    wrongQueues: 0,
    collateral: 0,
  };
  const inInput = new Set<string>();
  for (const row of workload.rows) {
    inInput.add(row.userId);
    const user = after.users.get(row.userId);
    const titleOk = user?.title === row.title;
    const skillsOk = after.skills.get(row.userId) === skillKey(row.skills);
    const queuesOk = after.queues.get(row.userId) === [...row.queues].sort().join(',');
    if (!titleOk) v.wrongTitle++;
    if (!skillsOk) v.wrongSkills++;
    if (!queuesOk) v.wrongQueues++;
    const ok = titleOk && skillsOk && queuesOk;
    if (!ok) v.failures++;
    else if (row.kind === 'unchanged') v.unchangedCorrect++;
    else v.changedCorrect++;
    // Skills and queues beyond the row's are part of its whole expected set, so only the profile is left to check.
    if (user && otherFields(user) !== otherFields(workload.before.users.get(row.userId)!)) v.collateral++;
  }
  for (const [id, was] of workload.before.users) {
    if (inInput.has(id)) continue;
    const now = after.users.get(id);
    if (
      !now ||
      now.version !== was.version ||
      canonical(now) !== canonical(was) ||
      after.skills.get(id) !== workload.before.skills.get(id) ||
      after.queues.get(id) !== workload.before.queues.get(id)
    ) {
      v.collateral++;
    }
  }
  return v;
}
