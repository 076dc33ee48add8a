/**
 * Groups: the list, search, one group, its members, and adding (with the group's version) and removing members.
 */
import type { EmulatorCore } from '../core.js';
import { versionConflict } from '../errors.js';
import type { GroupEntry } from '../groups.js';
import type { Reply, Route } from '../router.js';
import {
  BadRequest,
  byName,
  descending,
  guarded,
  idsParam,
  listing,
  liveUser,
  notFound,
  pageParams,
} from './params.js';

export function groupEntity(core: EmulatorCore, g: GroupEntry): Record<string, unknown> {
  const members = [...(core.groups.members(g.id) ?? [])].filter((id) => liveUser(core, id)).length;
  return {
    id: g.id,
    name: g.name,
    description: '',
    memberCount: members,
    state: 'active',
    version: core.groups.version(g.id),
    type: 'official',
    rulesVisible: true,
    visibility: 'public',
    rolesEnabled: g.grants.length > 0,
    selfUri: `/api/v2/groups/${g.id}`,
  };
}

const groupNotFound = (id: string): Reply => notFound(`Unable to find a group with id ${id}`);

const listGroups = guarded((ctx) => {
  const { core, query } = ctx;
  const page = pageParams(query);
  const ids = idsParam(query);
  const found = core.groups.groups
    .filter((g) => core.groups.live(g.id) && (ids === undefined || ids.includes(g.id)))
    .sort(byName);
  if (descending(query)) found.reverse();
  const entities = found.map((g) => groupEntity(core, g));
  return { status: 200, body: listing(entities, page, '/api/v2/groups', query, ['id', 'sortOrder']) };
});

/** `POST /api/v2/groups/search` on `name`: EXACT, STARTS_WITH, CONTAINS (case-insensitive). */
const searchGroups = guarded((ctx) => {
  const { core, body } = ctx;
  const request = (typeof body === 'object' && body !== null ? body : {}) as Record<string, unknown>;
  const query = Array.isArray(request.query) ? request.query : [];
  const pageSize = typeof request.pageSize === 'number' ? request.pageSize : 25;
  const pageNumber = typeof request.pageNumber === 'number' ? request.pageNumber : 1;
  if (!Number.isInteger(pageSize) || pageSize < 1 || pageSize > 100) throw new BadRequest('pageSize must be 1 to 100');
  if (!Number.isInteger(pageNumber) || pageNumber < 1) throw new BadRequest('pageNumber must be at least 1');
  const tests = query.map((q, i) => {
    const { type, fields, value, values } = (q ?? {}) as Record<string, unknown>;
    if (!Array.isArray(fields) || fields.length !== 1 || fields[0] !== 'name') {
      throw new BadRequest(`query[${i}].fields: the emulator searches groups by ["name"] only`);
    }
    const wanted = (Array.isArray(values) ? values : [value]).map((v) => String(v ?? '').toLowerCase());
    const kind = String(type ?? '').toUpperCase();
    return (name: string) => {
      const n = name.toLowerCase();
      if (kind === 'EXACT') return wanted.includes(n);
      if (kind === 'STARTS_WITH') return wanted.some((w) => n.startsWith(w));
      if (kind === 'CONTAINS') return wanted.some((w) => n.includes(w));
      throw new BadRequest(`query[${i}].type: the emulator knows EXACT, STARTS_WITH and CONTAINS, got ${kind}`);
    };
  });
  const found = core.groups.groups.filter((g) => core.groups.live(g.id) && tests.every((t) => t(g.name))).sort(byName);
  const results = found.slice((pageNumber - 1) * pageSize, pageNumber * pageSize).map((g) => groupEntity(core, g));
  return {
    status: 200,
    body: { total: found.length, pageCount: Math.ceil(found.length / pageSize), pageSize, pageNumber, results },
  };
});

const getGroup = guarded((ctx) => {
  const id = ctx.params.groupId as string;
  const g = ctx.core.groups.live(id);
  return g ? { status: 200, body: groupEntity(ctx.core, g) } : groupNotFound(id);
});

const getMembers = guarded((ctx) => {
  const { core, query } = ctx;
  const id = ctx.params.groupId as string;
  const members = core.groups.members(id);
  if (!members) return groupNotFound(id);
  const page = pageParams(query);
  const users = [...members].flatMap((m) => {
    const u = liveUser(core, m);
    return u ? [u] : [];
  });
  users.sort(byName);
  if (descending(query)) users.reverse();
  const entities = users.map((u) => ({
    id: u.id,
    name: u.name,
    email: u.email,
    state: u.state,
    version: u.version,
    ...(u.division && { division: u.division }),
    selfUri: `/api/v2/users/${u.id}`,
  }));
  return { status: 200, body: listing(entities, page, `/api/v2/groups/${id}/members`, query, ['sortOrder']) };
});

/** Every id an existing, not deleted user, at most `groupMembersPerCall` of them. */
function memberIds(core: EmulatorCore, ids: unknown, what: string): string[] {
  if (!Array.isArray(ids) || ids.length === 0 || ids.some((id) => typeof id !== 'string' || id === '')) {
    throw new BadRequest(`${what} must be a non-empty list of user ids`);
  }
  const most = core.config.groupMembersPerCall;
  if (ids.length > most) {
    throw new BadRequest(`A maximum of ${most} members may be added or removed in one request, got ${ids.length}`);
  }
  const unknown = (ids as string[]).find((id) => !liveUser(core, id));
  if (unknown !== undefined) throw new BadRequest(`Unable to find a user with id ${unknown}`);
  return [...new Set(ids as string[])];
}

function conflict(core: EmulatorCore, sent: unknown, current: number): Reply {
  const status = core.config.versionConflictStatus;
  return { status, body: versionConflict(status, sent, current) };
}

const addMembers = guarded((ctx) => {
  const { core, body } = ctx;
  const id = ctx.params.groupId as string;
  if (!core.groups.live(id)) return groupNotFound(id);
  core.groups.beforeWrite.run(id);
  const request = (typeof body === 'object' && body !== null && !Array.isArray(body) ? body : {}) as Record<
    string,
    unknown
  >;
  const extra = Object.keys(request).find((k) => k !== 'memberIds' && k !== 'version');
  if (extra !== undefined) throw new BadRequest(`Unrecognized field '${extra}'`);
  const ids = memberIds(core, request.memberIds, "'memberIds'");
  // The SDK's typing makes `version` optional; the emulator requires it, the stricter reading.
  if (typeof request.version !== 'number' || !Number.isInteger(request.version)) {
    throw new BadRequest("Missing or invalid field 'version': the group's current version");
  }
  const current = core.groups.version(id);
  if (request.version !== current) return conflict(core, request.version, current);
  core.groups.change(id, ids, false);
  core.stats.routingWrite('groupMembers');
  return { status: 202, body: {}, wrote: true };
});

const removeMembers = guarded((ctx) => {
  const { core, query } = ctx;
  const id = ctx.params.groupId as string;
  if (!core.groups.live(id)) return groupNotFound(id);
  core.groups.beforeWrite.run(id);
  const raw = query.get('ids');
  const ids = memberIds(
    core,
    (raw ?? '')
      .split(',')
      .map((s) => s.trim())
      .filter((s) => s !== ''),
    "Query parameter 'ids'",
  );
  core.groups.change(id, ids, true);
  core.stats.routingWrite('groupMembers');
  return { status: 202, body: {}, wrote: true };
});

export const groupRoutes: Route[] = [
  { method: 'GET', path: '/api/v2/groups', kind: 'api', body: 'none', handle: listGroups },
  { method: 'POST', path: '/api/v2/groups/search', kind: 'api', body: 'json', handle: searchGroups },
  { method: 'GET', path: '/api/v2/groups/{groupId}', kind: 'api', body: 'none', handle: getGroup },
  { method: 'GET', path: '/api/v2/groups/{groupId}/members', kind: 'api', body: 'none', handle: getMembers },
  { method: 'POST', path: '/api/v2/groups/{groupId}/members', kind: 'api', body: 'json', handle: addMembers },
  { method: 'DELETE', path: '/api/v2/groups/{groupId}/members', kind: 'api', body: 'none', handle: removeMembers },
];
