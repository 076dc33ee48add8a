import { ValidationError } from '../errors.js';
import { ADMIN_UI_LAYOUT, type RoutingChanges } from '../input/index.js';
import {
  catalogueResolvers,
  hasProfileWork,
  hasRoutingWork,
  isRowProblem,
  needsOf,
  needsOfColumns,
  PLAN_SCHEMA_VERSION,
  type PlannedRow,
  planRouting,
  planUserChange,
  summarise,
} from '../plan/index.js';
import { openContext } from './context.js';
import { checkSameTarget, openRunFolder, type RunCommand, type RunMeta } from './folder.js';
import { resumeLifecycle } from './lifecycle-resume.js';
import { lockRun, type RunLock } from './lock.js';
import { combine, GONE, lazyMap, type Part, recordFromPlan, type Work, withSkipped } from './outcome.js';
import { type CommandOptions, managerLookup, type Proposal, runPipeline } from './pipeline.js';
import { readStoredPlan, type StoredPlan } from './plan-read.js';
import { changeKeysOf, expansionsFor, locationContext, savedChanges, withExpansions } from './profile-fields.js';
import { projectionFor, resolveUsers, UserIndex } from './resolve.js';
import { foldProfileJournal, foldRoutingJournal, LeftItems, LeftRows } from './resume-left.js';
import { emptyRoutingCost } from './routing.js';
import type { RoutingWork } from './routing-engine.js';
import { routingExpansions } from './routing-expand.js';
import { forEachCurrentRouting } from './routing-plan.js';
import { routingCallCount } from './routing-slices.js';
import type { UpdateResult } from './summary.js';

/**
 * Continues a run from its folder: rows whose outcome the journal already holds are not written again; every
 * other row that changes something (never started, failed, or in flight when the run stopped) is re-read and
 * settled against the user's current state. The profile and the routing of a row settle apart: a row whose
 * PATCH landed but whose routing did not has only its routing re-read and re-planned. What is left is shown and
 * asked about like any other plan.
 */
/** `command`: the command that was asked to resume (the CLI's), refusing another's run; the library's takes either. */
export async function runResume(opts: CommandOptions, runId: string, command?: RunCommand): Promise<UpdateResult> {
  const { dir, meta } = await openRunFolder(opts.stateDir, runId, opts.names);
  opts.onKnown?.({ source: meta.source });
  if (command !== undefined && meta.command !== command)
    throw new ValidationError(
      `Run ${runId} is ${meta.command === 'update' ? 'an update' : 'a rollback'}, not ${command === 'update' ? 'an update' : 'a rollback'}: ` +
        `genesys-bulk ${meta.command} --resume ${runId} finishes it${meta.command === 'update' ? `, genesys-bulk rollback ${runId} undoes it` : ''}. Nothing was sent.`,
    );
  // A dry run writes nothing, and may look at a run another process is working on.
  const lock: RunLock | undefined = opts.dryRun ? undefined : await lockRun(dir, runId);
  // Not awaited here: no frame that planned the resume waits on its writes, so what planning held is let go.
  return resume(opts, runId, dir, meta).finally(() => lock?.release());
}

async function resume(opts: CommandOptions, runId: string, dir: string, meta: RunMeta): Promise<UpdateResult> {
  const saved = await readStoredPlan(dir);
  const rows = saved.plan.rows;
  const { settled, wrote } = await foldProfileJournal(dir);
  const { routed, called, lastSeq } = await foldRoutingJournal(dir);
  // Rows by their index in the saved plan: each is parsed again when it is reached, never all held.
  const pending: number[] = [];
  const pendingRouting: number[] = [];
  const priorProfile = new Map<number, Part>();
  const userIds = new Set<string>();
  /** Users to create or delete: work for the tokens too (settled or not, an upper bound). */
  let lifecycleRows = 0;
  for (let i = 0; i < rows.length; i++) {
    const p = rows.at(i);
    if (p.status === 'create' || p.status === 'delete') lifecycleRows++;
    if (p.status !== 'change') continue;
    if (hasProfileWork(p)) {
      const s = settled.get(p.rowNumber);
      if (s) priorProfile.set(p.rowNumber, s);
      else {
        pending.push(i);
        userIds.add(p.userId!);
      }
    }
    if (hasRoutingWork(p) && !routed.has(p.rowNumber)) {
      pendingRouting.push(i);
      userIds.add(p.userId!);
    }
  }
  opts.log.info(
    { runId, settled: settled.size, pending: pending.length, routingPending: pendingRouting.length },
    'Resuming',
  );

  const ctx = await openContext(opts, { rows: userIds.size + lifecycleRows });
  checkSameTarget(meta, ctx.target, 'resume');
  // Only the users left, and of them only what their changes read: the listing a resume may choose reads every user.
  // One pass over the saved rows (each is decoded again when read).
  const changeKeys = changeKeysOf(savedChanges(saved));
  // The skills, languages and groups routing reads come with the users' read by id (resolve.ts, carry).
  const carried = changeKeys.has('routing') ? routingExpansions(needsOfColumns(routingsOf(saved))) : [];
  const project = projectionFor(changeKeys, carried);
  const carry = carried.length > 0 ? { carry: { expand: carried, refused: false } } : {};
  const { index, cost } = await resolveUsers(
    { ...ctx.userReads(), users: withExpansions(ctx.client, expansionsFor(changeKeys)), project, ...carry },
    userIds,
    new Set(),
    new UserIndex(project, userIds),
  );

  // Routing: what is left is planned again against the assignments as they are now. Sets, not increments: what
  // landed before the stop plans as nothing, and no call that was done is sent again.
  const priorRouting = new Map<number, Part>(routed);
  const routing: RoutingWork[] = [];
  const routingCost = emptyRoutingCost();
  const resumable: PlannedRow[] = [];
  const routingAt = new Map<number, number>();
  for (const i of pendingRouting) {
    const p = rows.at(i);
    routingAt.set(p.rowNumber, i);
    if (index.byId.has(p.userId!)) resumable.push(p);
    else priorRouting.set(p.rowNumber, GONE);
  }
  if (resumable.length > 0 && saved.routing) {
    const resolvers = catalogueResolvers(saved.routing.catalogue);
    const changesOf = (p: PlannedRow) => p.changes?.routing ?? {};
    const allowNoRoles = saved.routing.allowNoRoles === true;
    await forEachCurrentRouting(
      { ...ctx.routingReads(routingCost), goneEntity: 'members' },
      resumable,
      (p) => ({ user: index.byId.get(p.userId!)!, needs: needsOf(changesOf(p), resolvers) }),
      (p, current) => {
        if (!current) return void priorRouting.set(p.rowNumber, GONE);
        try {
          const plan = planRouting(current, changesOf(p), resolvers, { allowNoRoles });
          if (plan.diffs.length > 0) routing.push({ rowNumber: p.rowNumber, userId: p.userId!, plan });
          else
            priorRouting.set(p.rowNumber, { status: called.has(p.rowNumber) ? 'updated' : 'unchanged', attempts: 0 });
        } catch (err) {
          if (!isRowProblem(err)) throw err;
          priorRouting.set(p.rowNumber, { status: 'failed', attempts: 0, errorCode: err.code, message: err.message });
        }
      },
    );
  }
  resumable.length = 0;
  // Judged against the original plan, so that an edit made by someone else while the run was stopped is still
  // reported as a conflict, and the report shows what the run changes rather than what was left.
  const left = new LeftRows();
  const leftItems = new LeftItems();
  planLeft(saved, pending, index, wrote, left, leftItems, priorProfile);
  for (const w of routing) {
    const { routing: _done, ...p } = rows.at(routingAt.get(w.rowNumber)!);
    const row = left.get(w.rowNumber) ?? { ...p, status: 'unchanged', diffs: [] };
    if (row.status === 'invalid') continue;
    left.set({ ...row, status: 'change', routing: w.plan });
  }
  // Each user is held as text from here (LeftItems): the objects read are let go.
  index.byId.clear();
  index.byEmail.clear();
  // Users to create or delete: settled from their own journal (a lost creation by a search of its email).
  const life = await resumeLifecycle(dir, saved);
  const items = leftItems.items(rows);
  const work: Work = {
    items,
    routing,
    priorProfile,
    priorRouting,
    firstSeq: lastSeq + 1,
    priorLifecycle: life.prior,
    ...(life.work ? { lifecycle: life.work } : {}),
  };
  for (const row of life.left) left.set(row);
  const shown = left.sorted();
  const calls = routingCallCount(routing);
  const summary = summarise(shown);
  const users = summary.byStatus.change;
  const lifecycle = summary.byStatus.create + summary.byStatus.delete;
  const writes = summary.requests + calls.total;
  const prior = (n: number) =>
    [priorProfile.get(n), priorRouting.get(n), life.prior.get(n)].filter((x): x is Part => x !== undefined);
  const proposal: Proposal = {
    plan: { schemaVersion: PLAN_SCHEMA_VERSION, summary, rows: shown },
    calls,
    users: users + lifecycle,
    question: (host) =>
      `Apply the ${writes} write(s) left of run ${runId} to ${users} user(s)` +
      `${summary.byStatus.create > 0 ? `, and create (or find) ${summary.byStatus.create} user(s) and apply their rows` : ''}` +
      `${summary.byStatus.delete > 0 ? `, and delete ${summary.byStatus.delete} user(s) it created` : ''} on ${host}?`,
    // A row with something left is reported as planned now; the others as the earlier attempts left them.
    records: (declined) => () =>
      withSkipped(
        lazyMap(rows, (p) => {
          const fresh = left.get(p.rowNumber);
          const pending = fresh && ['change', 'create', 'delete'].includes(fresh.status);
          if (fresh) return recordFromPlan(fresh, declined && pending ? 'skipped' : fresh.status);
          const parts = prior(p.rowNumber);
          return parts.length > 0 ? combine(p, parts) : recordFromPlan(p, p.status);
        }),
        saved.skipped,
      ),
    // The rows are written back to plan.json as they were read; the writes are made from their texts.
    prepare: () => ({ saved, work }),
    destination: { kind: 'existing', dir, meta },
    ...(meta.layout === 'admin-ui' ? { layout: ADMIN_UI_LAYOUT } : {}),
    readCost: saved.routing ? { ...cost, routing: routingCost } : cost,
  };
  return runPipeline(ctx, opts, proposal);
}

/** The profile rows left, planned against the users as they are now (each part planned again on its own). */
function planLeft(
  saved: StoredPlan,
  pending: readonly number[],
  index: UserIndex,
  wrote: ReadonlySet<number>,
  left: LeftRows,
  items: LeftItems,
  priorProfile: Map<number, Part>,
): void {
  const managerId = managerLookup(saved);
  const locations = locationContext(saved.locations);
  for (const i of pending) {
    const { routing: _done, ...p } = saved.plan.rows.at(i);
    const user = index.byId.get(p.userId!);
    const changes = p.changes;
    if (!user || !changes) {
      priorProfile.set(p.rowNumber, GONE);
      continue;
    }
    items.add(i, p.rowNumber, user, wrote.has(p.rowNumber));
    try {
      const change = planUserChange(user, changes, { ...locations, managerId });
      left.set({
        ...p,
        status: change.diffs.length > 0 ? 'change' : 'unchanged',
        diffs: change.diffs,
        patch: change.patch,
        state: change.state,
        baseVersion: user.version,
      });
    } catch (err) {
      if (!isRowProblem(err)) throw err;
      left.set({ ...p, status: 'invalid', diffs: [], note: err.message });
    }
  }
}

/** The routing changes of a saved plan's rows, one row at a time. */
function* routingsOf(saved: StoredPlan): Generator<RoutingChanges> {
  for (const changes of savedChanges(saved)) if (changes.routing) yield changes.routing;
}
