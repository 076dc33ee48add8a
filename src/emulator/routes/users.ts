/** The Users API: list, get, search and patch. */
import type { GenesysUser, UserEntityListing } from '../../genesys/types.js';
import { platformError, versionConflict } from '../errors.js';
import { EXTENSION_PERMISSION, expandOf, setsExtension, visibleUser } from '../profile.js';
import type { Reply, Route, RouteContext } from '../router.js';
import { compileSearch, decodeQ64, runSearch } from '../search.js';
import type { StoredUser } from '../store.js';
import { validatePatch } from '../validation.js';
import { permissionDenied } from './profile.js';
import { userProficiencies } from './routing.js';

export const LIST_DEFAULT_PAGE_SIZE = 25;

const STATES = ['active', 'inactive', 'deleted', 'any'] as const;
type StateFilter = (typeof STATES)[number];

const badRequest = (message: string): Reply => ({ status: 400, body: platformError(400, 'bad.request', message) });

const notFound = (id: string): Reply => ({
  status: 404,
  body: platformError(404, 'not.found', `Unable to find a user with id ${id}`),
});

class BadParam extends Error {}

function intParam(query: URLSearchParams, name: string, fallback: number, max?: number): number {
  const raw = query.get(name);
  if (raw === null || raw === '') return fallback;
  const value = Number(raw);
  if (!/^\d+$/.test(raw) || !Number.isSafeInteger(value) || value < 1) {
    throw new BadParam(`Invalid value for query parameter '${name}': expected a positive integer, got "${raw}"`);
  }
  if (max !== undefined && value > max) {
    throw new BadParam(`Invalid value for query parameter '${name}': the maximum is ${max}, got ${value}`);
  }
  return value;
}

function stateParam(query: URLSearchParams, fallback: StateFilter): StateFilter {
  const raw = query.get('state');
  if (raw === null || raw === '') return fallback;
  if (!STATES.includes(raw as StateFilter)) {
    throw new BadParam(`Invalid value for query parameter 'state': must be one of ${STATES.join(', ')}, got "${raw}"`);
  }
  return raw as StateFilter;
}

/** Repeated `id=` parameters, each of which may also be a comma-separated list (the SDK joins arrays with commas). */
function idsParam(query: URLSearchParams): string[] {
  const ids = query
    .getAll('id')
    .flatMap((v) => v.split(','))
    .map((v) => v.trim())
    .filter((v) => v !== '');
  return [...new Set(ids)];
}

const inState = (user: GenesysUser, state: StateFilter): boolean => state === 'any' || user.state === state;

function compareByName(a: GenesysUser, b: GenesysUser): number {
  const x = (a.name ?? '').toLowerCase();
  const y = (b.name ?? '').toLowerCase();
  if (x !== y) return x < y ? -1 : 1;
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

function listUsers(ctx: RouteContext): Reply {
  const { query, core } = ctx;
  try {
    const { usersPageSizeMax: max, pageSizeAboveMax } = core.config;
    const asked = intParam(
      query,
      'pageSize',
      Math.min(LIST_DEFAULT_PAGE_SIZE, max),
      pageSizeAboveMax === 'clamp' ? undefined : max,
    );
    const pageSize = Math.min(asked, max);
    const pageNumber = intParam(query, 'pageNumber', 1);
    const state = stateParam(query, 'active');
    const sortOrder = (query.get('sortOrder') ?? 'ASC').toUpperCase();
    if (sortOrder !== 'ASC' && sortOrder !== 'DESC') {
      throw new BadParam(`Invalid value for query parameter 'sortOrder': must be ASC or DESC, got "${sortOrder}"`);
    }
    const ids = idsParam(query);
    if (ids.length > core.config.usersMaxIds) {
      const most = core.config.usersMaxIds;
      throw new BadParam(`Too many ids: at most ${most} may be requested at once, got ${ids.length}`);
    }

    const first = (pageNumber - 1) * pageSize;
    const entities: StoredUser[] = [];
    let total = 0;
    if (query.has('id')) {
      const found = ids
        .map((id) => core.store.get(id))
        .filter((u): u is StoredUser => u !== undefined && inState(u, state))
        .sort(compareByName);
      if (sortOrder === 'DESC') found.reverse();
      total = found.length;
      entities.push(...found.slice(first, first + pageSize));
    } else {
      if (pageNumber > 1) core.beforeListPage.run('next page');
      const ordered = core.store.inNameOrder();
      const n = ordered.length;
      for (let i = 0; i < n; i++) {
        const user = ordered[sortOrder === 'DESC' ? n - 1 - i : i] as StoredUser;
        if (!inState(user, state)) continue;
        if (total >= first && total < first + pageSize) entities.push(user);
        total++;
      }
    }

    const expanded = expandUsers(ctx, entities, true);
    const pageCount = Math.ceil(total / pageSize);
    // The platform's form is /api/v2/users?pageSize=25&pageNumber=2; filters that were given follow, so that
    // following a link keeps them.
    const extra = new URLSearchParams();
    if (query.has('state')) extra.set('state', state);
    if (query.has('sortOrder')) extra.set('sortOrder', sortOrder);
    for (const id of ids) extra.append('id', id);
    const tail = extra.size > 0 ? `&${extra.toString()}` : '';
    const uri = (page: number): string => `/api/v2/users?pageSize=${pageSize}&pageNumber=${page}${tail}`;
    const listing: UserEntityListing = {
      entities: expanded,
      pageSize,
      pageNumber,
      total,
      pageCount,
      firstUri: uri(1),
      selfUri: uri(pageNumber),
      lastUri: uri(Math.max(1, pageCount)),
    };
    if (pageNumber < pageCount) listing.nextUri = uri(pageNumber + 1);
    if (pageNumber > 1) listing.previousUri = uri(pageNumber - 1);
    return { status: 200, body: listing };
  } catch (err) {
    if (err instanceof BadParam) return badRequest(err.message);
    throw err;
  }
}

/**
 * `expand=skills,languages,groups` (repeated or comma-separated): each user's routing skills and languages, and the
 * groups it is a member of (`[{id, name, selfUri}]`), inline as the platform's User has them. Other expansions are
 * ignored, as the platform says expansions are best effort. In a list (`list`), `expandOmitRate` leaves each of the
 * three out of a user's entry by a draw of its own.
 */
function expandUsers(ctx: RouteContext, users: StoredUser[], list = false): GenesysUser[] {
  const expand = expandOf(ctx.query);
  const shown = users.map((u) => visibleUser(u, expand));
  if (!expand.has('skills') && !expand.has('languages') && !expand.has('groups')) return shown;
  const given = (name: string) => expand.has(name) && !(list && ctx.core.drawExpandOmit());
  const groups = (id: string) =>
    ctx.core.groups.groupsOf(id).map((g) => ({
      id: g,
      name: ctx.core.groups.byId.get(g)?.name,
      selfUri: `/api/v2/groups/${g}`,
    }));
  const inline = (id: string, kind: 'skill' | 'language') =>
    userProficiencies(ctx.core, id, kind).map(({ id, name, proficiency, state }) => ({ id, name, proficiency, state }));
  return shown.map((u) => ({
    ...u,
    ...(given('skills') ? { skills: inline(u.id, 'skill') } : {}),
    ...(given('languages') ? { languages: inline(u.id, 'language') } : {}),
    ...(given('groups') ? { groups: groups(u.id) } : {}),
  }));
}

function getUser(ctx: RouteContext): Reply {
  const id = ctx.params.userId as string;
  let state: StateFilter;
  try {
    state = stateParam(ctx.query, 'any');
  } catch (err) {
    if (err instanceof BadParam) return badRequest(err.message);
    throw err;
  }
  const user = ctx.core.store.get(id);
  // A deleted user is only found when asked for by state.
  if (!user || (user.state === 'deleted' && state !== 'deleted') || !inState(user, state)) return notFound(id);
  const wrong = ctx.core.userReadAnswers.get(id);
  if (wrong !== undefined) {
    if (--wrong.left === 0) ctx.core.userReadAnswers.delete(id);
    return { status: 200, body: wrong.body };
  }
  return { status: 200, body: expandUsers(ctx, [user])[0] };
}

function search(core: RouteContext['core'], body: unknown): Reply {
  const compiled = compileSearch(body, {
    max: core.config.searchPageSizeMax,
    aboveMax: core.config.pageSizeAboveMax,
    emailCaseSensitive: core.config.searchEmailCaseSensitive,
  });
  if (!compiled.ok) return badRequest(compiled.message);
  const response = runSearch(core.searchable(core.store.inNameOrder()), compiled.search);
  const expand = expandOf(new URLSearchParams(), body);
  if (response.results) response.results = response.results.map((u) => visibleUser(u as StoredUser, expand));
  return { status: 200, body: response };
}

function postSearch(ctx: RouteContext): Reply {
  return search(ctx.core, ctx.body);
}

function getSearch(ctx: RouteContext): Reply {
  const q64 = ctx.query.get('q64');
  if (!q64) return badRequest("Missing required query parameter 'q64'");
  const body = decodeQ64(q64);
  if (body === undefined) return badRequest("Invalid value for query parameter 'q64': not a base64-encoded search");
  return search(ctx.core, body);
}

function patchUser(ctx: RouteContext): Reply {
  const { core } = ctx;
  const id = ctx.params.userId as string;
  const existing = core.store.get(id);
  if (!existing || existing.state === 'deleted') return notFound(id);
  core.beforeUserWrite.run(id);
  if (core.store.get(id)?.state === 'deleted') return notFound(id);
  core.maybeConcurrentEdit(id);

  const validation = validatePatch(ctx.body, {
    userId: id,
    userExists: (other) => {
      const user = core.store.get(other);
      return user !== undefined && user.state !== 'deleted';
    },
    locationExists: (locationId) => core.locations.some((l) => l.id === locationId),
    textMaxLength: core.config.textMaxLength,
  });
  if (!validation.ok) return badRequest(validation.message);
  const { addresses } = validation.patch;
  if (
    addresses !== undefined &&
    core.config.deniedPermissions.includes(EXTENSION_PERMISSION) &&
    setsExtension(existing.addresses, addresses)
  )
    return permissionDenied(ctx, EXTENSION_PERMISSION);

  const answer = core.userWriteAnswers.get(id);
  core.userWriteAnswers.delete(id);
  if (answer?.rereads) core.userReadAnswers.set(id, { body: answer.body, left: answer.rereads });
  if (answer?.applied === false) return { status: 200, body: answer.body };
  const result = core.store.applyPatch(id, validation.patch, core.config.addressesPatch);
  if (!result.ok) {
    if (result.reason === 'version') {
      const status = core.config.versionConflictStatus;
      return { status, body: versionConflict(status, validation.patch.version, result.current) };
    }
    const status = core.config.duplicateEmailStatus;
    const message = `The ${result.field} ${result.value} is already in use by another user.`;
    return { status, body: platformError(status, status === 409 ? 'general.conflict' : 'bad.request', message) };
  }
  core.stats.patchApplied(id);
  if (answer !== undefined) return { status: 200, body: answer.body, wrote: true };
  // Assumed: the answer to a PATCH carries no expansion, like a GET without `expand`.
  return { status: 200, body: visibleUser(result.user, new Set()), wrote: true };
}

export const userRoutes: Route[] = [
  { method: 'GET', path: '/api/v2/users', kind: 'api', body: 'none', handle: listUsers },
  { method: 'GET', path: '/api/v2/users/search', kind: 'api', body: 'none', handle: getSearch },
  { method: 'POST', path: '/api/v2/users/search', kind: 'api', body: 'json', handle: postSearch },
  { method: 'GET', path: '/api/v2/users/{userId}', kind: 'api', body: 'none', handle: getUser },
  { method: 'PATCH', path: '/api/v2/users/{userId}', kind: 'api', body: 'json', handle: patchUser },
];
