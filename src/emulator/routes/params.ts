/**
 * What the emulator's list and member routes share: query parameters checked as the platform checks them (400 with
 * its message), a page of a listing with the platform's links, a named-entity list route, a live user.
 */
import type { EmulatorCore } from '../core.js';
import { platformError } from '../errors.js';
import type { Reply, Route, RouteContext } from '../router.js';
import type { CatalogueEntry } from '../routing.js';
import type { StoredUser } from '../store.js';

export const ROUTING_DEFAULT_PAGE_SIZE = 25;
export const ROUTING_MAX_PAGE_SIZE = 100;

/** A request the platform would answer 400; `guarded` turns it into the reply. */
export class BadRequest extends Error {}

export const badRequest = (message: string): Reply => ({
  status: 400,
  body: platformError(400, 'bad.request', message),
});
export const notFound = (message: string): Reply => ({ status: 404, body: platformError(404, 'not.found', message) });
export const noContent = (): Reply => ({ status: 204, wrote: true });

/** Runs a handler, answering 400 for a `BadRequest` it throws. */
export const guarded =
  (handler: (ctx: RouteContext) => Reply) =>
  (ctx: RouteContext): Reply => {
    try {
      return handler(ctx);
    } catch (err) {
      if (err instanceof BadRequest) return badRequest(err.message);
      throw err;
    }
  };

export function intParam(query: URLSearchParams, name: string, fallback: number, max?: number): number {
  const raw = query.get(name);
  if (raw === null || raw === '') return fallback;
  const value = Number(raw);
  if (!/^\d+$/.test(raw) || !Number.isSafeInteger(value) || value < 1) {
    throw new BadRequest(`Invalid value for query parameter '${name}': expected a positive integer, got "${raw}"`);
  }
  if (max !== undefined && value > max) {
    throw new BadRequest(`Invalid value for query parameter '${name}': the maximum is ${max}, got ${value}`);
  }
  return value;
}

export interface Page {
  pageSize: number;
  pageNumber: number;
}

/** `pageSize` (default 25, at most 100, as the routing and authorization lists take) and `pageNumber`. */
export const pageParams = (
  query: URLSearchParams,
  defaultSize = ROUTING_DEFAULT_PAGE_SIZE,
  maxSize = ROUTING_MAX_PAGE_SIZE,
): Page => ({
  pageSize: intParam(query, 'pageSize', defaultSize, maxSize),
  pageNumber: intParam(query, 'pageNumber', 1),
});

export function descending(query: URLSearchParams): boolean {
  const raw = query.get('sortOrder');
  if (raw === null || raw === '') return false;
  const order = raw.toUpperCase();
  if (order !== 'ASC' && order !== 'DESC') {
    throw new BadRequest(`Invalid value for query parameter 'sortOrder': must be ASC or DESC, got "${raw}"`);
  }
  return order === 'DESC';
}

/** `id` repeated, as `id[]`, or comma-separated. */
export function idsParam(query: URLSearchParams): string[] | undefined {
  if (!query.has('id') && !query.has('id[]')) return undefined;
  const ids = [...query.getAll('id'), ...query.getAll('id[]')]
    .flatMap((v) => v.split(','))
    .map((v) => v.trim())
    .filter((v) => v !== '');
  return [...new Set(ids)];
}

export const byName = <T extends { name?: string | undefined; id: string }>(a: T, b: T): number => {
  const x = (a.name ?? '').toLowerCase();
  const y = (b.name ?? '').toLowerCase();
  if (x !== y) return x < y ? -1 : 1;
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
};

/**
 * One page of `all` (already filtered and sorted), with the platform's links. `counted` false leaves out `total`,
 * `pageCount` and `lastUri`, as the queue-members listing does.
 */
export function listing<T>(
  all: readonly T[],
  page: Page,
  path: string,
  query: URLSearchParams,
  kept: readonly string[],
  counted = true,
): Record<string, unknown> {
  const { pageSize, pageNumber } = page;
  const first = (pageNumber - 1) * pageSize;
  const total = all.length;
  const pageCount = Math.ceil(total / pageSize);
  const extra = new URLSearchParams();
  for (const key of kept) for (const value of query.getAll(key)) extra.append(key, value);
  const tail = extra.size > 0 ? `&${extra.toString()}` : '';
  const uri = (n: number): string => `${path}?pageSize=${pageSize}&pageNumber=${n}${tail}`;
  return {
    entities: all.slice(first, first + pageSize),
    pageSize,
    pageNumber,
    ...(counted && { total, pageCount }),
    firstUri: uri(1),
    selfUri: uri(pageNumber),
    ...(counted && { lastUri: uri(Math.max(1, pageCount)) }),
    ...(pageNumber < pageCount && { nextUri: uri(pageNumber + 1) }),
    ...(pageNumber > 1 && { previousUri: uri(pageNumber - 1) }),
  };
}

/** Case-insensitive "starts with", the routing skills list's documented `name` filter. */
export const startsWith = (filter: string) => (name: string) => name.toLowerCase().startsWith(filter.toLowerCase());

export interface CatalogueList<T extends CatalogueEntry> {
  path: string;
  entries: (core: EmulatorCore) => readonly T[];
  entity: (entry: T, core: EmulatorCore) => Record<string, unknown>;
  nameMatcher: (filter: string) => (name: string) => boolean;
}

export function catalogueList<T extends CatalogueEntry>(list: CatalogueList<T>): Route {
  return {
    method: 'GET',
    path: list.path,
    kind: 'api',
    body: 'none',
    handle: guarded((ctx) => {
      const { query, core } = ctx;
      const page = pageParams(query);
      const desc = descending(query);
      const ids = idsParam(query);
      const name = query.get('name');
      const matches = name ? list.nameMatcher(name) : undefined;
      const found = list
        .entries(core)
        .filter((e) => (ids === undefined || ids.includes(e.id)) && (matches === undefined || matches(e.name)))
        .sort(byName);
      if (desc) found.reverse();
      const entities = found.map((e) => list.entity(e, core));
      return { status: 200, body: listing(entities, page, list.path, query, ['name', 'id', 'sortOrder']) };
    }),
  };
}

/** An existing, not deleted user. */
export function liveUser(core: EmulatorCore, id: string): StoredUser | undefined {
  const user = core.store.get(id);
  return user && user.state !== 'deleted' ? user : undefined;
}

export const userNotFound = (id: string): Reply => notFound(`Unable to find a user with id ${id}`);

/** Every id must be an existing, not deleted user: otherwise the whole request is refused. */
export function knownUsers(core: EmulatorCore, ids: readonly string[]): void {
  const unknown = ids.find((id) => !liveUser(core, id));
  if (unknown !== undefined) throw new BadRequest(`Unable to find a user with id ${unknown}`);
}
