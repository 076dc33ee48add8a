/**
 * Routing: the catalogue lists (skills, languages, queues, roles, divisions), a user's skills and languages, and
 * queue members. Grants and divisions are authorization.ts.
 */
import {
  BULK_LIMITS,
  type GrantRef,
  PROFICIENCY_MAX,
  PROFICIENCY_MIN,
  type ProficiencyRef,
} from '../../genesys/routing-types.js';
import type { EmulatorCore } from '../core.js';
import type { Reply, Route, RouteContext } from '../router.js';
import type { RoutingCatalogue } from '../routing.js';
import type { StoredUser } from '../store.js';
import {
  BadRequest,
  byName,
  catalogueList,
  descending,
  guarded,
  knownUsers,
  listing,
  liveUser,
  noContent,
  notFound,
  pageParams,
  startsWith,
  userNotFound,
} from './params.js';

export { ROUTING_DEFAULT_PAGE_SIZE, ROUTING_MAX_PAGE_SIZE } from './params.js';

/** The queues list's `name`: the whole name, case-insensitive, with `*` allowed at either end. */
function queueNameMatcher(filter: string): (name: string) => boolean {
  const lead = filter.startsWith('*');
  const trail = filter.length > 1 && filter.endsWith('*');
  const core = filter.slice(lead ? 1 : 0, trail ? -1 : undefined).toLowerCase();
  return (name) => {
    const n = name.toLowerCase();
    if (lead && trail) return n.includes(core);
    if (lead) return n.endsWith(core);
    if (trail) return n.startsWith(core);
    return n === core;
  };
}

const catalogueRoutes: Route[] = [
  catalogueList({
    path: '/api/v2/routing/skills',
    entries: (core) => core.routing.catalogue.skills,
    entity: ({ id, name }) => ({ id, name, state: 'active', selfUri: `/api/v2/routing/skills/${id}` }),
    nameMatcher: startsWith,
  }),
  catalogueList({
    path: '/api/v2/routing/languages',
    entries: (core) => core.routing.catalogue.languages,
    entity: ({ id, name }) => ({ id, name, state: 'active', selfUri: `/api/v2/routing/languages/${id}` }),
    nameMatcher: startsWith,
  }),
  catalogueList({
    path: '/api/v2/routing/queues',
    entries: (core) => core.routing.catalogue.queues,
    entity: ({ id, name, division }, core) => {
      const members = core.routing.members(id)?.size ?? 0;
      return {
        id,
        name,
        division: { ...division },
        memberCount: members,
        userMemberCount: members,
        // The groups that are members of the queue, as the SDK's Queue.memberGroups lists them.
        memberGroups: core.groups.groupsInQueue(id).map((g) => ({
          id: g.id,
          name: g.name,
          type: 'GROUP',
          selfUri: `/api/v2/groups/${g.id}`,
        })),
        selfUri: `/api/v2/routing/queues/${id}`,
      };
    },
    nameMatcher: queueNameMatcher,
  }),
  catalogueList({
    path: '/api/v2/authorization/roles',
    entries: (core) => core.routing.catalogue.roles,
    entity: ({ id, name }) => ({
      id,
      name,
      description: '',
      default: false,
      base: false,
      selfUri: `/api/v2/authorization/roles/${id}`,
    }),
    nameMatcher: startsWith,
  }),
  catalogueList({
    path: '/api/v2/authorization/divisions',
    entries: (core) => core.routing.catalogue.divisions,
    entity: ({ id, name, homeDivision }) => ({
      id,
      name,
      description: '',
      homeDivision,
      selfUri: `/api/v2/authorization/divisions/${id}`,
    }),
    nameMatcher: startsWith,
  }),
];

type ProficiencyKind = 'skill' | 'language';

/** A `UserRoutingSkill` or `UserRoutingLanguage` as the platform returns it. */
export interface AssignedProficiency {
  id: string;
  name: string;
  proficiency: number;
  state: 'active';
  skillUri?: string;
  languageUri?: string;
  selfUri: string;
}

/** The user's skills or languages as the platform lists them: by name, then id. */
export function userProficiencies(core: EmulatorCore, userId: string, kind: ProficiencyKind): AssignedProficiency[] {
  const routing = core.routing.get(userId);
  const assigned = kind === 'skill' ? routing.skills : routing.languages;
  const catalogue = kind === 'skill' ? core.routing.skillsById : core.routing.languagesById;
  const collection = kind === 'skill' ? 'routingskills' : 'routinglanguages';
  return [...assigned]
    .map(([id, proficiency]) => ({
      id,
      name: catalogue.get(id)?.name ?? id,
      proficiency,
      state: 'active' as const,
      [kind === 'skill' ? 'skillUri' : 'languageUri']: `/api/v2/routing/${kind}s/${id}`,
      selfUri: `/api/v2/users/${userId}/${collection}/${id}`,
    }))
    .sort(byName);
}

/** The whole of a user's skills or languages in one page: what the bulk writes answer with. */
function wholeListing(core: EmulatorCore, userId: string, kind: ProficiencyKind): Record<string, unknown> {
  const entities = userProficiencies(core, userId, kind);
  return { entities, pageSize: Math.max(1, entities.length), pageNumber: 1, total: entities.length, pageCount: 1 };
}

function listUserProficiencies(kind: ProficiencyKind): (ctx: RouteContext) => Reply {
  return guarded((ctx) => {
    const { core, query } = ctx;
    const userId = ctx.params.userId as string;
    if (!liveUser(core, userId)) return userNotFound(userId);
    const page = pageParams(query);
    const all = userProficiencies(core, userId, kind);
    if (descending(query)) all.reverse();
    const path = `/api/v2/users/${userId}/${kind === 'skill' ? 'routingskills' : 'routinglanguages'}`;
    return { status: 200, body: listing(all, page, path, query, ['sortOrder']) };
  });
}

/** A bulk body `[{id, proficiency}]`, checked against the catalogue and the platform's per-request limit. */
function proficiencyBody(body: unknown, kind: ProficiencyKind, known: ReadonlyMap<string, unknown>): ProficiencyRef[] {
  const max = kind === 'skill' ? BULK_LIMITS.routingSkills : BULK_LIMITS.routingLanguages;
  if (!Array.isArray(body)) throw new BadRequest(`The request body must be an array of routing ${kind}s`);
  if (body.length > max) {
    throw new BadRequest(`A maximum of ${max} routing ${kind}s may be assigned in one request, got ${body.length}`);
  }
  const allowed = new Set(['id', 'proficiency', `${kind}Uri`, 'selfUri']);
  return body.map((item, i) => {
    const field = (name: string) => `${kind}s[${i}].${name}`;
    if (typeof item !== 'object' || item === null || Array.isArray(item)) {
      throw new BadRequest(`Invalid value for ${kind}s[${i}]: expected an object with id and proficiency`);
    }
    const record = item as Record<string, unknown>;
    const extra = Object.keys(record).find((k) => !allowed.has(k));
    if (extra !== undefined) throw new BadRequest(`Unrecognized field '${field(extra)}'`);
    const { id, proficiency } = record;
    if (typeof id !== 'string' || id === '') throw new BadRequest(`Missing or invalid field '${field('id')}'`);
    if (
      typeof proficiency !== 'number' ||
      !Number.isFinite(proficiency) ||
      proficiency < PROFICIENCY_MIN ||
      proficiency > PROFICIENCY_MAX
    ) {
      throw new BadRequest(
        `Invalid value for field '${field('proficiency')}': must be a number from ${PROFICIENCY_MIN} to ${PROFICIENCY_MAX}`,
      );
    }
    if (!known.has(id)) throw new BadRequest(`Unable to find a routing ${kind} with id ${id}`);
    return { id, proficiency };
  });
}

function writeSkills(replace: boolean): (ctx: RouteContext) => Reply {
  return guarded((ctx) => {
    const { core } = ctx;
    const userId = ctx.params.userId as string;
    if (!liveUser(core, userId)) return userNotFound(userId);
    const refs = proficiencyBody(ctx.body, 'skill', core.routing.skillsById);
    core.beforeRoutingWrite.run(userId);
    core.routing.setSkills(userId, refs, replace);
    core.stats.routingWrite('skills');
    return { status: 200, body: wholeListing(core, userId, 'skill'), wrote: true };
  });
}

const patchLanguages = guarded((ctx) => {
  const { core } = ctx;
  const userId = ctx.params.userId as string;
  if (!liveUser(core, userId)) return userNotFound(userId);
  const refs = proficiencyBody(ctx.body, 'language', core.routing.languagesById);
  core.routing.addLanguages(userId, refs);
  core.stats.routingWrite('languages');
  return { status: 200, body: wholeListing(core, userId, 'language'), wrote: true };
});

function deleteSkill(ctx: RouteContext): Reply {
  const { core } = ctx;
  const userId = ctx.params.userId as string;
  const skillId = ctx.params.skillId as string;
  if (!liveUser(core, userId)) return userNotFound(userId);
  core.beforeRoutingWrite.run(userId);
  if (!core.routing.removeSkill(userId, skillId)) {
    return notFound(`The user ${userId} has no routing skill with id ${skillId}`);
  }
  core.stats.routingWrite('skills');
  return noContent();
}

function deleteLanguage(ctx: RouteContext): Reply {
  const { core } = ctx;
  const userId = ctx.params.userId as string;
  const languageId = ctx.params.languageId as string;
  if (!liveUser(core, userId)) return userNotFound(userId);
  if (!core.routing.removeLanguage(userId, languageId)) {
    return notFound(`The user ${userId} has no routing language with id ${languageId}`);
  }
  core.stats.routingWrite('languages');
  return noContent();
}

/** Queue members in the platform's order: by user name, then id. Deleted users are left out. */
export function queueMemberUsers(core: EmulatorCore, queueId: string): StoredUser[] | undefined {
  const members = core.routing.members(queueId);
  if (!members) return undefined;
  const users: StoredUser[] = [];
  for (const id of members) {
    const user = core.store.get(id);
    if (user && user.state !== 'deleted') users.push(user);
  }
  return users.sort(byName);
}

const getQueueMembers = guarded((ctx) => {
  const { core, query } = ctx;
  const queueId = ctx.params.queueId as string;
  const page = pageParams(query);
  const desc = descending(query);
  const direct = queueMemberUsers(core, queueId);
  if (!direct) return notFound(`Unable to find a queue with id ${queueId}`);
  const memberBy = (query.get('memberBy') ?? '').toLowerCase();
  if (memberBy !== '' && memberBy !== 'user' && memberBy !== 'group') {
    throw new BadRequest(`Invalid value for query parameter 'memberBy': must be user or group, got "${memberBy}"`);
  }
  // A user who is a member in person and through a group is listed once, as `user`: removing the personal
  // membership would leave the group's (an assumption: the platform does not document the case).
  const directIds = new Set(direct.map((u) => u.id));
  const viaGroup: StoredUser[] = [];
  for (const id of core.groups.queueMembersByGroup(queueId)) {
    const user = liveUser(core, id);
    if (user && !directIds.has(id)) viaGroup.push(user);
  }
  let users = [
    ...(memberBy === 'group' ? [] : direct.map((u) => ({ u, by: 'user' }))),
    ...(memberBy === 'user' ? [] : viaGroup.map((u) => ({ u, by: 'group' }))),
  ].sort((a, b) => byName(a.u, b.u));
  const name = query.get('name');
  if (name) users = users.filter(({ u }) => (u.name ?? '').toLowerCase().includes(name.toLowerCase()));
  if (desc) users.reverse();
  const entities = users.map(({ u, by }) => ({
    id: u.id,
    name: u.name,
    user: { id: u.id, name: u.name, selfUri: `/api/v2/users/${u.id}` },
    ringNumber: 1,
    memberBy: by,
    selfUri: `/api/v2/routing/queues/${queueId}/members/${u.id}`,
  }));
  const path = `/api/v2/routing/queues/${queueId}/members`;
  return { status: 200, body: listing(entities, page, path, query, ['name', 'sortOrder', 'memberBy'], false) };
});

const postQueueMembers = guarded((ctx) => {
  const { core, query, body } = ctx;
  const queueId = ctx.params.queueId as string;
  const flag = (query.get('delete') ?? 'false').toLowerCase();
  if (flag !== 'true' && flag !== 'false') {
    throw new BadRequest(
      `Invalid value for query parameter 'delete': must be true or false, got "${query.get('delete')}"`,
    );
  }
  if (!core.routing.members(queueId)) return notFound(`Unable to find a queue with id ${queueId}`);
  if (!Array.isArray(body)) throw new BadRequest('The request body must be an array of members ({"id": userId})');
  if (body.length > BULK_LIMITS.queueMembers) {
    throw new BadRequest(
      `A maximum of ${BULK_LIMITS.queueMembers} members may be added or removed in one request, got ${body.length}`,
    );
  }
  const ids = body.map((item, i) => {
    const id = typeof item === 'object' && item !== null ? (item as { id?: unknown }).id : undefined;
    if (typeof id !== 'string' || id === '') throw new BadRequest(`Missing or invalid field 'members[${i}].id'`);
    return id;
  });
  knownUsers(core, ids);
  if (flag === 'true') core.routing.removeMembers(queueId, ids);
  else core.routing.addMembers(queueId, ids);
  core.stats.routingWrite('queueMembers');
  return noContent();
});

export const routingRoutes: Route[] = [
  ...catalogueRoutes,
  {
    method: 'GET',
    path: '/api/v2/users/{userId}/routingskills',
    kind: 'api',
    body: 'none',
    handle: listUserProficiencies('skill'),
  },
  {
    method: 'PATCH',
    path: '/api/v2/users/{userId}/routingskills/bulk',
    kind: 'api',
    body: 'json',
    handle: writeSkills(false),
  },
  {
    method: 'PUT',
    path: '/api/v2/users/{userId}/routingskills/bulk',
    kind: 'api',
    body: 'json',
    handle: writeSkills(true),
  },
  {
    method: 'DELETE',
    path: '/api/v2/users/{userId}/routingskills/{skillId}',
    kind: 'api',
    body: 'none',
    handle: deleteSkill,
  },
  {
    method: 'GET',
    path: '/api/v2/users/{userId}/routinglanguages',
    kind: 'api',
    body: 'none',
    handle: listUserProficiencies('language'),
  },
  {
    method: 'PATCH',
    path: '/api/v2/users/{userId}/routinglanguages/bulk',
    kind: 'api',
    body: 'json',
    handle: patchLanguages,
  },
  {
    method: 'DELETE',
    path: '/api/v2/users/{userId}/routinglanguages/{languageId}',
    kind: 'api',
    body: 'none',
    handle: deleteLanguage,
  },
  {
    method: 'GET',
    path: '/api/v2/routing/queues/{queueId}/members',
    kind: 'api',
    body: 'none',
    handle: getQueueMembers,
  },
  {
    method: 'POST',
    path: '/api/v2/routing/queues/{queueId}/members',
    kind: 'api',
    body: 'json',
    handle: postQueueMembers,
  },
];

/** One user's assignments in `/__emulator/routing`. */
export interface UserRoutingDump {
  id: string;
  /** By skill name. */
  skills: ProficiencyRef[];
  /** By language name. */
  languages: ProficiencyRef[];
  /** Queue ids, in catalogue order. */
  queues: string[];
  grants: GrantRef[];
}

export interface RoutingDump {
  catalogue: RoutingCatalogue;
  /** Every user, in the directory's initial order. */
  users: UserRoutingDump[];
}

const refs = (list: { id: string; proficiency: number }[]): ProficiencyRef[] =>
  list.map(({ id, proficiency }) => ({ id, proficiency }));

export function userRoutingDump(core: EmulatorCore, userId: string): UserRoutingDump {
  return {
    id: userId,
    skills: refs(userProficiencies(core, userId, 'skill')),
    languages: refs(userProficiencies(core, userId, 'language')),
    queues: core.routing.queuesOf(userId),
    grants: core.routing.get(userId).grants.map((g) => ({ ...g })),
  };
}

export function routingDump(core: EmulatorCore): RoutingDump {
  return {
    catalogue: structuredClone(core.routing.catalogue),
    users: core.store.inDirectoryOrder().map((u) => userRoutingDump(core, u.id)),
  };
}
