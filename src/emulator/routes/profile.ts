/** The locations catalogue and the bulk auto-answer PATCH. */
import type { LocationEntityListing, UserEntityListing } from '../../genesys/types.js';
import { platformError } from '../errors.js';
import { EXTENSION_PERMISSION, visibleUser } from '../profile.js';
import type { Reply, Route, RouteContext } from '../router.js';
import type { StoredUser } from '../store.js';

/** `PATCH /api/v2/users/bulk` takes at most this many users (the platform's documented limit). */
export const AUTO_ANSWER_BULK_MAX = 50;
export const LOCATIONS_DEFAULT_PAGE_SIZE = 25;
export const LOCATIONS_MAX_PAGE_SIZE = 100;

const badRequest = (message: string): Reply => ({ status: 400, body: platformError(400, 'bad.request', message) });

function positive(query: URLSearchParams, name: string, fallback: number, max?: number): number | string {
  const raw = query.get(name);
  if (raw === null || raw === '') return fallback;
  if (!/^\d+$/.test(raw) || Number(raw) < 1) return `Invalid value for query parameter '${name}': "${raw}"`;
  if (max !== undefined && Number(raw) > max)
    return `Invalid value for query parameter '${name}': the maximum is ${max}, got ${raw}`;
  return Number(raw);
}

function listLocations(ctx: RouteContext): Reply {
  const pageSize = positive(ctx.query, 'pageSize', LOCATIONS_DEFAULT_PAGE_SIZE, LOCATIONS_MAX_PAGE_SIZE);
  const pageNumber = positive(ctx.query, 'pageNumber', 1);
  if (typeof pageSize === 'string') return badRequest(pageSize);
  if (typeof pageNumber === 'string') return badRequest(pageNumber);
  const all = [...ctx.core.locations].sort((a, b) => (a.name ?? '').localeCompare(b.name ?? ''));
  const pageCount = Math.ceil(all.length / pageSize);
  const body: LocationEntityListing = {
    entities: all.slice((pageNumber - 1) * pageSize, pageNumber * pageSize).map((l) => ({ ...l })),
    pageSize,
    pageNumber,
    total: all.length,
    pageCount,
  };
  if (pageNumber < pageCount) body.nextUri = `/api/v2/locations?pageSize=${pageSize}&pageNumber=${pageNumber + 1}`;
  return { status: 200, body };
}

/**
 * `[{id, acdAutoAnswer}]`, at most 50. Assumed (unconfirmed): all or nothing (one bad item refuses the request with
 * 400 naming it), each user's version goes up by one as for a PATCH, and the answer is the users changed.
 */
function patchUsersBulk(ctx: RouteContext): Reply {
  const { core } = ctx;
  const body = ctx.body;
  if (!Array.isArray(body)) return badRequest('The request body must be a JSON array of {id, acdAutoAnswer}');
  if (body.length === 0) return badRequest('The request body must name at least one user');
  if (body.length > AUTO_ANSWER_BULK_MAX)
    return badRequest(`At most ${AUTO_ANSWER_BULK_MAX} users may be updated at once, got ${body.length}`);
  const items: { user: StoredUser; acdAutoAnswer: boolean }[] = [];
  const seen = new Set<string>();
  for (const [i, item] of body.entries()) {
    if (typeof item !== 'object' || item === null || Array.isArray(item))
      return badRequest(`Invalid value for field '[${i}]': expected an object`);
    const { id, acdAutoAnswer, ...rest } = item as Record<string, unknown>;
    const extra = Object.keys(rest)[0];
    if (extra !== undefined)
      return badRequest(`Unrecognized field '[${i}].${extra}': this endpoint sets acdAutoAnswer only`);
    if (typeof id !== 'string') return badRequest(`Invalid value for field '[${i}].id': expected a string`);
    if (typeof acdAutoAnswer !== 'boolean')
      return badRequest(`Invalid value for field '[${i}].acdAutoAnswer': expected a boolean`);
    const user = core.store.get(id);
    if (!user || user.state === 'deleted') return badRequest(`Invalid value for field '[${i}].id': no user ${id}`);
    if (seen.has(id)) return badRequest(`Invalid value for field '[${i}].id': user ${id} is listed twice`);
    seen.add(id);
    items.push({ user, acdAutoAnswer });
  }
  const changed: StoredUser[] = [];
  for (const { user, acdAutoAnswer } of items) {
    const result = core.store.applyPatch(user.id, { version: user.version, acdAutoAnswer });
    if (!result.ok) throw new Error(`bulk auto-answer: ${result.reason}`);
    core.stats.patchApplied(user.id);
    changed.push(result.user);
  }
  const listing: UserEntityListing = {
    entities: changed.map((u) => visibleUser(u, new Set())),
    pageSize: changed.length,
    pageNumber: 1,
    total: changed.length,
    pageCount: 1,
  };
  return { status: 200, body: listing, wrote: true };
}

/** A 403 for a permission the client's role lacks (EmulatorConfig.deniedPermissions), named or not. */
export function permissionDenied(ctx: RouteContext, permission: string = EXTENSION_PERMISSION): Reply {
  const named = ctx.core.config.namePermissions;
  return {
    status: 403,
    body: platformError(
      403,
      named ? 'missing.permissions' : 'not.authorized',
      named
        ? `Unable to perform the requested action. You are missing the following permission(s): [${permission}]`
        : 'You are not authorized to perform the requested action.',
    ),
  };
}

export const profileRoutes: Route[] = [
  { method: 'GET', path: '/api/v2/locations', kind: 'api', body: 'none', handle: listLocations },
  { method: 'PATCH', path: '/api/v2/users/bulk', kind: 'api', body: 'json', handle: patchUsersBulk },
];
