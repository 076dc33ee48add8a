/**
 * Routing and access columns in the run layer: the catalogues that turn names into ids, the check that every name a
 * file uses exists, the reads of what the rows touch, and each row's routing plan merged into its planned row.
 */
import type { EntityListing, NamedEntity } from '../genesys/routing-types.js';
import type { ApiOutcome, GenesysUser } from '../genesys/types.js';
import { type InputRow, levenshtein, type RoutingChanges } from '../input/index.js';
import {
  type CurrentRouting,
  catalogueResolvers,
  type FieldDiff,
  GRANTED,
  isRoutingField,
  isRowProblem,
  MEMBER,
  type PlannedRow,
  type PlanRoutingOptions,
  planRouting,
  type RoutingKind,
  type RoutingPlan,
  type RoutingResolvers,
  UnresolvedRoutingNameError,
} from '../plan/index.js';
import { fatalApiError } from './api-errors.js';
import { forEachPooled, poolSize } from './pool.js';
import type { Executor, RoutingPort } from './ports.js';

/** The organisation's skills, languages, queues, roles and divisions, as listed: what a run resolves names against. */
export type Catalogue = Partial<Record<RoutingKind, NamedEntity[]>>;

/** The most the platform gives per page on the routing and authorization lists. */
export const ROUTING_PAGE_SIZE = 100;

const NOUN: Record<RoutingKind, string> = {
  skill: 'skill',
  language: 'language',
  queue: 'queue',
  role: 'role',
  division: 'division',
};

/** Calls spent reading for the routing columns, for logs and `--json`. */
export interface RoutingReadCost {
  catalogue: number;
  skills: number;
  languages: number;
  grants: number;
  queueMembers: number;
}

export const emptyRoutingCost = (): RoutingReadCost => ({
  catalogue: 0,
  skills: 0,
  languages: 0,
  grants: 0,
  queueMembers: 0,
});

export interface RoutingReadDeps {
  port: RoutingPort;
  executor: Executor;
  signal?: AbortSignal;
  /** Per-user reads kept going at once; the governor still paces them. */
  concurrency: number;
  cost: RoutingReadCost;
}

// ---------------------------------------------------------------------------------------------------------------
// names

type RoutingColumnName = 'skills' | 'languages' | 'queues' | 'roles' | 'division';

interface NameUse {
  kind: RoutingKind;
  name: string;
  column: RoutingColumnName;
  /** The item as the row wrote it, when it says more than the name (a role's division). */
  item?: string;
}

/** Every catalogue name a row's routing changes use, with the column it is in. */
export function namesUsed(routing: RoutingChanges): NameUse[] {
  const uses: NameUse[] = [];
  for (const [column, kind] of [
    ['skills', 'skill'],
    ['languages', 'language'],
  ] as const) {
    const change = routing[column];
    if (change === undefined) continue;
    const names =
      change.mode === 'replace'
        ? change.items.map((i) => i.name)
        : [...change.add.map((i) => i.name), ...change.remove];
    for (const name of names) uses.push({ kind, name, column });
  }
  if (routing.queues !== undefined) {
    for (const name of [...routing.queues.add, ...routing.queues.remove])
      uses.push({ kind: 'queue', name, column: 'queues' });
  }
  if (routing.roles !== undefined) {
    const r = routing.roles;
    const grants = r.mode === 'replace' ? r.items : [...r.add, ...r.remove];
    for (const g of grants) {
      const item = `${g.role}@${g.division}`;
      uses.push({ kind: 'role', name: g.role, column: 'roles', item });
      uses.push({ kind: 'division', name: g.division, column: 'roles', item });
    }
  }
  if (routing.division !== undefined) uses.push({ kind: 'division', name: routing.division, column: 'division' });
  return uses;
}

/** The catalogues a set of rows needs: only the kinds their routing columns name. */
export function cataloguesNeeded(routings: Iterable<RoutingChanges>): Set<RoutingKind> {
  const kinds = new Set<RoutingKind>();
  for (const routing of routings) for (const use of namesUsed(routing)) kinds.add(use.kind);
  return kinds;
}

type Lookup = { id: string } | { ambiguous: NamedEntity[] } | { unknown: true; suggestion?: string };

/** Case-insensitive name lookup over a catalogue that can also say "did you mean" and "two share that name". */
export class CatalogueIndex {
  private readonly byName = new Map<RoutingKind, Map<string, NamedEntity[]>>();

  constructor(catalogue: Catalogue) {
    for (const [kind, entities] of Object.entries(catalogue) as [RoutingKind, NamedEntity[]][]) {
      const names = new Map<string, NamedEntity[]>();
      for (const e of entities) {
        // A deleted entity cannot be assigned; catalogueResolvers ignores it the same way.
        if (e.state?.toLowerCase() === 'deleted') continue;
        const key = e.name.trim().toLowerCase();
        const same = names.get(key) ?? [];
        // Listed twice (a page boundary moved while reading) is still one entity.
        if (!same.some((x) => x.id === e.id)) names.set(key, [...same, e]);
      }
      this.byName.set(kind, names);
    }
  }

  lookup(kind: RoutingKind, name: string): Lookup {
    const names = this.byName.get(kind) ?? new Map<string, NamedEntity[]>();
    const key = name.trim().toLowerCase();
    const found = names.get(key) ?? [];
    if (found.length === 1) return { id: found[0]!.id };
    if (found.length > 1) return { ambiguous: found };
    let best: string | undefined;
    let bestDistance = Number.POSITIVE_INFINITY;
    for (const [candidate, entities] of names) {
      const d = levenshtein(key, candidate);
      if (d < bestDistance || (d === bestDistance && best !== undefined && entities[0]!.name < best)) {
        bestDistance = d;
        best = entities[0]!.name;
      }
    }
    // As for column names: one edit for short names, else about one in four characters.
    const tolerance = key.length <= 3 ? 1 : Math.max(2, Math.floor(key.length / 4));
    return bestDistance <= tolerance && best !== undefined ? { unknown: true, suggestion: best } : { unknown: true };
  }
}

export interface RoutingNameProblem {
  row: InputRow;
  column: RoutingColumnName;
  /** What is wrong with the name, without the row and column. */
  message: string;
  /** `unknown_skill`, `ambiguous_queue`… */
  code: string;
  /** The closest known name, when one is close. */
  suggestion?: string;
}

/**
 * Every name of every row checked against the catalogues: one problem per unknown name (with the closest known one)
 * and per ambiguous one, in the order the row names them.
 */
export function checkRoutingNames(rows: readonly InputRow[], index: CatalogueIndex): RoutingNameProblem[] {
  const problems: RoutingNameProblem[] = [];
  for (const row of rows) {
    if (row.changes.routing === undefined) continue;
    const seen = new Set<string>();
    for (const use of namesUsed(row.changes.routing)) {
      const found = index.lookup(use.kind, use.name);
      if ('id' in found) continue;
      const key = `${use.column}\u0000${use.kind}\u0000${use.name.toLowerCase()}`;
      if (seen.has(key)) continue;
      seen.add(key);
      const where = use.item !== undefined && use.kind === 'division' ? ` (in ${JSON.stringify(use.item)})` : '';
      if ('ambiguous' in found) {
        problems.push({
          row,
          column: use.column,
          code: `ambiguous_${use.kind}`,
          message: `${found.ambiguous.length} ${NOUN[use.kind]}s are named ${JSON.stringify(use.name)}${where} (ids ${found.ambiguous
            .map((e) => e.id)
            .join(', ')}); rename one in Genesys Cloud so that the name says which`,
        });
        continue;
      }
      problems.push({
        row,
        column: use.column,
        code: `unknown_${use.kind}`,
        message: `no ${NOUN[use.kind]} named ${JSON.stringify(use.name)}${where}${
          found.suggestion !== undefined ? `; did you mean ${JSON.stringify(found.suggestion)}?` : ''
        }`,
        ...(found.suggestion !== undefined ? { suggestion: found.suggestion } : {}),
      });
    }
  }
  return problems;
}

/** Resolvers over a catalogue, as planRouting takes them. */
export function runResolvers(catalogue: Catalogue): RoutingResolvers {
  return catalogueResolvers(catalogue);
}

// ---------------------------------------------------------------------------------------------------------------
// reads

const LISTS: Record<
  RoutingKind,
  { route: string; list: (port: RoutingPort, page: number) => Promise<ApiOutcome<EntityListing<NamedEntity>>> }
> = {
  skill: {
    route: 'GET /api/v2/routing/skills',
    list: (port, pageNumber) => port.listRoutingSkills({ pageNumber, pageSize: ROUTING_PAGE_SIZE }),
  },
  language: {
    route: 'GET /api/v2/routing/languages',
    list: (port, pageNumber) => port.listRoutingLanguages({ pageNumber, pageSize: ROUTING_PAGE_SIZE }),
  },
  queue: {
    route: 'GET /api/v2/routing/queues',
    list: (port, pageNumber) => port.listQueues({ pageNumber, pageSize: ROUTING_PAGE_SIZE }),
  },
  role: {
    route: 'GET /api/v2/authorization/roles',
    list: (port, pageNumber) => port.listRoles({ pageNumber, pageSize: ROUTING_PAGE_SIZE }),
  },
  division: {
    route: 'GET /api/v2/authorization/divisions',
    list: (port, pageNumber) => port.listDivisions({ pageNumber, pageSize: ROUTING_PAGE_SIZE }),
  },
};

/** Whether `page` is a listing's last: by its page count where it has one, else by the absence of a next page. */
function lastPage(body: { pageCount?: number; nextUri?: string; entities: unknown[] }, page: number): boolean {
  if (body.entities.length === 0) return true;
  return body.pageCount !== undefined ? page >= body.pageCount : !body.nextUri;
}

/**
 * Reads the catalogues of `kinds`, every page, once per run: every name the file uses is then resolved, and an unknown
 * one can be met with the closest known name. A failure is fatal: nothing has been written yet.
 */
export async function loadCatalogue(deps: RoutingReadDeps, kinds: Iterable<RoutingKind>): Promise<Catalogue> {
  const catalogue: Catalogue = {};
  await Promise.all(
    [...kinds].map(async (kind) => {
      const entities = new Map<string, NamedEntity>();
      for (let page = 1; ; page++) {
        deps.cost.catalogue++;
        const { outcome } = await deps.executor.execute(() => LISTS[kind].list(deps.port, page), {
          signal: deps.signal,
        });
        if (!outcome.ok) throw fatalApiError(`Listing ${NOUN[kind]}s (${LISTS[kind].route}, page ${page})`, outcome);
        for (const e of outcome.body.entities) {
          entities.set(e.id, { id: e.id, name: e.name, ...(e.state !== undefined ? { state: e.state } : {}) });
        }
        if (lastPage(outcome.body, page)) break;
      }
      catalogue[kind] = [...entities.values()];
    }),
  );
  return catalogue;
}

/** What one user's routing plan needs read. */
export interface RoutingNeeds {
  skills: boolean;
  languages: boolean;
  grants: boolean;
  /** Queues whose membership of this user matters. */
  queueIds: string[];
}

/** Reads only the kinds a row's routing changes touch; the division comes with the user. */
export function needsOf(routing: RoutingChanges, resolvers: RoutingResolvers): RoutingNeeds {
  const queueIds = routing.queues
    ? [...routing.queues.add, ...routing.queues.remove].flatMap((name) => {
        const id = resolvers.queueId(name);
        if (id === undefined) throw new UnresolvedRoutingNameError('queue', name);
        return [id];
      })
    : [];
  return {
    skills: routing.skills !== undefined,
    languages: routing.languages !== undefined,
    grants: routing.roles !== undefined,
    queueIds,
  };
}

export interface RoutingReadTarget {
  user: GenesysUser;
  needs: RoutingNeeds;
}

export interface CurrentRoutingRead {
  current: Map<string, CurrentRouting>;
  /** Users the platform no longer knows (deleted since they were read). */
  gone: Set<string>;
}

/** Every page of a paged read; undefined when the first page says the subject does not exist. */
async function readAllPages<E>(
  deps: RoutingReadDeps,
  what: string,
  read: (pageNumber: number) => Promise<ApiOutcome<{ entities: E[]; pageCount?: number; nextUri?: string }>>,
  count: () => void,
): Promise<E[] | undefined> {
  const all: E[] = [];
  for (let page = 1; ; page++) {
    count();
    const { outcome } = await deps.executor.execute(() => read(page), { signal: deps.signal });
    if (!outcome.ok) {
      if (outcome.kind === 'not_found') return undefined;
      throw fatalApiError(`${what}, page ${page}`, outcome);
    }
    all.push(...outcome.body.entities);
    if (lastPage(outcome.body, page)) return all;
  }
}

/**
 * The current routing of each target, reading only what its row touches: its skills, languages and grants (one
 * user each), and the members of every queue the rows name (once per queue, shared by all users). Users who were
 * deleted meanwhile are in `gone`.
 */
export async function readCurrentRouting(
  deps: RoutingReadDeps,
  targets: readonly RoutingReadTarget[],
): Promise<CurrentRoutingRead> {
  const queueIds = [...new Set(targets.flatMap((t) => t.needs.queueIds))].sort();
  const members = new Map<string, Set<string>>();
  await forEachPooled(queueIds, poolSize(deps.executor, deps.concurrency), async (queueId) => {
    const list = await readAllPages(
      deps,
      `Reading the members of queue ${queueId} (GET /api/v2/routing/queues/{queueId}/members)`,
      (pageNumber) => deps.port.getQueueMembers(queueId, { pageNumber, pageSize: ROUTING_PAGE_SIZE }),
      () => deps.cost.queueMembers++,
    );
    if (list === undefined) {
      throw fatalApiError(`Reading the members of queue ${queueId}`, {
        ok: false,
        kind: 'not_found',
        status: 404,
        message: 'the queue no longer exists (it was deleted after the run read the list of queues); run again',
        rateLimit: {},
        latencyMs: 0,
      });
    }
    members.set(queueId, new Set(list.map((m) => m.user?.id ?? m.id)));
  });

  const current = new Map<string, CurrentRouting>();
  const gone = new Set<string>();
  await forEachPooled(targets, poolSize(deps.executor, deps.concurrency), async ({ user, needs }) => {
    const userId = user.id;
    const routing: {
      skills: CurrentRouting['skills'];
      languages: CurrentRouting['languages'];
      grants: CurrentRouting['grants'];
    } = { skills: [], languages: [], grants: [] };
    if (needs.skills) {
      const skills = await readAllPages(
        deps,
        `Reading the skills of user ${userId} (GET /api/v2/users/{userId}/routingskills)`,
        (pageNumber) => deps.port.getUserRoutingSkills(userId, { pageNumber, pageSize: ROUTING_PAGE_SIZE }),
        () => deps.cost.skills++,
      );
      if (skills === undefined) return void gone.add(userId);
      routing.skills = skills;
    }
    if (needs.languages) {
      const languages = await readAllPages(
        deps,
        `Reading the languages of user ${userId} (GET /api/v2/users/{userId}/routinglanguages)`,
        (pageNumber) => deps.port.getUserRoutingLanguages(userId, { pageNumber, pageSize: ROUTING_PAGE_SIZE }),
        () => deps.cost.languages++,
      );
      if (languages === undefined) return void gone.add(userId);
      routing.languages = languages;
    }
    if (needs.grants) {
      deps.cost.grants++;
      const { outcome } = await deps.executor.execute(() => deps.port.getSubject(userId), { signal: deps.signal });
      if (!outcome.ok) {
        if (outcome.kind === 'not_found') return void gone.add(userId);
        throw fatalApiError(`Reading the roles of user ${userId} (GET /api/v2/authorization/subjects/{id})`, outcome);
      }
      routing.grants = outcome.body.grants;
    }
    current.set(userId, {
      ...routing,
      queueIds: new Set(needs.queueIds.filter((q) => members.get(q)?.has(userId))),
      ...(user.division?.id !== undefined ? { divisionId: user.division.id } : {}),
    });
  });
  return { current, gone };
}

// ---------------------------------------------------------------------------------------------------------------
// planning

/** Whether a planned row has profile writes (a PATCH of fields, or of `state`). */
export function hasProfileWork(p: PlannedRow): boolean {
  return p.patch !== undefined || p.state !== undefined;
}

export const profileDiffs = (diffs: readonly FieldDiff[]): FieldDiff[] => diffs.filter((d) => !isRoutingField(d.field));

/**
 * A planned row with its routing diffs merged in (after the profile's, so that the report reads profile first), and
 * its status set from all of them. A change that the platform could not take (it would leave a user without a role)
 * makes the whole row invalid: a row is applied whole or not at all.
 */
export function withRouting(
  row: PlannedRow,
  current: CurrentRouting,
  routing: RoutingChanges,
  resolvers: RoutingResolvers,
  options: PlanRoutingOptions = {},
): { row: PlannedRow; plan?: RoutingPlan } {
  let plan: RoutingPlan;
  try {
    plan = planRouting(current, routing, resolvers, options);
  } catch (err) {
    if (!isRowProblem(err)) throw err;
    const { rowNumber, line, key, userId } = row;
    return {
      row: {
        rowNumber,
        line,
        key,
        ...(userId !== undefined ? { userId } : {}),
        status: 'invalid',
        diffs: [],
        note: err.message,
      },
    };
  }
  if (plan.diffs.length === 0) return { row };
  return { row: { ...row, status: 'change', diffs: [...row.diffs, ...plan.diffs] }, plan };
}

// ---------------------------------------------------------------------------------------------------------------
// rollback

/** Proficiencies as the diffs show them: 4, 4.5. */
function showProficiency(p: number): string {
  return String(Math.round(p * 10) / 10);
}

/**
 * The value a routing field has now, in the notation of its diffs (plan/routing): a proficiency, `member`, `granted`,
 * a division's name, or null. Names resolve through the catalogue, and failing that through the names the platform
 * gave with the assignments.
 */
export function readRoutingField(current: CurrentRouting, field: string, resolvers: RoutingResolvers): string | null {
  if (field === 'division') {
    if (current.divisionId === undefined) return null;
    return resolvers.nameOf?.('division', current.divisionId) ?? current.divisionId;
  }
  const colon = field.indexOf(':');
  const kind = field.slice(0, colon);
  const name = field.slice(colon + 1);
  const same = (a: string | undefined) => a !== undefined && a.trim().toLowerCase() === name.trim().toLowerCase();
  switch (kind) {
    case 'skill':
    case 'language': {
      const list = kind === 'skill' ? current.skills : current.languages;
      const id = kind === 'skill' ? resolvers.skillId(name) : resolvers.languageId(name);
      const found = list.find((x) => (id !== undefined ? x.id === id : same(x.name)));
      return found === undefined ? null : showProficiency(found.proficiency);
    }
    case 'queue': {
      const id = resolvers.queueId(name);
      return id !== undefined && current.queueIds.has(id) ? MEMBER : null;
    }
    case 'role': {
      const at = name.lastIndexOf('@');
      const roleId = resolvers.roleId(name.slice(0, at));
      const divisionId = resolvers.divisionId(name.slice(at + 1));
      const held = current.grants.some((g) =>
        roleId !== undefined && divisionId !== undefined
          ? g.role.id === roleId && g.division.id === divisionId
          : same(`${g.role.name}@${g.division.name}`),
      );
      return held ? GRANTED : null;
    }
    default:
      throw new RangeError(`Not a routing field: ${field}`);
  }
}

/** Two values of a routing field are the same: proficiencies as numbers, names whatever their case. */
export function sameRoutingValue(field: string, a: string | null, b: string | null): boolean {
  if (a === null || b === null) return a === b;
  if (field.startsWith('skill:') || field.startsWith('language:')) return Math.abs(Number(a) - Number(b)) < 1e-6;
  return a.trim().toLowerCase() === b.trim().toLowerCase();
}

/** What a rollback must read for the routing fields a run wrote to one user. */
export function needsOfFields(fields: Iterable<string>, resolvers: RoutingResolvers): RoutingNeeds {
  const needs: RoutingNeeds = { skills: false, languages: false, grants: false, queueIds: [] };
  for (const field of fields) {
    if (field.startsWith('skill:')) needs.skills = true;
    else if (field.startsWith('language:')) needs.languages = true;
    else if (field.startsWith('role:')) needs.grants = true;
    else if (field.startsWith('queue:')) {
      const id = resolvers.queueId(field.slice('queue:'.length));
      if (id !== undefined) needs.queueIds.push(id);
    }
  }
  return needs;
}
