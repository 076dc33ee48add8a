import type { GenesysUser } from '../genesys/types.js';
import {
  type CallCount,
  type Catalogue,
  type CurrentRouting,
  catalogueResolvers,
  decodedRows,
  type EncodedPlan,
  needsOf,
  type PlannedRow,
  type RoutingNeeds,
  summarise,
  TextStore,
  textList,
} from '../plan/index.js';
import { decodePlannedRow, encodePlannedRow } from '../plan/plan.js';
import { COLLECT_EVERY, collectGarbage } from './collect.js';
import { routingWork } from './compact.js';
import {
  type RoutingReadDeps,
  type RoutingReadTarget,
  readCurrentRouting,
  readEntityMembers,
  withRouting,
} from './routing.js';
import { RoutingCallCounter, slices } from './routing-slices.js';

/**
 * Users whose routing is read and planned together. A whole run's current routing, held at once, was most of what a
 * dry run with routing columns held (issue #12: 20,000 users with `roles`, 458 MB). A multiple of the 100 users an
 * expanded read takes, so that those reads are as many as for all the users at once.
 */
export const ROUTING_SLICE = 1000;

export interface RoutingRowsContext {
  /** The row's user as kept by the planner. */
  user: (id: string) => GenesysUser | undefined;
  /** Users a slice reads (ROUTING_SLICE; tests make it small). */
  slice?: number;
}

/**
 * The plan with each row that has routing columns (what it asked for, `changes`) and a user planned against that user's current routing, read and
 * planned `slice` users at a time, the rows held encoded throughout. The members of every queue or group named are
 * read once, before the first slice, as for all users at once: the calls made are the same.
 */
export async function planRoutingRows(
  plan: EncodedPlan,
  catalogue: Catalogue,
  deps: RoutingReadDeps,
  ctx: RoutingRowsContext,
): Promise<{ plan: EncodedPlan; calls: CallCount }> {
  // Counted as the rows are planned: a pass over the plan afterwards decoded every row again, and its garbage was the
  // peak of a 100,000-row dry run (issue #12).
  const counter = new RoutingCallCounter();
  const resolvers = catalogueResolvers(catalogue);
  const changesOf = (p: PlannedRow) =>
    p.userId !== undefined && (p.status === 'change' || p.status === 'unchanged') ? p.changes?.routing : undefined;
  const needsAt = (i: number): RoutingNeeds | undefined => {
    const changes = changesOf(decodedAt(plan, i));
    return changes === undefined ? undefined : needsOf(changes, resolvers);
  };
  const entities = await readEntityMembers(deps, neededBy(plan.rows.length, needsAt));

  const store = new TextStore();
  const entries: number[] = [];
  const slice = ctx.slice ?? ROUTING_SLICE;
  let first = 0;
  const targets: number[] = [];
  /** Plans the targets among the rows from `first` to `end` (excluded), and stores those rows in order. */
  const flush = async (end: number) => {
    const rows = targets.map((i) => decodedAt(plan, i));
    const read = await readCurrentRouting(
      deps,
      rows.map((p) => ({ user: ctx.user(p.userId!)!, needs: needsOf(changesOf(p)!, resolvers) })),
      entities,
    );
    let next = 0;
    for (let i = first; i < end; i++) {
      if (targets[next] !== i) {
        entries.push(store.add(plan.rows.at(i)));
        continue;
      }
      const p = rows[next++]!;
      const current = read.current.get(p.userId!);
      const planned: PlannedRow = current
        ? withRouting(p, current, changesOf(p)!, resolvers)
        : {
            rowNumber: p.rowNumber,
            line: p.line,
            key: p.key,
            status: 'not_found',
            diffs: [],
            note: 'the user no longer exists',
          };
      // A row of a user keeps what it asked for (a run's saved plan carries it), whatever routing made of it.
      if (planned.userId !== undefined && p.changes !== undefined) planned.changes ??= p.changes;
      entries.push(store.add(encodePlannedRow(planned)));
      const work = routingWork(planned);
      if (work) counter.add(work);
    }
    first = end;
    targets.length = 0;
  };
  const requests = () => Object.values(deps.cost).reduce((a, b) => a + b, 0);
  let collected = { users: 0, requests: requests() };
  let users = 0;
  for (let i = 0; i < plan.rows.length; i++) {
    if (changesOf(decodedAt(plan, i)) !== undefined) targets.push(i);
    if (targets.length === slice) {
      await flush(i + 1);
      users += slice;
      // The reads leave garbage that would otherwise pile up to V8's next limit (see collect.ts).
      if (
        users - collected.users >= COLLECT_EVERY.routingUsers ||
        requests() - collected.requests >= COLLECT_EVERY.routingReads
      ) {
        collected = { users, requests: requests() };
        await collectGarbage();
      }
    }
  }
  await flush(plan.rows.length);
  const rows = textList(store, Int32Array.from(entries));
  return { plan: { summary: summarise(decodedRows(rows)), rows }, calls: counter.count() };
}

/**
 * The current routing of each item's target, read `slice` items at a time (the members of each queue or group named
 * read once, first, as readCurrentRouting would for all of them), handed to `each` in order; undefined when the
 * user no longer exists. Only a slice's routing is held at a time.
 */
export async function forEachCurrentRouting<T>(
  deps: RoutingReadDeps,
  items: readonly T[],
  targetOf: (item: T) => RoutingReadTarget,
  each: (item: T, current: CurrentRouting | undefined) => void,
  slice = ROUTING_SLICE,
): Promise<void> {
  const entities = await readEntityMembers(
    deps,
    items.map((item) => targetOf(item).needs),
  );
  for (const part of slices(items, slice)) {
    const targets = part.map(targetOf);
    const read = await readCurrentRouting(deps, targets, entities);
    for (const [i, item] of part.entries()) each(item, read.current.get(targets[i]!.user.id));
  }
}

function decodedAt(plan: EncodedPlan, i: number): PlannedRow {
  return decodePlannedRow(plan.rows.at(i));
}

/** The needs of each row that has any, one at a time. */
function* neededBy(length: number, needsAt: (i: number) => RoutingNeeds | undefined): Generator<RoutingNeeds> {
  for (let i = 0; i < length; i++) {
    const needs = needsAt(i);
    if (needs !== undefined) yield needs;
  }
}
