import { morePages, servedSize } from '../genesys/paging.js';
import type { ApiFailure, GenesysUser, UserEntityListing } from '../genesys/types.js';
import { chunk, DEFAULT_READ_LIMITS } from '../plan/index.js';
import { fatalApiError } from './api-errors.js';
import type { Collector } from './collect.js';
import { forEachPooled, poolSize } from './pool.js';
import type { Executor, Projection, UsersPort } from './ports.js';

export const IDS_PER_GET = DEFAULT_READ_LIMITS.idsPerGet;
export const EMAILS_PER_SEARCH = DEFAULT_READ_LIMITS.emailsPerSearch;
export const LIST_PAGE_SIZE = DEFAULT_READ_LIMITS.listPageSize;
/**
 * Page sizes a listing tries in turn while the platform refuses one with 400: the maximum is unconfirmed (500 is
 * believed). A platform that cuts a page to its maximum instead says so in the page, and the rest is read in that
 * size.
 */
export const LIST_PAGE_SIZES = [LIST_PAGE_SIZE, 100, 25];
/** The same for searching emails (the search's maximum is unconfirmed too). */
export const SEARCH_PAGE_SIZES = [EMAILS_PER_SEARCH, 25];
/** Ids per GET tried in turn while the platform refuses a batch with 400: how many one GET takes is not documented. */
export const IDS_PER_GET_SIZES = [IDS_PER_GET, 50, 25];
/**
 * Listing pages in flight at once, at most (the pool also follows the governor's in-flight figure). A page of 500
 * users is about 3 MB once parsed, and pages that pile up in flight are what a listing of 100,000 users costs in
 * memory; at the platform's usual 300 requests a minute, four pages of a second or less each keep up with the rate
 * anyway. Several tokens allow several times the rate, and four were then the limit: ten tokens read 32,000 users
 * in 64 pages in 1.54–1.74 s at four, 1.14–1.29 s at eight (peak RSS 147 -> 150 MB). One token keeps four: at eight,
 * the 100,000-row dry run with --report peaked at 197 MB instead of 192 (its bound is 200).
 */
export const LIST_PAGES_IN_FLIGHT = 4;
/**
 * Keys a full listing did not find that are looked up again by key before they are reported not found: a user
 * created or renamed while the pages are read moves the others by one place, so one can be on no page read.
 * At most 1,000 (10 calls): a handful per page boundary slip, and a listing is read when the file names most of the
 * directory, so many keys not found are users that do not exist (new hires for --create), whose lookups would add
 * back the by-key read that the listing was chosen to save; the keys past the bound are reported as before.
 */
export const MAX_CONFIRMED_KEYS = 1000;
export const LIST_PAGES_IN_FLIGHT_TOKENS = 8;

/** Where read users go: an index that keeps them, or a planner that plans their rows and drops them. */
export interface UserStore {
  add(user: GenesysUser): void;
  /** Whether a user with this id was read (and is not deleted). */
  hasId(id: string): boolean;
  /** Whether a user with this (lower-cased) email was read. */
  hasEmail(email: string): boolean;
  /** Up to `most` of the keys the store waits for that no user read has (a store that knows them). */
  missing?(most: number): { ids: string[]; emails: string[] };
  readonly size: number;
}

/** Users found so far, by id and by lower-cased email. Deleted users are never found. */
export class UserIndex implements UserStore {
  readonly byId = new Map<string, GenesysUser>();
  readonly byEmail = new Map<string, GenesysUser>();

  /**
   * `project` keeps only what the run needs of each user; `only`, when given, the users with these ids: a listing
   * read for a few of 100,000 users would otherwise hold all of them. (Found by email, a user outside `only` is
   * dropped too: give `only` to an index that is read by id alone.)
   */
  constructor(
    private readonly project: (user: GenesysUser) => GenesysUser = (u) => u,
    private readonly only?: ReadonlySet<string>,
  ) {}

  add(full: GenesysUser): void {
    if (full.state === 'deleted') return;
    if (this.only && !this.only.has(full.id)) return;
    const user = this.project(full);
    this.byId.set(user.id, user);
    if (user.email) this.byEmail.set(user.email.toLowerCase(), user);
  }

  hasId(id: string): boolean {
    return this.byId.has(id);
  }

  hasEmail(email: string): boolean {
    return this.byEmail.has(email);
  }

  get size(): number {
    return this.byId.size;
  }
}

export interface ResolveDeps {
  users: UsersPort;
  executor: Executor;
  signal?: AbortSignal;
  /** Called once per read call, for logs and tests. */
  onCall?: (what: string) => void;
  /**
   * What the store keeps of each user, passed to the reads so that a port that can applies it as it parses each
   * page (the store must not need more, and may project again).
   */
  project?: Projection;
  /** Run after every `every` listing pages: a full collection (collect.ts) while a listing goes on. */
  collect?: Collector;
  /**
   * The file's own spellings of lower-cased emails, searched with them: a platform whose search is case-sensitive
   * finds a stored `Ann.Lee@x.com` by that spelling only.
   */
  spellings?: ReadonlyMap<string, string>;
  /**
   * Expansions the reads by id and the listing also ask for (a user's skills, languages, groups: routing-expand.ts),
   * so that routing need not read the same users again. Whether the platform takes them on these reads is
   * unconfirmed: a 400 to a read that asked for them sets `refused`, and the read is made again without them.
   */
  carry?: { expand: string[]; refused: boolean };
}

export interface ReadCost {
  byKeyCalls: number;
  listingCalls?: number;
  strategy: 'by-key' | 'full-listing';
}

/**
 * Loads the users named by `ids` and `emails` (lower-cased) in as few calls as possible: by key (100 ids per
 * GET, 100 emails per search) or, when the file covers most of the directory, by listing it whole. The size of
 * the directory is unknown until one listing page has been read, so that page is read only when listing could
 * win; the users on it are kept either way, so the probe is never wasted. `ids` and `emails` are read before the
 * first await: the caller may empty them as soon as this returns its promise.
 */
export async function resolveUsers<S extends UserStore>(
  deps: ResolveDeps,
  ids: ReadonlySet<string>,
  emails: ReadonlySet<string>,
  index: S,
): Promise<{ index: S; cost: ReadCost }> {
  const wantIds = new Set([...ids].filter((id) => !index.hasId(id)));
  const wantEmails = new Set([...emails].filter((e) => !index.hasEmail(e)));
  const byKeyCalls = Math.ceil(wantIds.size / IDS_PER_GET) + Math.ceil(wantEmails.size / EMAILS_PER_SEARCH);
  const cost: ReadCost = { byKeyCalls, strategy: 'by-key' };
  // Once probed: a user found by search comes without the carried expansions, so routing reads it again by id.
  const perSearch = carrying(deps) ? 2 : 1;
  // Listing needs at least two pages to be worth a probe; below 3 calls by key it never wins.
  if (byKeyCalls >= 3) {
    const { page: first, pageSize } = await firstListPage(deps);
    for (const u of first.entities) index.add(u);
    const pages = Math.max(1, first.pageCount || Math.ceil(first.total / pageSize));
    cost.listingCalls = pages;
    const remainingByKey =
      Math.ceil([...wantIds].filter((id) => !index.hasId(id)).length / IDS_PER_GET) +
      perSearch * Math.ceil([...wantEmails].filter((e) => !index.hasEmail(e)).length / EMAILS_PER_SEARCH);
    if (pages - 1 < remainingByKey) {
      cost.strategy = 'full-listing';
      // The keys are not looked up again: 100,000 of them would stay live through the whole listing.
      wantIds.clear();
      wantEmails.clear();
      // Together, up to LIST_PAGES_IN_FLIGHT (or _TOKENS): the governor paces them, and a sequence would wait out each
      // one's latency. Each page goes into the index as it comes, so that only the projection of it is kept.
      const rest = Array.from({ length: pages - 1 }, (_, i) => i + 2);
      let read = 1;
      const tokens = deps.executor.stats?.().lanes?.length ?? 1;
      const cap = tokens > 1 ? LIST_PAGES_IN_FLIGHT_TOKENS : LIST_PAGES_IN_FLIGHT;
      await forEachPooled(rest, poolSize(deps.executor, cap), async (pageNumber) => {
        for (const u of (await listPage(deps, pageNumber, pageSize)).entities) index.add(u);
        if (deps.collect && ++read % deps.collect.every === 0) await deps.collect.run();
      });
      const missing = index.missing?.(MAX_CONFIRMED_KEYS);
      if (missing)
        await Promise.all([
          fetchByIds(deps, missing.ids, index, { at: 0 }),
          searchByEmails(deps, missing.emails, index, { at: 0 }),
        ]);
      return { index, cost };
    }
  }
  await Promise.all([
    fetchByIds(
      deps,
      [...wantIds].filter((id) => !index.hasId(id)),
      index,
      { at: 0 },
    ),
    searchByEmails(
      deps,
      [...wantEmails].filter((e) => !index.hasEmail(e)),
      index,
      { at: 0 },
    ),
  ]);
  return { index, cost };
}

/** Page 1 of the listing, in the largest page size the platform takes, and the size the other pages are read in. */
async function firstListPage(deps: ResolveDeps): Promise<{ page: UserEntityListing; pageSize: number }> {
  for (let at = 0; ; at++) {
    const asked = LIST_PAGE_SIZES[at] as number;
    const carried = carrying(deps);
    const outcome = await listCall(deps, 1, asked);
    if (outcome.ok)
      return { page: outcome.body, pageSize: servedSize(outcome.body, outcome.body.entities.length, asked) };
    if (refusedCarry(deps, carried, outcome)) {
      at--;
      continue;
    }
    if (outcome.status !== 400 || at === LIST_PAGE_SIZES.length - 1) throw listingError(1, outcome);
  }
}

async function listPage(deps: ResolveDeps, pageNumber: number, pageSize: number): Promise<UserEntityListing> {
  const outcome = await listCall(deps, pageNumber, pageSize);
  if (!outcome.ok) throw listingError(pageNumber, outcome);
  return outcome.body;
}

async function listCall(deps: ResolveDeps, pageNumber: number, pageSize: number) {
  deps.onCall?.('list');
  const { outcome } = await deps.executor.execute(
    () =>
      deps.users.listUsers({
        pageNumber,
        pageSize,
        state: 'any',
        ...(deps.project && { project: deps.project }),
        ...(carrying(deps) && { expand: deps.carry!.expand }),
      }),
    { signal: deps.signal },
  );
  return outcome;
}

const listingError = (pageNumber: number, outcome: ApiFailure) =>
  fatalApiError(`Listing users (GET /api/v2/users, page ${pageNumber})`, outcome);

async function fetchByIds(deps: ResolveDeps, ids: string[], index: UserStore, step: SizeStep): Promise<void> {
  // Batches run together (the governor paces them; waiting out each one's latency in turn only adds time), as many
  // as keep the governor's queue fed.
  await forEachPooled(chunk(ids, IDS_PER_GET), poolSize(deps.executor, Infinity), (batch) =>
    fetchIdBatch(deps, batch, index, step),
  );
}

async function fetchIdBatch(deps: ResolveDeps, batch: string[], index: UserStore, step: SizeStep): Promise<void> {
  const at = step.at;
  const most = IDS_PER_GET_SIZES[at] as number;
  if (batch.length > most) {
    for (const part of chunk(batch, most)) await fetchIdBatch(deps, part, index, step);
    return;
  }
  deps.onCall?.('get-by-ids');
  const carried = carrying(deps);
  const { outcome } = await deps.executor.execute(
    () =>
      deps.users.getUsersByIds(batch, {
        state: 'any',
        ...(deps.project && { project: deps.project }),
        ...(carried && { expand: deps.carry!.expand }),
      }),
    { signal: deps.signal },
  );
  if (!outcome.ok && refusedCarry(deps, carried, outcome)) return fetchIdBatch(deps, batch, index, step);
  if (!outcome.ok && outcome.status === 400 && at < IDS_PER_GET_SIZES.length - 1) {
    step.at = Math.max(step.at, at + 1);
    return fetchIdBatch(deps, batch, index, step);
  }
  if (!outcome.ok) throw fatalApiError('Reading users by id (GET /api/v2/users?id=…)', outcome);
  for (const u of outcome.body.entities) index.add(u);
}

/** Whether the next read asks for the carried expansions. */
const carrying = (deps: ResolveDeps): boolean => deps.carry !== undefined && !deps.carry.refused;

/** Whether a read that asked for the carried expansions was refused (400): then none asks for them again. */
function refusedCarry(deps: ResolveDeps, carried: boolean, outcome: ApiFailure): boolean {
  if (!carried || outcome.status !== 400) return false;
  deps.carry!.refused = true;
  return true;
}

/**
 * Where in a list of sizes (IDS_PER_GET_SIZES, SEARCH_PAGE_SIZES) the calls of one read are: a size refused once is
 * not asked again (routing-expand.ts's reads with expansions keep one too).
 */
export interface SizeStep {
  at: number;
}

/** Searches the users with these (lower-cased) emails, 100 a search (fewer while the platform refuses that size). */
export async function searchByEmails(
  deps: ResolveDeps,
  emails: string[],
  index: UserStore,
  size: SizeStep = { at: 0 },
): Promise<void> {
  const spelled = deps.spellings;
  const values = spelled ? emails.flatMap((e) => (spelled.has(e) ? [e, spelled.get(e)!] : [e])) : emails;
  await forEachPooled(chunk(values, EMAILS_PER_SEARCH), poolSize(deps.executor, Infinity), (batch) =>
    searchEmailBatch(deps, batch, index, size),
  );
}

async function searchEmailBatch(deps: ResolveDeps, batch: string[], index: UserStore, size: SizeStep): Promise<void> {
  let pageSize = 0;
  for (let pageNumber = 1; ; pageNumber++) {
    const at = size.at;
    const asked = pageNumber === 1 ? (SEARCH_PAGE_SIZES[at] as number) : pageSize;
    deps.onCall?.('search');
    const { outcome } = await deps.executor.execute(
      () =>
        deps.users.searchUsers(
          { query: [{ type: 'EXACT', fields: ['email'], values: batch }], pageSize: asked, pageNumber },
          deps.project && { project: deps.project },
        ),
      { signal: deps.signal },
    );
    if (!outcome.ok && pageNumber === 1 && outcome.status === 400 && at < SEARCH_PAGE_SIZES.length - 1) {
      size.at = Math.max(size.at, at + 1);
      pageNumber--;
      continue;
    }
    if (!outcome.ok) throw fatalApiError('Searching users by email (POST /api/v2/users/search)', outcome);
    const results = outcome.body.results ?? [];
    for (const u of results) index.add(u);
    if (pageNumber === 1) pageSize = servedSize(outcome.body, results.length, asked);
    if (!morePages(outcome.body, pageNumber, pageSize, results.length)) break;
  }
}

/** The user fields a row's changes read when planned (see plan/user-change), by input change key. */
const FIELDS_FOR_CHANGE: Record<string, (keyof GenesysUser)[]> = {
  name: ['name'],
  email: ['email'],
  title: ['title'],
  department: ['department'],
  preferredName: ['preferredName'],
  manager: ['manager'],
  employerInfo: ['employerInfo'],
  phones: ['addresses'],
  clearExtensions: ['addresses'],
  acdAutoAnswer: ['acdAutoAnswer'],
  locations: ['locations'],
  restoreLocations: ['locations'],
  profileSkills: ['profileSkills'],
  certifications: ['certifications'],
  state: ['state'],
  asSaved: ['addresses', 'employerInfo', 'acdAutoAnswer'],
};

/**
 * A projection that keeps a user's identity, version, state and division (every run needs them) and the fields
 * that some row's changes touch, and the `expansions` the read carries (ResolveDeps.carry); the rest of the profile
 * (contact lists, chat, links) is dropped. Unknown change keys keep the whole user, so a new column cannot silently
 * plan against a missing field.
 */
export function projectionFor(
  changeKeys: Iterable<string>,
  expansions: readonly string[] = [],
): (user: GenesysUser) => GenesysUser {
  const fields = fieldsReadBy(changeKeys);
  return fields ? projectionOf([...fields, ...(expansions as (keyof GenesysUser)[])]) : (u) => u;
}

/**
 * What a write needs of a user held until its PATCH: its id, version and state and the fields the changes touch (as
 * in projectionFor, less the email, name and division that reading and planning need). 100,000 users held for an
 * apply are a third the size (issue #12). Unknown change keys keep the whole user.
 */
export function writeProjectionFor(changeKeys: Iterable<string>): (user: GenesysUser) => GenesysUser {
  const fields = fieldsReadBy(changeKeys);
  return fields ? picking(new Set<keyof GenesysUser>(['id', 'version', 'state', ...fields])) : (u) => u;
}

/** The user fields the changes read (routing reads none here); undefined for a change key this version cannot map. */
function fieldsReadBy(changeKeys: Iterable<string>): (keyof GenesysUser)[] | undefined {
  const fields: (keyof GenesysUser)[] = [];
  for (const key of changeKeys) {
    if (key === 'routing') continue;
    const read = FIELDS_FOR_CHANGE[key];
    if (!read) return undefined;
    fields.push(...read);
  }
  return fields;
}

/** A copy of the user with only the fields in `keep` (those it has). */
function picking(keep: ReadonlySet<keyof GenesysUser>): (user: GenesysUser) => GenesysUser {
  return (user) => {
    const out: Record<string, unknown> = {};
    for (const f of keep) if (user[f] !== undefined) out[f] = user[f];
    return out as unknown as GenesysUser;
  };
}

/** The projection that keeps a user's identity, version, state and division, and `fields`. */
export function projectionOf(fields: Iterable<keyof GenesysUser>): (user: GenesysUser) => GenesysUser {
  const keep = new Set<keyof GenesysUser>(['id', 'version', 'state', 'email', 'name', 'division', ...fields]);
  /**
   * One object per division, shared: each user read comes with its own copy (id, name, a link), and the users of an
   * organisation share a few divisions. Never changed once read, so sharing is safe.
   */
  const divisions = new Map<string, NonNullable<GenesysUser['division']>>();
  const shared = (d: NonNullable<GenesysUser['division']>) => {
    const known = divisions.get(d.id);
    if (
      known &&
      known.name === d.name &&
      known.selfUri === d.selfUri &&
      Object.keys(known).length === Object.keys(d).length
    )
      return known;
    if (!known && divisions.size < MAX_SHARED_DIVISIONS) divisions.set(d.id, d);
    return d;
  };
  const pick = picking(keep);
  return (user) => {
    const out = pick(user);
    if (user.division && typeof user.division.id === 'string') out.division = shared(user.division);
    return out;
  };
}

const MAX_SHARED_DIVISIONS = 1000;
