/**
 * Routing and access columns in the run layer: the check that every name a file uses exists, the reads of the
 * catalogues and of what the rows touch, and each row's routing plan merged into its planned row.
 */
import { morePages } from '../genesys/paging.js';
import { type Grant, heldThroughGroup, type NamedEntity } from '../genesys/routing-types.js';
import type { ApiOutcome } from '../genesys/types.js';
import {
  type InputRow,
  type MembershipKind,
  namesUsed,
  type RoutingChanges,
  type RoutingColumn,
  type RoutingKind,
} from '../input/index.js';
import { heldItems, heldNote } from '../plan/held.js';
import {
  type Catalogue,
  type CatalogueIndex,
  type CurrentRouting,
  isRowProblem,
  type PlannedRow,
  type PlanRoutingOptions,
  planRouting,
  type RoutingNeeds,
  type RoutingPlan,
  type RoutingResolvers,
} from '../plan/index.js';
import { fatalApiError } from './api-errors.js';
import { forEachPooled, poolSize } from './pool.js';
import type { Executor, RoutingPort } from './ports.js';
import { CATALOGUES, MEMBERSHIP_ADAPTERS, ROUTING_PAGE_SIZE } from './routing-adapters.js';
import { type ExpandedUser, type ExpandReadDeps, MEMBERSHIP_EXPANSIONS, readExpansions } from './routing-expand.js';

export type { Catalogue } from '../plan/index.js';
export { ROUTING_PAGE_SIZE } from './routing-adapters.js';

/**
 * Calls spent reading for the routing columns, for logs and `--json`: `queueMembers` counts member listings,
 * `expanded` the reads of users by id with their skills, languages or groups expanded.
 */
export type RoutingReadCost = {
  catalogue: number;
  expanded: number;
  skills: number;
  languages: number;
  grants: number;
} & Record<`${MembershipKind}Members`, number>;

export const emptyRoutingCost = (): RoutingReadCost => {
  const members = Object.fromEntries(
    (Object.keys(MEMBERSHIP_ADAPTERS) as MembershipKind[]).map((kind) => [`${kind}Members`, 0]),
  ) as Record<`${MembershipKind}Members`, number>;
  return { catalogue: 0, expanded: 0, skills: 0, languages: 0, grants: 0, ...members };
};

export interface RoutingReadDeps extends ExpandReadDeps {
  port: RoutingPort;
  executor: Executor;
  signal?: AbortSignal;
  /** Per-user reads kept going at once; the governor still paces them. */
  concurrency: number;
  cost: RoutingReadCost;
  /**
   * A queue or group named that no longer exists: `stop` the run (its names were resolved moments ago, so a run
   * again says which), or take it as having no `members` (a resume or a rollback, whose names were resolved by the
   * run they finish or undo: running again cannot help, and it must not hold back every other row).
   */
  goneEntity?: 'stop' | 'members';
}

// ---------------------------------------------------------------------------------------------------------------
// names

export interface RoutingNameProblem {
  row: InputRow;
  column: RoutingColumn;
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
          message: `${found.ambiguous.length} ${use.kind}s are named ${JSON.stringify(use.name)}${where} (ids ${found.ambiguous
            .map((e) => e.id)
            .join(', ')}); rename one in Genesys Cloud so that the name says which.`,
        });
        continue;
      }
      problems.push({
        row,
        column: use.column,
        code: `unknown_${use.kind}`,
        message: `no ${use.kind} named ${JSON.stringify(use.name)}${where}${
          found.suggestion !== undefined ? `; did you mean ${JSON.stringify(found.suggestion)}?` : '.'
        }`,
        ...(found.suggestion !== undefined ? { suggestion: found.suggestion } : {}),
      });
    }
  }
  return problems;
}

// ---------------------------------------------------------------------------------------------------------------
// reads

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
        const { outcome } = await deps.executor.execute(() => CATALOGUES[kind].list(deps.port, page), {
          signal: deps.signal,
        });
        if (!outcome.ok) throw fatalApiError(`Listing ${kind}s (${CATALOGUES[kind].route}, page ${page})`, outcome);
        for (const e of outcome.body.entities) {
          entities.set(e.id, { id: e.id, name: e.name, ...(e.state !== undefined ? { state: e.state } : {}) });
        }
        if (!morePages(outcome.body, page, ROUTING_PAGE_SIZE, outcome.body.entities.length)) break;
      }
      catalogue[kind] = [...entities.values()];
    }),
  );
  return catalogue;
}

export interface RoutingReadTarget {
  /** With its skills, languages or groups when it was read with them expanded (export's listing). */
  user: ExpandedUser;
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
    if (!morePages(outcome.body, page, ROUTING_PAGE_SIZE, outcome.body.entities.length)) return all;
  }
}

/** The users of each entity named, by `memberKey`: its own members, and those it holds through a group only. */
export interface EntityMembers {
  own: Map<string, Set<string>>;
  held: Map<string, Set<string>>;
}

const memberKey = (kind: string, entityId: string) => `${kind}\u0000${entityId}`;

/**
 * The members of every entity (queue, group) the targets' rows name as an item, each read once, whatever the number
 * of users whose row names it: read before the users' own routing, so that rows planned a slice at a time share them.
 */
export async function readEntityMembers(deps: RoutingReadDeps, needs: Iterable<RoutingNeeds>): Promise<EntityMembers> {
  const named = new Map<MembershipKind, Set<string>>();
  for (const n of needs) {
    for (const [kind, wanted] of Object.entries(n.members) as [MembershipKind, string[] | 'all'][]) {
      if (!Array.isArray(wanted)) continue;
      const ids = named.get(kind) ?? new Set<string>();
      for (const id of wanted) ids.add(id);
      named.set(kind, ids);
    }
  }
  const entities: { kind: MembershipKind; entityId: string }[] = [];
  for (const kind of Object.keys(MEMBERSHIP_ADAPTERS) as MembershipKind[]) {
    for (const entityId of [...(named.get(kind) ?? [])].sort()) entities.push({ kind, entityId });
  }
  const members = new Map<string, Set<string>>();
  const heldMembers = new Map<string, Set<string>>();
  await forEachPooled(entities, poolSize(deps.executor, deps.concurrency), async ({ kind, entityId }) => {
    const adapter = MEMBERSHIP_ADAPTERS[kind].members;
    const list = await readAllPages(
      deps,
      `Reading the members of ${kind} ${entityId} (${adapter.route})`,
      (pageNumber) => adapter.read(deps.port, entityId, pageNumber),
      () => deps.cost[`${kind}Members`]++,
    );
    if (list === undefined && deps.goneEntity === 'members') {
      members.set(memberKey(kind, entityId), new Set());
      heldMembers.set(memberKey(kind, entityId), new Set());
      return;
    }
    if (list === undefined) {
      throw fatalApiError(`Reading the members of ${kind} ${entityId}`, {
        ok: false,
        kind: 'not_found',
        status: 404,
        message: `the ${kind} no longer exists (it was deleted after the run read the list of ${kind}s); run again`,
        rateLimit: {},
        latencyMs: 0,
      });
    }
    const own = new Set(list.filter((m) => !m.byGroup).map((m) => m.userId));
    members.set(memberKey(kind, entityId), own);
    heldMembers.set(
      memberKey(kind, entityId),
      new Set(list.filter((m) => m.byGroup && !own.has(m.userId)).map((m) => m.userId)),
    );
  });
  return { own: members, held: heldMembers };
}

/**
 * The current routing of each target, reading only what its row touches: its skills, languages and groups from
 * expanded user reads (routing-expand.ts: what the user carries, else 100 users a call), its grants (one user each),
 * and the members of every entity the rows name (once per entity, shared by all users: `entities`, when read
 * already for these targets and others). What an expansion did not give is read per user: skills, languages, a
 * user's whole list of a membership kind where its row gives an exact one. Users who were deleted meanwhile are in
 * `gone`.
 */
export async function readCurrentRouting(
  deps: RoutingReadDeps,
  targets: readonly RoutingReadTarget[],
  entities?: EntityMembers,
): Promise<CurrentRoutingRead> {
  const { own: members, held: heldMembers } =
    entities ??
    (await readEntityMembers(
      deps,
      targets.map((t) => t.needs),
    ));
  const expanded = await readExpansions(deps, targets, () => deps.cost.expanded++);
  const current = new Map<string, CurrentRouting>();
  const gone = new Set<string>();
  await forEachPooled(targets, poolSize(deps.executor, deps.concurrency), async ({ user, needs }) => {
    const userId = user.id;
    const given = expanded.get(userId) ?? {};
    const routing: {
      skills: CurrentRouting['skills'];
      languages: CurrentRouting['languages'];
      grants: CurrentRouting['grants'];
    } = { skills: [], languages: [], grants: [] };
    let heldGrants: Grant[] = [];
    if (needs.skills && given.skills) routing.skills = given.skills;
    else if (needs.skills) {
      const skills = await readAllPages(
        deps,
        `Reading the skills of user ${userId} (GET /api/v2/users/{userId}/routingskills)`,
        (pageNumber) => deps.port.getUserRoutingSkills(userId, { pageNumber, pageSize: ROUTING_PAGE_SIZE }),
        () => deps.cost.skills++,
      );
      if (skills === undefined) return void gone.add(userId);
      routing.skills = skills;
    }
    if (needs.languages && given.languages) routing.languages = given.languages;
    else if (needs.languages) {
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
      // A grant whose subject is not the user is a group's: held, never planned.
      routing.grants = outcome.body.grants.filter((g) => !heldThroughGroup(g, userId));
      heldGrants = outcome.body.grants.filter((g) => heldThroughGroup(g, userId));
    }
    const memberOf: CurrentRouting['memberOf'] = {};
    const heldOf: CurrentRouting['memberOf'] = {};
    for (const [kind, wanted] of Object.entries(needs.members) as [MembershipKind, string[] | 'all'][]) {
      if (wanted !== 'all') {
        memberOf[kind] = new Set(wanted.filter((id) => members.get(memberKey(kind, id))?.has(userId)));
        const held = wanted.filter((id) => heldMembers.get(memberKey(kind, id))?.has(userId));
        if (held.length > 0) heldOf[kind] = new Set(held);
        continue;
      }
      const expansion = MEMBERSHIP_EXPANSIONS[kind];
      const whole = expansion !== undefined ? given[expansion] : undefined;
      if (whole !== undefined) {
        memberOf[kind] = new Set(whole);
        continue;
      }
      const ofUser = MEMBERSHIP_ADAPTERS[kind].ofUser;
      if (ofUser === undefined) throw new Error(`The ${kind} memberships of a user cannot be read whole.`);
      const all = await readAllPages(
        deps,
        `Reading the ${kind}s of user ${userId} (${ofUser.route})`,
        (pageNumber) => ofUser.read(deps.port, userId, pageNumber),
        () => deps.cost[`${kind}Members`]++,
      );
      if (all === undefined) return void gone.add(userId);
      memberOf[kind] = new Set(all.map((m) => m.entityId));
    }
    current.set(userId, {
      ...routing,
      memberOf,
      ...(heldGrants.length > 0 || Object.keys(heldOf).length > 0
        ? { held: { memberOf: heldOf, grants: heldGrants } }
        : {}),
      ...(user.division?.id !== undefined ? { divisionId: user.division.id } : {}),
    });
  });
  return { current, gone };
}

// ---------------------------------------------------------------------------------------------------------------
// planning

/**
 * A planned row with its routing part, and its status set from both parts. A change that the platform could not
 * take (it would leave a user without a role) makes the whole row invalid: a row is applied whole or not at all.
 */
export function withRouting(
  row: PlannedRow,
  current: CurrentRouting,
  routing: RoutingChanges,
  resolvers: RoutingResolvers,
  options: PlanRoutingOptions = {},
): PlannedRow {
  let plan: RoutingPlan;
  try {
    plan = planRouting(current, routing, resolvers, options);
  } catch (err) {
    if (!isRowProblem(err)) throw err;
    const { rowNumber, line, key, userId } = row;
    return {
      rowNumber,
      line,
      key,
      ...(userId !== undefined ? { userId } : {}),
      status: 'invalid',
      diffs: [],
      note: err.message,
    };
  }
  const held = current.held === undefined ? [] : heldItems(current.held, routing, resolvers);
  const note = held.length > 0 ? heldNote(held) : undefined;
  const noted = note === undefined ? row : { ...row, note: row.note ? `${row.note}; ${note}` : note };
  if (plan.diffs.length === 0) return noted;
  return { ...noted, status: 'change', routing: plan };
}
