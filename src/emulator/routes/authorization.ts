/** Access: authorization subjects (a user's grants, added, removed or replaced in bulk) and moving users between divisions. */
import { BULK_LIMITS, type GrantRef } from '../../genesys/routing-types.js';
import type { EmulatorCore } from '../core.js';
import { platformError } from '../errors.js';
import type { Reply, Route, RouteContext } from '../router.js';
import { BadRequest, guarded, knownUsers, liveUser, noContent, notFound } from './params.js';

/** The grants of a subject, with the role and division names filled in. */
export function subjectGrants(core: EmulatorCore, userId: string): Record<string, unknown>[] {
  // Grants held through a group name the group as their subject, as the platform's AuthzGrant.subjectId does.
  const held = [
    ...core.routing.get(userId).grants.map((grant) => ({ subjectId: userId, grant })),
    ...core.groups.grantsOf(userId).map(({ groupId, grant }) => ({ subjectId: groupId, grant })),
  ];
  return held.map(({ subjectId, grant: { roleId, divisionId } }) => {
    const division = core.routing.divisionsById.get(divisionId);
    return {
      subjectId,
      division: {
        id: divisionId,
        name: division?.name,
        description: '',
        homeDivision: division?.homeDivision ?? false,
        selfUri: `/api/v2/authorization/divisions/${divisionId}`,
      },
      role: {
        id: roleId,
        name: core.routing.rolesById.get(roleId)?.name,
        selfUri: `/api/v2/authorization/roles/${roleId}`,
      },
    };
  });
}

function getSubject(ctx: RouteContext): Reply {
  const { core } = ctx;
  const subjectId = ctx.params.subjectId as string;
  const user = liveUser(core, subjectId);
  if (!user) return notFound(`Unable to find a subject with id ${subjectId}`);
  const body = {
    id: subjectId,
    name: user.name,
    grants: subjectGrants(core, subjectId),
    version: core.routing.get(subjectId).subjectVersion,
    selfUri: `/api/v2/authorization/subjects/${subjectId}`,
  };
  return { status: 200, body };
}

function grantsBody(core: EmulatorCore, body: unknown): GrantRef[] {
  const grants = typeof body === 'object' && body !== null ? (body as { grants?: unknown }).grants : undefined;
  if (!Array.isArray(grants)) throw new BadRequest("Missing required field 'grants': an array of {roleId, divisionId}");
  const extra = Object.keys(body as object).find((k) => k !== 'grants');
  if (extra !== undefined) throw new BadRequest(`Unrecognized field '${extra}'`);
  return grants.map((item, i) => {
    const { roleId, divisionId } = (typeof item === 'object' && item !== null ? item : {}) as Record<string, unknown>;
    if (typeof roleId !== 'string' || roleId === '')
      throw new BadRequest(`Missing or invalid field 'grants[${i}].roleId'`);
    if (typeof divisionId !== 'string' || divisionId === '') {
      throw new BadRequest(`Missing or invalid field 'grants[${i}].divisionId'`);
    }
    if (!core.routing.rolesById.has(roleId)) throw new BadRequest(`Unable to find a role with id ${roleId}`);
    if (!core.routing.divisionsById.has(divisionId)) {
      throw new BadRequest(`Unable to find a division with id ${divisionId}`);
    }
    return { roleId, divisionId };
  });
}

/** The 403 to a grant or revocation of a role the client may not give (EmulatorConfig.ungrantableRoles). */
function roleNotGrantable(core: EmulatorCore, roleId: string): Reply {
  const name = core.routing.rolesById.get(roleId)?.name ?? roleId;
  return {
    status: 403,
    body: platformError(403, 'not.authorized', `You are not authorized to grant or revoke the role ${name}.`),
  };
}

function bulkGrants(op: 'add' | 'remove' | 'replace'): (ctx: RouteContext) => Reply {
  return guarded((ctx) => {
    const { core } = ctx;
    const subjectId = ctx.params.subjectId as string;
    if (!liveUser(core, subjectId)) return notFound(`Unable to find a subject with id ${subjectId}`);
    const grants = grantsBody(core, ctx.body);
    core.beforeRoutingWrite.run(subjectId);
    const { changed } = core.routing.grantsAfter(subjectId, op, grants);
    const forbidden = changed.find((g) => core.config.ungrantableRoles.includes(g.roleId));
    if (forbidden !== undefined) return roleNotGrantable(core, forbidden.roleId);
    core.routing.changeGrants(subjectId, op, grants);
    core.stats.routingWrite('grants');
    return noContent();
  });
}

const moveToDivision = guarded((ctx) => {
  const { core, body } = ctx;
  const divisionId = ctx.params.divisionId as string;
  const objectType = ctx.params.objectType as string;
  if (objectType !== 'USER') {
    throw new BadRequest(
      `Invalid value for path parameter 'objectType': the emulator only moves USER, got "${objectType}"`,
    );
  }
  const division = core.routing.divisionsById.get(divisionId);
  if (!division) return notFound(`Unable to find a division with id ${divisionId}`);
  if (!Array.isArray(body) || body.length === 0 || body.some((id) => typeof id !== 'string' || id === '')) {
    throw new BadRequest('The request body must be a non-empty array of object ids');
  }
  if (body.length > BULK_LIMITS.divisionObjects) {
    throw new BadRequest(
      `A maximum of ${BULK_LIMITS.divisionObjects} objects may be moved in one request, got ${body.length}`,
    );
  }
  const ids = [...new Set(body as string[])];
  knownUsers(core, ids);
  const ref = { id: division.id, name: division.name, selfUri: `/api/v2/authorization/divisions/${division.id}` };
  for (const id of ids) {
    // Moving a user into the division it is already in changes nothing, not even its version.
    if (core.store.get(id)?.division?.id !== division.id) core.store.moveToDivision(id, ref);
  }
  core.stats.routingWrite('divisions');
  return noContent();
});
export const authorizationRoutes: Route[] = [
  { method: 'GET', path: '/api/v2/authorization/subjects/{subjectId}', kind: 'api', body: 'none', handle: getSubject },
  {
    method: 'POST',
    path: '/api/v2/authorization/subjects/{subjectId}/bulkadd',
    kind: 'api',
    body: 'json',
    handle: bulkGrants('add'),
  },
  {
    method: 'POST',
    path: '/api/v2/authorization/subjects/{subjectId}/bulkremove',
    kind: 'api',
    body: 'json',
    handle: bulkGrants('remove'),
  },
  {
    method: 'POST',
    path: '/api/v2/authorization/subjects/{subjectId}/bulkreplace',
    kind: 'api',
    body: 'json',
    handle: bulkGrants('replace'),
  },
  {
    method: 'POST',
    path: '/api/v2/authorization/divisions/{divisionId}/objects/{objectType}',
    kind: 'api',
    body: 'json',
    handle: moveToDivision,
  },
];
