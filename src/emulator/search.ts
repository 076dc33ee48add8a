/**
 * POST /api/v2/users/search, pure: validation of a `UserSearchRequest` and matching users against it.
 */
import type { GenesysUser, UsersSearchResponse } from '../genesys/types.js';

export const SEARCH_FIELDS = ['id', 'name', 'email', 'username', 'title', 'department', 'state'] as const;
export type SearchField = (typeof SEARCH_FIELDS)[number];
export const SEARCH_TYPES = ['EXACT', 'TERM', 'TERMS', 'STARTS_WITH', 'CONTAINS'] as const;
export type SearchType = (typeof SEARCH_TYPES)[number];
const OPERATORS = ['AND', 'OR', 'NOT'] as const;
type Operator = (typeof OPERATORS)[number];

/** `UsersSearchResponse` as sent: `results` is absent when the page is empty. */
export type SearchResponseBody = Omit<UsersSearchResponse, 'results'> & { results?: GenesysUser[] };

export const SEARCH_DEFAULT_PAGE_SIZE = 25;
export const SEARCH_MAX_PAGE_SIZE = 100;

/** The most `pageSize` a search takes, and whether a larger one is refused or reduced to it. */
export interface SearchPageLimit {
  max: number;
  aboveMax: 'reject' | 'clamp';
  /** EXACT on email and username compares case-sensitively (EmulatorConfig.searchEmailCaseSensitive). */
  emailCaseSensitive?: boolean;
}

// EXACT on these compares without regard to case; on name, title and department it is case-sensitive.
const CASE_INSENSITIVE_EXACT: ReadonlySet<SearchField> = new Set(['id', 'email', 'username', 'state']);
const CASE_INSENSITIVE_EXACT_BUT_EMAIL: ReadonlySet<SearchField> = new Set(['id', 'state']);

interface Criterion {
  type: SearchType;
  fields: SearchField[];
  /** Lower-cased unless the comparison is case-sensitive (EXACT on a case-sensitive field keeps both forms). */
  values: string[];
  operator: Operator;
  /** Lower-cased values, for EXACT on case-insensitive fields: a set, since a search may name hundreds. */
  exact: ReadonlySet<string>;
}

export interface CompiledSearch {
  criteria: Criterion[];
  pageSize: number;
  pageNumber: number;
  sortBy: SearchField;
  descending: boolean;
  /** The request as received, for the paging links. */
  request: Record<string, unknown>;
  /** The fields whose EXACT ignores case. */
  foldedExact: ReadonlySet<SearchField>;
}

export type SearchCompilation = { ok: true; search: CompiledSearch } | { ok: false; message: string };

const REQUEST_KEYS = [
  'query',
  'pageSize',
  'pageNumber',
  'sortOrder',
  'sortBy',
  'sort',
  'expand',
  'returnFields',
  'integrationPresenceSource',
  'enforcePermissions',
];
const CRITERION_KEYS = ['type', 'fields', 'value', 'values', 'operator', 'group', 'startValue', 'endValue'];

class Invalid extends Error {}

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

function positiveInt(field: string, value: unknown, fallback: number, max?: number, clamp = false): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) {
    throw new Invalid(`Invalid value for field '${field}': expected a positive integer, got ${JSON.stringify(value)}`);
  }
  if (max !== undefined && value > max) {
    if (clamp) return max;
    throw new Invalid(`Invalid value for field '${field}': the maximum is ${max}, got ${value}`);
  }
  return value;
}

function compileCriterion(raw: unknown, i: number): Criterion {
  const at = `query[${i}]`;
  if (!isObject(raw)) throw new Invalid(`Invalid value for field '${at}': expected an object`);
  for (const key of Object.keys(raw)) {
    if (!CRITERION_KEYS.includes(key)) throw new Invalid(`Unrecognized field '${at}.${key}'`);
  }
  if (raw.group !== undefined || raw.startValue !== undefined || raw.endValue !== undefined) {
    throw new Invalid(`Invalid value for field '${at}': groups and ranges are not supported by the emulator`);
  }
  if (!SEARCH_TYPES.includes(raw.type as SearchType)) {
    throw new Invalid(
      `Invalid value for field '${at}.type': must be one of ${SEARCH_TYPES.join(', ')}, got ${JSON.stringify(raw.type)}`,
    );
  }
  const type = raw.type as SearchType;
  if (!Array.isArray(raw.fields) || raw.fields.length === 0) {
    throw new Invalid(`Invalid value for field '${at}.fields': expected a non-empty array of field names`);
  }
  const fields = raw.fields.map((field, j) => {
    if (!SEARCH_FIELDS.includes(field as SearchField)) {
      throw new Invalid(
        `Invalid value for field '${at}.fields[${j}]': must be one of ${SEARCH_FIELDS.join(', ')}, got ${JSON.stringify(field)}`,
      );
    }
    return field as SearchField;
  });
  const values: string[] = [];
  if (raw.value !== undefined) {
    if (typeof raw.value !== 'string') throw new Invalid(`Invalid value for field '${at}.value': expected a string`);
    values.push(raw.value);
  }
  if (raw.values !== undefined) {
    if (!Array.isArray(raw.values) || raw.values.some((v) => typeof v !== 'string')) {
      throw new Invalid(`Invalid value for field '${at}.values': expected an array of strings`);
    }
    values.push(...(raw.values as string[]));
  }
  if (values.length === 0) throw new Invalid(`Invalid value for field '${at}': needs a value or values`);
  const operator = raw.operator ?? 'AND';
  if (!OPERATORS.includes(operator as Operator)) {
    throw new Invalid(
      `Invalid value for field '${at}.operator': must be one of ${OPERATORS.join(', ')}, got ${JSON.stringify(operator)}`,
    );
  }
  return { type, fields, values, operator: operator as Operator, exact: new Set(values.map((v) => v.toLowerCase())) };
}

function compile(body: unknown, limit: SearchPageLimit): CompiledSearch {
  if (!isObject(body)) throw new Invalid('The request body must be a JSON object');
  for (const key of Object.keys(body)) {
    if (!REQUEST_KEYS.includes(key)) throw new Invalid(`Unrecognized field '${key}'`);
  }
  if (!Array.isArray(body.query) || body.query.length === 0) {
    throw new Invalid("Invalid value for field 'query': expected a non-empty array of criteria");
  }
  const criteria = body.query.map(compileCriterion);
  const defaultSize = Math.min(SEARCH_DEFAULT_PAGE_SIZE, limit.max);
  const pageSize = positiveInt('pageSize', body.pageSize, defaultSize, limit.max, limit.aboveMax === 'clamp');
  const pageNumber = positiveInt('pageNumber', body.pageNumber, 1);
  const sortBy = body.sortBy ?? 'name';
  if (!SEARCH_FIELDS.includes(sortBy as SearchField)) {
    throw new Invalid(`Invalid value for field 'sortBy': must be one of ${SEARCH_FIELDS.join(', ')}`);
  }
  const sortOrder = body.sortOrder ?? 'ASC';
  if (!['ASC', 'DESC', 'SCORE'].includes(sortOrder as string)) {
    throw new Invalid(`Invalid value for field 'sortOrder': must be one of ASC, DESC, SCORE`);
  }
  return {
    criteria,
    pageSize,
    pageNumber,
    sortBy: sortBy as SearchField,
    descending: sortOrder === 'DESC',
    request: body,
    foldedExact: limit.emailCaseSensitive ? CASE_INSENSITIVE_EXACT_BUT_EMAIL : CASE_INSENSITIVE_EXACT,
  };
}

export function compileSearch(
  body: unknown,
  limit: SearchPageLimit = { max: SEARCH_MAX_PAGE_SIZE, aboveMax: 'reject' },
): SearchCompilation {
  try {
    return { ok: true, search: compile(body, limit) };
  } catch (err) {
    if (err instanceof Invalid) return { ok: false, message: err.message };
    throw err;
  }
}

function fieldValue(user: GenesysUser, field: SearchField): string | undefined {
  return user[field];
}

const tokens = (text: string): string[] => text.toLowerCase().split(/[^\p{L}\p{N}]+/u);

function matchesValue(type: SearchType, folded: boolean, actual: string, wanted: string): boolean {
  switch (type) {
    case 'EXACT':
      return folded ? actual.toLowerCase() === wanted.toLowerCase() : actual === wanted;
    case 'TERM':
    case 'TERMS': {
      const w = wanted.toLowerCase();
      return actual.toLowerCase() === w || tokens(actual).includes(w);
    }
    case 'STARTS_WITH': {
      const w = wanted.toLowerCase();
      return actual.toLowerCase().startsWith(w) || tokens(actual).some((t) => t.startsWith(w));
    }
    case 'CONTAINS':
      return actual.toLowerCase().includes(wanted.toLowerCase());
  }
}

function matchesCriterion(user: GenesysUser, c: Criterion, foldedExact: ReadonlySet<SearchField>): boolean {
  return c.fields.some((field) => {
    const actual = fieldValue(user, field);
    if (actual === undefined) return false;
    const folded = foldedExact.has(field);
    if (c.type === 'EXACT' && folded) return c.exact.has(actual.toLowerCase());
    return c.values.some((wanted) => matchesValue(c.type, folded, actual, wanted));
  });
}

/**
 * AND criteria must all match, at least one OR criterion must match when there are any, and no NOT criterion
 * may match.
 */
export function matchesSearch(user: GenesysUser, search: CompiledSearch): boolean {
  let anyOr = false;
  let orMatched = false;
  for (const c of search.criteria) {
    const hit = matchesCriterion(user, c, search.foldedExact);
    if (c.operator === 'AND' && !hit) return false;
    if (c.operator === 'NOT' && hit) return false;
    if (c.operator === 'OR') {
      anyOr = true;
      orMatched ||= hit;
    }
  }
  return !anyOr || orMatched;
}

/** Encodes a search request as the `q64` of the paging links (GET /api/v2/users/search?q64=…). */
export function encodeQ64(request: Record<string, unknown>, pageNumber: number): string {
  return Buffer.from(JSON.stringify({ ...request, pageNumber })).toString('base64');
}

export function decodeQ64(q64: string): unknown {
  try {
    return JSON.parse(Buffer.from(q64, 'base64').toString('utf8'));
  } catch {
    return undefined;
  }
}

/**
 * Runs a compiled search over `users`, given in name order. Only active and inactive users are searched, as on
 * the platform.
 */
export function runSearch(users: Iterable<GenesysUser>, search: CompiledSearch): SearchResponseBody {
  let matches: GenesysUser[] = [];
  for (const user of users) {
    if (user.state !== 'deleted' && matchesSearch(user, search)) matches.push(user);
  }
  if (search.sortBy !== 'name') {
    const key = search.sortBy;
    matches = matches.sort((a, b) => compareKeys(fieldValue(a, key), fieldValue(b, key)) || compareKeys(a.id, b.id));
  }
  if (search.descending) matches.reverse();
  const { pageSize, pageNumber } = search;
  const total = matches.length;
  const pageCount = Math.ceil(total / pageSize);
  const link = (page: number): string =>
    `/api/v2/users/search?q64=${encodeURIComponent(encodeQ64(search.request, page))}`;
  const results = matches.slice((pageNumber - 1) * pageSize, pageNumber * pageSize);
  const response: SearchResponseBody = { total, pageCount, pageSize, pageNumber, types: ['users'] };
  // The platform leaves `results` out of a page with nothing on it.
  if (results.length > 0) response.results = results;
  response.currentPage = link(pageNumber);
  if (pageNumber > 1) response.previousPage = link(pageNumber - 1);
  if (pageNumber < pageCount) response.nextPage = link(pageNumber + 1);
  return response;
}

function compareKeys(a: string | undefined, b: string | undefined): number {
  const x = a?.toLowerCase() ?? '';
  const y = b?.toLowerCase() ?? '';
  return x < y ? -1 : x > y ? 1 : 0;
}
