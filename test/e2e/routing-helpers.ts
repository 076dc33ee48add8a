/**
 * A small organisation for the routing e2e tests: a generated directory, a catalogue with fixed ids and names, and
 * a few users with known assignments. Expectations are read back from the emulator, whose accessors give every
 * user's skills, languages, queues and grants.
 */
import type { EmulatorOptions, EmulatorStats, RunningEmulator } from '../../src/emulator/index.js';
import { generateDirectory } from '../../src/emulator/index.js';
import type { GenesysUser } from '../../src/genesys/types.js';
import { type Sandbox, sandbox } from './harness.js';
import { routeCount } from './helpers.js';

/** A fixed, readable UUID: `0000000k-0000-4000-8000-00000000000i`. */
export const fixedId = (kind: number, i: number): string =>
  `${kind.toString(16).padStart(8, '0')}-0000-4000-8000-${i.toString(16).padStart(12, '0')}`;

const named = (kind: number, names: readonly string[]) => names.map((name, i) => ({ id: fixedId(kind, i + 1), name }));

export const SKILLS = named(1, [
  'Billing',
  'Spanish',
  'Retention',
  'Sales',
  'Technical Support',
  'Collections',
  ...Array.from({ length: 124 }, (_, i) => `Bulk Skill ${String(i + 1).padStart(3, '0')}`),
]);
export const LANGUAGES = named(2, ['English', 'Spanish', 'French', 'German', 'Portuguese']);
export const QUEUES = named(3, ['Sales Inbound', 'Billing Inquiries', 'Retention Desk', 'VIP Customers']);
export const ROLES = named(4, ['Employee', 'Agent', 'Supervisor', 'Admin']);
export const SUPPORT = { id: fixedId(5, 1), name: 'Support' };

export const SEED = 11;

export const byName = (list: readonly { id: string; name: string }[], name: string): string => {
  const found = list.find((e) => e.name === name);
  if (!found) throw new Error(`no ${name} in the fixture`);
  return found.id;
};
export const skill = (name: string) => byName(SKILLS, name);
export const language = (name: string) => byName(LANGUAGES, name);
export const queue = (name: string) => byName(QUEUES, name);
export const role = (name: string) => byName(ROLES, name);

/** The generated directory (seed 11); user 0 is in `Home`, as generated directories always put their first user. */
export function directory(count: number): GenesysUser[] {
  return generateDirectory({ users: count, seed: SEED });
}

export function activeWithEmail(users: readonly GenesysUser[]): GenesysUser[] {
  return users.filter((u) => u.state === 'active' && typeof u.email === 'string' && u.email !== '');
}

export interface RoutingOrg {
  box: Sandbox;
  emu: RunningEmulator;
  users: GenesysUser[];
  /** Active users with an email, in directory order: the tests' subjects. */
  people: GenesysUser[];
  homeId: string;
}

/**
 * Starts the emulator with the fixture's catalogue. `assign` gives the initial assignments of the active users it
 * is called with (by index among them); every other user starts with none.
 */
export async function routingOrg(
  options: {
    users?: number;
    assign?: (people: GenesysUser[], home: string) => EmulatorOptions['assignments'];
  } & Omit<EmulatorOptions, 'users' | 'assignments'> = {},
): Promise<RoutingOrg> {
  const { users: count = 200, assign, ...rest } = options;
  const users = directory(count);
  const people = activeWithEmail(users);
  const homeId = users[0]!.division!.id;
  const box = await sandbox({
    users,
    seed: SEED,
    skills: SKILLS,
    languages: LANGUAGES,
    queues: QUEUES,
    roles: ROLES,
    divisions: [SUPPORT],
    ...(assign ? { assignments: assign(people, homeId) } : {}),
    ...rest,
  });
  return { box, emu: box.emulator, users, people, homeId };
}

/** A user's skills (or languages) as `{name: proficiency}`. */
export function skillsOf(emu: RunningEmulator, userId: string): Record<string, number> {
  return Object.fromEntries((emu.userSkills(userId) ?? []).map((s) => [s.name, s.proficiency]));
}
export function languagesOf(emu: RunningEmulator, userId: string): Record<string, number> {
  return Object.fromEntries((emu.userLanguages(userId) ?? []).map((s) => [s.name, s.proficiency]));
}
export function queuesOf(emu: RunningEmulator, userId: string): string[] {
  const names = new Map(QUEUES.map((q) => [q.id, q.name]));
  return (emu.userQueues(userId) ?? []).map((id) => names.get(id) ?? id).sort();
}
/** A user's grants as sorted `Role@Division` names. */
export function grantsOf(emu: RunningEmulator, userId: string): string[] {
  const divisions = new Map(emu.catalogue().divisions.map((d) => [d.id, d.name]));
  const roles = new Map(ROLES.map((r) => [r.id, r.name]));
  return (emu.grants(userId) ?? []).map((g) => `${roles.get(g.roleId)}@${divisions.get(g.divisionId)}`).sort();
}
export function divisionOf(emu: RunningEmulator, userId: string): string | undefined {
  return emu.user(userId)?.division?.name;
}

/** Everything routing about a user, for before/after comparisons. */
export function routingSnapshot(emu: RunningEmulator, userId: string) {
  return {
    skills: skillsOf(emu, userId),
    languages: languagesOf(emu, userId),
    queues: queuesOf(emu, userId),
    grants: grantsOf(emu, userId),
    division: divisionOf(emu, userId),
  };
}

export const ROUTES = {
  skillsList: 'GET /api/v2/routing/skills',
  languagesList: 'GET /api/v2/routing/languages',
  queuesList: 'GET /api/v2/routing/queues',
  rolesList: 'GET /api/v2/authorization/roles',
  divisionsList: 'GET /api/v2/authorization/divisions',
  userSkills: 'GET /api/v2/users/{userId}/routingskills',
  userLanguages: 'GET /api/v2/users/{userId}/routinglanguages',
  queueMembers: 'GET /api/v2/routing/queues/{queueId}/members',
  subject: 'GET /api/v2/authorization/subjects/{subjectId}',
  skillsPatch: 'PATCH /api/v2/users/{userId}/routingskills/bulk',
  skillsPut: 'PUT /api/v2/users/{userId}/routingskills/bulk',
  skillDelete: 'DELETE /api/v2/users/{userId}/routingskills/{skillId}',
  languagesPatch: 'PATCH /api/v2/users/{userId}/routinglanguages/bulk',
  languageDelete: 'DELETE /api/v2/users/{userId}/routinglanguages/{languageId}',
  queueMembersPost: 'POST /api/v2/routing/queues/{queueId}/members',
  grantsAdd: 'POST /api/v2/authorization/subjects/{subjectId}/bulkadd',
  grantsRemove: 'POST /api/v2/authorization/subjects/{subjectId}/bulkremove',
  grantsReplace: 'POST /api/v2/authorization/subjects/{subjectId}/bulkreplace',
  divisionMove: 'POST /api/v2/authorization/divisions/{divisionId}/objects/{objectType}',
  userPatch: 'PATCH /api/v2/users/{userId}',
} as const;

/** Requests per named route, zeros left in, so a test can compare the whole picture at once. */
export function routingCalls(stats: EmulatorStats): Record<keyof typeof ROUTES, number> {
  return Object.fromEntries(Object.entries(ROUTES).map(([k, route]) => [k, routeCount(stats, route)])) as Record<
    keyof typeof ROUTES,
    number
  >;
}

/** Every write the emulator saw, of any kind: profile PATCHes and routing writes, applied or refused. */
export function writeRequests(stats: EmulatorStats): number {
  return Object.entries(stats.byRoute)
    .filter(([route]) => /^(PATCH|PUT|DELETE|POST) /.test(route) && !/oauth|search/.test(route))
    .reduce((n, [, byStatus]) => n + Object.values(byStatus).reduce((a, b) => a + b, 0), 0);
}

export function routingWritesApplied(stats: EmulatorStats): number {
  return Object.values(stats.routingWrites).reduce((a, b) => a + b, 0);
}
