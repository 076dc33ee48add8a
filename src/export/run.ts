/**
 * `genesys-bulk export`: the current users, streamed page by page into the columns `update` reads. Reads go through
 * the same client and governor as `update`; what each column costs is in the README ("Export").
 */

import type { Logger } from 'pino';
import type { ConnectionConfig } from '../config.js';
import { CLI_NAMES, ExitCode, type ExitCodeValue, type OptionNames, ValidationError } from '../errors.js';
import { ListingCheck, type ListingPage, morePages, servedSize } from '../genesys/paging.js';
import type { NamedEntity } from '../genesys/routing-types.js';
import type { ApiOutcome, GenesysUser } from '../genesys/types.js';
import type { RoutingKind } from '../input/index.js';
import { CatalogueIndex, type RoutingNeeds } from '../plan/index.js';
import type { Progress } from '../progress.js';
import { fatalApiError } from '../run/api-errors.js';
import { COLLECT_EVERY, collectGarbage } from '../run/collect.js';
import { openContext } from '../run/context.js';
import { GROUPS_PAGE_SIZE, loadGroups } from '../run/groups.js';
import { expansionsFor, loadLocations, nameMapOf } from '../run/profile-fields.js';
import { IDS_PER_GET_SIZES, LIST_PAGE_SIZES } from '../run/resolve.js';
import {
  emptyRoutingCost,
  loadCatalogue,
  ROUTING_PAGE_SIZE,
  type RoutingReadDeps,
  readCurrentRouting,
} from '../run/routing.js';
import { type ExpandedUser, routingExpansions } from '../run/routing-expand.js';
import { escapeControls } from '../text.js';
import { type CellProblem, type Names, userCells } from './cells.js';
import { idsOfKeys, type Keys, keyReadCalls, parseColumns, readKeys } from './selection.js';
import { type ExportFormat, formatFor, openSink } from './sink.js';

/**
 * Users per listing page: the largest the platform takes, as update's listing asks (LIST_PAGE_SIZES: 500, believed
 * and unconfirmed, then 100 and 25 while page 1 is refused with 400; a page cut shorter is read on in its size).
 */
export const USER_PAGE_SIZE = LIST_PAGE_SIZES[0] as number;

/**
 * Users whose routing (grants, skills, languages) is read and written at a time, within a page: a 500-user page's
 * reads at once held more in flight than the 100-user pages the export listed before.
 */
const ROUTING_SLICE = 100;

export type ExportState = 'active' | 'inactive' | 'any';

export interface ExportOptions {
  path?: string;
  format?: ExportFormat;
  /** `a,b,c` as given; undefined: every column `update` reads. */
  columns?: string;
  /** How messages name the options; default the CLI's flags. */
  names?: OptionNames;
  state: ExportState;
  division?: string;
  queue?: string;
  /** Only the members of this group. */
  group?: string;
  keysPath?: string;
  /** The keys file's text encoding, as `--encoding` takes it. */
  keysEncoding?: string;
  force: boolean;
  connection: ConnectionConfig;
  maxConcurrency: number;
  log: Logger;
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  progress: Progress;
  stopSignal?: AbortSignal;
}

/** Calls spent, by what they were for. */
export interface ExportCalls {
  userPages: number;
  /** Users whose listing lacked an expansion, read again by id with it (100 a call). */
  expanded: number;
  catalogue: number;
  queueMembers: number;
  groupMembers: number;
  skills: number;
  languages: number;
  grants: number;
  /** Searches for the users a --keys file names by email (100 a search). */
  searches: number;
}

export interface ExportResult {
  exitCode: ExitCodeValue;
  format: ExportFormat;
  users: number;
  calls: ExportCalls;
  /** Cells left blank because the notation cannot carry their value. */
  blanked: number;
  neutralised: number;
}

export { parseColumns } from './selection.js';

export async function runExport(opts: ExportOptions): Promise<ExportResult> {
  const { log } = opts;
  const said = opts.names ?? CLI_NAMES;
  const columns = parseColumns(opts.columns, said.option('columns'));
  const format = formatFor(opts.path, opts.format, said);
  if (opts.keysEncoding !== undefined && opts.keysPath === undefined)
    throw new ValidationError(
      `${said.option('keysEncoding')} names the text encoding of the ${said.option('keys')} file: give ${said.option('keys')} too, or leave it out.`,
    );
  const keys = opts.keysPath !== undefined ? await readKeys(opts.keysPath, opts.keysEncoding, said) : undefined;
  const wants = (c: string) => columns.includes(c);

  const context = await openContext({
    connection: opts.connection,
    maxConcurrency: opts.maxConcurrency,
    log,
    progress: opts.progress,
    ...(opts.stopSignal !== undefined ? { stopSignal: opts.stopSignal } : {}),
  });
  const { client, governor, counters } = context;
  const cost = emptyRoutingCost();
  const deps: RoutingReadDeps = context.routingReads(cost);
  const calls: ExportCalls = {
    userPages: 0,
    expanded: 0,
    catalogue: 0,
    queueMembers: 0,
    groupMembers: 0,
    skills: 0,
    languages: 0,
    grants: 0,
    searches: 0,
  };

  // Catalogues: only those a column or a filter needs, each read once.
  const kinds = new Set<RoutingKind>();
  if (wants('division') || wants('roles') || opts.division !== undefined) kinds.add('division');
  if (wants('queues') || opts.queue !== undefined) kinds.add('queue');
  if (wants('roles')) kinds.add('role');
  if (wants('skills')) kinds.add('skill');
  if (wants('languages')) kinds.add('language');
  const groupCost = { catalogue: 0, groupMembers: 0 };
  const groupList =
    wants('groups') || opts.group !== undefined
      ? (await loadGroups({ port: client, executor: governor, concurrency: opts.maxConcurrency, cost: groupCost }))
          .entities
      : undefined;
  const catalogue = await loadCatalogue(deps, kinds);
  const index = new CatalogueIndex(catalogue);
  const groupIndex = new CatalogueIndex({ group: groupList ?? [] });
  const nameMap = (list: NamedEntity[] | undefined) => new Map((list ?? []).map((e) => [e.id, e.name]));
  const byId = {
    skill: nameMap(catalogue.skill),
    language: nameMap(catalogue.language),
    role: nameMap(catalogue.role),
    division: nameMap(catalogue.division),
    queue: nameMap(catalogue.queue),
  };
  // Locations come with the user (`expand=locations`) as ids: the catalogue names them.
  const locationNames = wants('locations')
    ? nameMapOf(await loadLocations(context.userReads(), () => cost.catalogue++))
    : {};
  const names: Names = {
    skill: (id) => byId.skill.get(id),
    language: (id) => byId.language.get(id),
    role: (id) => byId.role.get(id),
    division: (id) => byId.division.get(id),
    location: (id) => locationNames[id],
  };
  /** A filter's name (--division, --queue, --group) as the id of the one entity of its kind with that name. */
  const resolve = (kind: 'division' | 'queue' | 'group', name: string): string => {
    const found = (kind === 'group' ? groupIndex : index).lookup(kind, name);
    if ('id' in found) return found.id;
    const shown = JSON.stringify(escapeControls(name));
    if ('ambiguous' in found)
      throw new ValidationError(`${said.option(kind)}: ${found.ambiguous.length} ${kind}s are named ${shown}.`);
    throw new ValidationError(
      `${said.option(kind)}: no ${kind} named ${shown}${found.suggestion !== undefined ? `; did you mean ${JSON.stringify(escapeControls(found.suggestion))}?` : ''}`,
    );
  };
  const divisionId = opts.division !== undefined ? resolve('division', opts.division) : undefined;
  const queueId = opts.queue !== undefined ? resolve('queue', opts.queue) : undefined;
  const groupId = opts.group !== undefined ? resolve('group', opts.group) : undefined;

  // Queue memberships: each queue's member listing read once, before any user; a user's row then costs nothing more.
  const queuesOf = new Map<string, string[]>();
  let onlyIds: Set<string> | undefined;
  const queueIds = wants('queues') ? (catalogue.queue ?? []).map((q) => q.id) : queueId !== undefined ? [queueId] : [];
  for (const id of queueIds) {
    const members = await pages(
      opts,
      `Reading the members of queue ${id} (GET /api/v2/routing/queues/{queueId}/members)`,
      ROUTING_PAGE_SIZE,
      (page) => client.getQueueMembers(id, page),
      () => calls.queueMembers++,
      governor,
    );
    const name = byId.queue.get(id) ?? id;
    const ids = new Set<string>();
    for (const m of members) {
      const userId = (m.user?.id ?? m.id).toLowerCase();
      ids.add(userId);
      // A membership through a group is the group's: the `queues` cell holds the user's own, which update changes.
      if (wants('queues') && m.memberBy !== 'group') {
        const list = queuesOf.get(userId);
        if (list) list.push(name);
        else queuesOf.set(userId, [name]);
      }
    }
    if (id === queueId) onlyIds = ids;
  }
  for (const list of queuesOf.values()) list.sort((a, b) => a.localeCompare(b));
  // Groups: each group's member listing read once, as for queues.
  const groupsOf = new Map<string, string[]>();
  const groupNames = new Map((groupList ?? []).map((g) => [g.id, g.name]));
  const groupIds = wants('groups') ? [...groupNames.keys()] : groupId !== undefined ? [groupId] : [];
  for (const id of groupIds) {
    const members = await pages(
      opts,
      `Reading the members of group ${id} (GET /api/v2/groups/{groupId}/members)`,
      GROUPS_PAGE_SIZE,
      (page) => client.getGroupMembers(id, page),
      () => calls.groupMembers++,
      governor,
    );
    const ids = new Set<string>();
    for (const m of members) {
      const userId = m.id.toLowerCase();
      ids.add(userId);
      if (wants('groups')) {
        const list = groupsOf.get(userId);
        if (list) list.push(groupNames.get(id) ?? id);
        else groupsOf.set(userId, [groupNames.get(id) ?? id]);
      }
    }
    if (id === groupId) onlyIds = onlyIds === undefined ? ids : new Set([...ids].filter((u) => onlyIds!.has(u)));
  }
  // Keys by id alone are read by id; keys by email are searched first (below).
  if (keys !== undefined && keys.emails.size === 0)
    onlyIds = onlyIds === undefined ? keys.ids : new Set([...keys.ids].filter((id) => onlyIds!.has(id)));

  const sink = await openSink({
    path: opts.path,
    format,
    columns,
    force: opts.force,
    inputs: opts.keysPath !== undefined ? [opts.keysPath] : [],
    stdout: opts.stdout,
    names: said,
  });
  let users = 0;
  let blanked = 0;
  // One warning per column and reason at the end: an organisation may have thousands of extension-only phones.
  const blanks = new Map<string, number>();
  const onProblem = (p: CellProblem) => {
    blanked++;
    const key = `${p.column}: ${p.reason}`;
    blanks.set(key, (blanks.get(key) ?? 0) + 1);
    log.debug({ userId: p.userId, column: p.column }, escapeControls(p.detail ?? p.reason));
  };
  const keep = (u: GenesysUser): boolean => {
    if (u.state === 'deleted') return false;
    if (opts.state !== 'any' && u.state !== opts.state) return false;
    if (divisionId !== undefined && u.division?.id !== divisionId) return false;
    if (onlyIds !== undefined && !onlyIds.has(u.id.toLowerCase())) return false;
    if (keys !== undefined && !keys.ids.has(u.id.toLowerCase()) && !keys.emails.has((u.email ?? '').toLowerCase()))
      return false;
    return true;
  };
  // Skills and languages come with the listing (`expand`); a user it gives without them is read again (routing-expand.ts).
  // Grants have no expansion that carries their divisions: they are read per user.
  const needs: RoutingNeeds = {
    skills: wants('skills'),
    languages: wants('languages'),
    grants: wants('roles'),
    members: {},
  };
  const expand = [...routingExpansions(needs), ...expansionsFor(columns)];
  let total = 0;
  const listed = new ListingCheck();
  let collectedAt = 0;
  const collectWhenDue = async () => {
    const { requests } = governor.stats();
    if (requests - collectedAt < COLLECT_EVERY.exportRequests) return;
    collectedAt = requests;
    await collectGarbage();
  };
  /** Writes users, their routing read first (what the columns need). */
  const writeUsers = async (kept: readonly ExpandedUser[]): Promise<void> => {
    const routing =
      kept.length > 0 && (needs.skills || needs.languages || needs.grants)
        ? await readCurrentRouting(
            deps,
            kept.map((user) => ({ user, needs })),
          )
        : undefined;
    for (const user of kept) {
      if (routing?.gone.has(user.id)) continue;
      const current = routing?.current.get(user.id);
      const cells = userCells(
        user,
        {
          skills: current?.skills ?? [],
          languages: current?.languages ?? [],
          // The user's own (readCurrentRouting keeps those held through a group apart): what the `roles` cell holds.
          grants: current?.grants ?? [],
          queues: queuesOf.get(user.id.toLowerCase()) ?? [],
          groups: groupsOf.get(user.id.toLowerCase()) ?? [],
        },
        columns,
        names,
        onProblem,
      );
      await sink.write(cells);
      users++;
    }
  };
  /** Writes the users of a page not written already; resolves with how many that was. */
  const writePage = async (entities: readonly ExpandedUser[]): Promise<number> => {
    const fresh = listed.fresh(entities);
    const kept = fresh.filter(keep);
    for (let i = 0; i < kept.length; i += ROUTING_SLICE) await writeUsers(kept.slice(i, i + ROUTING_SLICE));
    await collectWhenDue();
    return fresh.length;
  };
  const apiState = opts.state;
  const readByIds = async (ids: readonly string[]): Promise<void> => {
    total = ids.length;
    opts.progress.start(total, 'Reading users');
    // How many ids one GET takes is not documented: a batch refused (400) is asked again smaller.
    let at = 0;
    for (let i = 0; i < ids.length; ) {
      const batch = ids.slice(i, i + (IDS_PER_GET_SIZES[at] as number));
      calls.userPages++;
      const { outcome } = await governor.execute(
        () => client.getUsersByIds(batch, { state: apiState, ...(expand.length > 0 ? { expand } : {}) }),
        { signal: opts.stopSignal },
      );
      if (!outcome.ok && outcome.status === 400 && at < IDS_PER_GET_SIZES.length - 1) {
        at++;
        continue;
      }
      if (!outcome.ok) throw fatalApiError('Reading users by id (GET /api/v2/users?id=…)', outcome);
      await writePage(outcome.body.entities);
      i += batch.length;
      opts.progress.update({ done: i, total, ...progressCounters(counters) });
    }
  };
  // Keys by email are searched and their users read by id, unless listing the directory takes fewer calls: page 1
  // of the listing, read when the keys take 3 calls or more, says how many pages it has.
  const byKey = keys !== undefined && keys.emails.size > 0 && onlyIds === undefined ? keyReadCalls(keys) : undefined;
  const readKeysByEmail = async (k: Keys) =>
    readByIds([...(await idsOfKeys({ ...context.userReads(), onCall: () => calls.searches++ }, k))]);
  try {
    if (onlyIds !== undefined) await readByIds([...onlyIds]);
    else if (keys !== undefined && byKey !== undefined && byKey < 3) await readKeysByEmail(keys);
    else {
      let switched = false;
      let pageSize = USER_PAGE_SIZE;
      for (let page = 1, at = 0; ; page++) {
        const asked = page === 1 ? (LIST_PAGE_SIZES[at] as number) : pageSize;
        calls.userPages++;
        const { outcome } = await governor.execute(
          () =>
            client.listUsers({
              pageNumber: page,
              pageSize: asked,
              state: apiState,
              ...(expand.length > 0 ? { expand } : {}),
            }),
          { signal: opts.stopSignal },
        );
        if (!outcome.ok && page === 1 && outcome.status === 400 && at < LIST_PAGE_SIZES.length - 1) {
          at++;
          page--;
          continue;
        }
        if (!outcome.ok) throw fatalApiError(`Listing users (GET /api/v2/users, page ${page})`, outcome);
        const listing = outcome.body;
        if (page === 1) {
          pageSize = servedSize(listing, listing.entities.length, asked);
          const pages = Math.max(1, listing.pageCount || Math.ceil(listing.total / pageSize));
          if (byKey !== undefined && pages - 1 > byKey) {
            switched = true;
            break;
          }
          total = listing.total;
          opts.progress.start(total, 'Reading users');
        }
        listed.total(listing.total);
        const fresh = await writePage(listing.entities);
        opts.progress.update({
          done: Math.min(page * pageSize, total),
          total,
          ...progressCounters(counters),
        });
        // A page of users all listed already says nothing new: a server repeating a page must not be read for ever.
        if (fresh === 0 || !morePages(listing, page, pageSize, listing.entities.length)) break;
      }
      if (switched && keys !== undefined) await readKeysByEmail(keys);
    }
    await sink.close();
  } catch (err) {
    await sink.abandon();
    throw err;
  } finally {
    opts.progress.stop();
  }
  calls.catalogue = cost.catalogue + groupCost.catalogue;
  calls.expanded = cost.expanded;
  calls.skills = cost.skills;
  calls.languages = cost.languages;
  calls.grants = cost.grants;
  const inconsistent = listed.problem();
  if (inconsistent !== undefined)
    log.warn(
      `The user listing changed while it was read (${inconsistent}): users added or removed meanwhile shift the ` +
        'pages, so one may be missing from the export; run it again to be sure.',
    );
  for (const [what, n] of blanks)
    log.warn(`${n} ${n === 1 ? 'cell' : 'cells'} left blank (update reads blank as "no change"): ${what}`);
  if (sink.neutralised > 0)
    log.warn(
      `${sink.neutralised === 1 ? '1 cell starts' : `${sink.neutralised} cells start`} like a spreadsheet formula and were written with a leading ' so that a spreadsheet shows them as text; update reads them back without it`,
    );
  const where = opts.path === undefined || opts.path === '-' ? 'stdout' : JSON.stringify(escapeControls(opts.path));
  const spent = Object.values(calls).reduce((a, b) => a + b, 0);
  log.info({ users, calls, format }, `Exported ${users} users to ${where} in ${spent} calls`);
  return { exitCode: ExitCode.Ok, format, users, calls, blanked, neutralised: sink.neutralised };
}

const progressCounters = (c: { rateLimited: number; retries: number }) => ({
  rateLimited: c.rateLimited,
  retries: c.retries,
  failed: 0,
});

type Governed = RoutingReadDeps['executor'];

async function one<T>(
  opts: { stopSignal?: AbortSignal },
  what: string,
  call: () => Promise<ApiOutcome<T>>,
  count: () => void,
  governor: Governed,
): Promise<T> {
  count();
  const { outcome } = await governor.execute(call, { signal: opts.stopSignal });
  if (!outcome.ok) throw fatalApiError(what, outcome);
  return outcome.body;
}

/** Every page of a listing, `pageSize` a page (genesys/paging.ts says when a page is the last). */
async function pages<E>(
  opts: { stopSignal?: AbortSignal },
  what: string,
  pageSize: number,
  read: (page: { pageNumber: number; pageSize: number }) => Promise<ApiOutcome<{ entities: E[] } & ListingPage>>,
  count: () => void,
  governor: Governed,
): Promise<E[]> {
  const all: E[] = [];
  for (let page = 1; ; page++) {
    const body = await one(opts, `${what}, page ${page}`, () => read({ pageNumber: page, pageSize }), count, governor);
    all.push(...body.entities);
    if (!morePages(body, page, pageSize, body.entities.length)) return all;
  }
}
