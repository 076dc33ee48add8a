import { ADMIN_UI_LAYOUT } from '../input/index.js';
import {
  catalogueResolvers,
  hasProfileWork,
  hasRoutingWork,
  isRowProblem,
  needsOf,
  PLAN_SCHEMA_VERSION,
  type PlannedRow,
  planRouting,
  planRoutingCalls,
  planUserChange,
  summarise,
} from '../plan/index.js';
import type { RowStatus } from '../report.js';
import { compactRun } from './compact.js';
import { openContext } from './context.js';
import type { WorkItem } from './engine.js';
import { checkSameTarget, openRunFolder, type RunMeta, readSavedPlan } from './folder.js';
import { type RoutedRecord, readJournal, readRoutingJournal } from './journal.js';
import { resumeLifecycle } from './lifecycle-resume.js';
import { lockRun, type RunLock } from './lock.js';
import { combine, GONE, lazyMap, type Part, recordFromPlan, type Work, withSkipped } from './outcome.js';
import { type CommandOptions, managerLookup, type Proposal, runPipeline } from './pipeline.js';
import { expansionsOfChanges, locationContext, savedChanges, withExpansions } from './profile-fields.js';
import { resolveUsers, UserIndex } from './resolve.js';
import { emptyRoutingCost, readCurrentRouting } from './routing.js';
import type { RoutingWork } from './routing-engine.js';
import type { SavedPlan } from './saved-plan.js';
import type { UpdateResult } from './summary.js';

/**
 * Continues a run from its folder: rows whose outcome the journal already holds are not written again; every
 * other row that changes something (never started, failed, or in flight when the run stopped) is re-read and
 * settled against the user's current state. The profile and the routing of a row settle apart: a row whose
 * PATCH landed but whose routing did not has only its routing re-read and re-planned. What is left is shown and
 * asked about like any other plan.
 */
export async function runResume(opts: CommandOptions, runId: string): Promise<UpdateResult> {
  const { dir, meta } = await openRunFolder(opts.stateDir, runId);
  // A dry run writes nothing, and may look at a run another process is working on.
  const lock: RunLock | undefined = opts.dryRun ? undefined : await lockRun(dir, runId);
  // Not awaited here: no frame that planned the resume waits on its writes, so what planning held is let go.
  return resume(opts, runId, dir, meta).finally(() => lock?.release());
}

async function resume(opts: CommandOptions, runId: string, dir: string, meta: RunMeta): Promise<UpdateResult> {
  const saved = await readSavedPlan(dir);
  const journal = await readJournal(dir);
  const settled = new Map<number, { status: string; conflict?: string; errorCode?: string; message?: string }>();
  /** Rows whose last write has no outcome: it was in flight when the run stopped. */
  const wrote = new Set<number>();
  for (const rec of journal) {
    if (rec.t === 'intent') wrote.add(rec.row);
    else {
      wrote.delete(rec.row);
      if (rec.status !== 'failed') settled.set(rec.row, rec);
    }
  }
  const routed = new Map<number, RoutedRecord>();
  /** Rows with a routing call journaled: one of them may have landed. */
  const called = new Set<number>();
  let lastSeq = 0;
  for (const rec of await readRoutingJournal(dir)) {
    if (rec.t === 'call') {
      lastSeq = Math.max(lastSeq, rec.seq);
      for (const r of rec.realises) called.add(r.row);
    } else if (rec.t === 'routed') {
      if (rec.status === 'failed') routed.delete(rec.row);
      else routed.set(rec.row, rec);
    }
  }
  const changing = saved.plan.rows.filter((r) => r.status === 'change');
  const pending = changing.filter((r) => hasProfileWork(r) && !settled.has(r.rowNumber));
  const pendingRouting = changing.filter((r) => hasRoutingWork(r) && !routed.has(r.rowNumber));
  opts.log.info(
    { runId, settled: settled.size, pending: pending.length, routingPending: pendingRouting.length },
    'Resuming',
  );

  const ctx = await openContext(opts);
  checkSameTarget(meta, ctx.target, 'resume');
  const userIds = new Set([...pending, ...pendingRouting].map((r) => r.userId!));
  const { index, cost } = await resolveUsers(
    { ...ctx.userReads(), users: withExpansions(ctx.client, expansionsOfChanges(savedChanges(saved))) },
    userIds,
    new Set(),
    new UserIndex(),
  );
  const items: WorkItem[] = [];
  const priorProfile = new Map<number, Part>();
  for (const p of pending) {
    const user = index.byId.get(p.userId!);
    const changes = p.changes;
    // Judged against the original plan, so that an edit made by someone else while the run was stopped is
    // still reported as a conflict, and the report shows what the run changes rather than what was left.
    if (user && changes)
      items.push({
        rowNumber: p.rowNumber,
        user,
        changes,
        baseline: p.diffs,
        wroteBefore: wrote.has(p.rowNumber),
      });
    else priorProfile.set(p.rowNumber, GONE);
  }
  for (const p of changing) {
    const s = settled.get(p.rowNumber);
    if (s && hasProfileWork(p)) {
      priorProfile.set(p.rowNumber, {
        status: s.status as RowStatus,
        attempts: 0,
        ...(s.conflict ? { conflict: s.conflict } : {}),
        ...(s.errorCode ? { errorCode: s.errorCode } : {}),
        ...(s.message ? { message: s.message } : {}),
      });
    }
  }

  // Routing: what is left is planned again against the assignments as they are now. Sets, not increments: what
  // landed before the stop plans as nothing, and no call that was done is sent again.
  const priorRouting = new Map<number, Part>();
  for (const [row, rec] of routed) priorRouting.set(row, { status: rec.status, attempts: 0 });
  const routing: RoutingWork[] = [];
  const routingCost = emptyRoutingCost();
  const resumable = pendingRouting.filter((p) => index.byId.has(p.userId!));
  for (const p of pendingRouting) if (!index.byId.has(p.userId!)) priorRouting.set(p.rowNumber, GONE);
  if (resumable.length > 0 && saved.routing) {
    const resolvers = catalogueResolvers(saved.routing.catalogue);
    const changesOf = (p: PlannedRow) => p.changes?.routing ?? {};
    const read = await readCurrentRouting(
      ctx.routingReads(routingCost),
      resumable.map((p) => ({ user: index.byId.get(p.userId!)!, needs: needsOf(changesOf(p), resolvers) })),
    );
    for (const p of resumable) {
      const current = read.current.get(p.userId!);
      if (!current) {
        priorRouting.set(p.rowNumber, GONE);
        continue;
      }
      try {
        const plan = planRouting(current, changesOf(p), resolvers, {
          allowNoRoles: saved.routing.allowNoRoles === true,
        });
        if (plan.diffs.length > 0) routing.push({ rowNumber: p.rowNumber, userId: p.userId!, plan });
        else priorRouting.set(p.rowNumber, { status: called.has(p.rowNumber) ? 'updated' : 'unchanged', attempts: 0 });
      } catch (err) {
        if (!isRowProblem(err)) throw err;
        priorRouting.set(p.rowNumber, { status: 'failed', attempts: 0, errorCode: err.code, message: err.message });
      }
    }
  }
  // Users to create or delete: settled from their own journal (a lost creation by a search of its email).
  const life = await resumeLifecycle(dir, saved);
  const work: Work = {
    items,
    routing,
    priorProfile,
    priorRouting,
    firstSeq: lastSeq + 1,
    priorLifecycle: life.prior,
    ...(life.work ? { lifecycle: life.work } : {}),
  };
  const left = whatIsLeft(saved, work);
  for (const row of life.left) left.set(row.rowNumber, row);
  const shown = [...left.values()].sort((a, b) => a.rowNumber - b.rowNumber);
  const calls = planRoutingCalls(routing.map((w) => ({ userId: w.userId, plan: w.plan })));
  const summary = summarise(shown);
  const users = summary.byStatus.change;
  const lifecycle = summary.byStatus.create + summary.byStatus.delete;
  const writes = summary.requests + calls.length;
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
        lazyMap(saved.plan.rows, (p) => {
          const fresh = left.get(p.rowNumber);
          const pending = fresh && ['change', 'create', 'delete'].includes(fresh.status);
          if (fresh) return recordFromPlan(fresh, declined && pending ? 'skipped' : fresh.status);
          const parts = prior(p.rowNumber);
          return parts.length > 0 ? combine(p, parts) : recordFromPlan(p, p.status);
        }),
        saved.skipped,
      ),
    // Held compact while the writes run (see run/compact.ts): the rows as text, each user left to write as JSON.
    prepare: () => {
      const byRow = new Map(items.map((i) => [i.rowNumber, i]));
      const run = compactRun(saved.plan.rows, (p) => {
        const i = byRow.get(p.rowNumber);
        return i && { user: i.user, baseline: true, wroteBefore: i.wroteBefore === true };
      });
      return { saved: { ...saved, plan: { ...saved.plan, rows: run.rows } }, work: { ...work, items: run.items } };
    },
    destination: { kind: 'existing', dir, meta },
    ...(meta.layout === 'admin-ui' ? { layout: ADMIN_UI_LAYOUT } : {}),
    readCost: saved.routing ? { ...cost, routing: routingCost } : cost,
  };
  return runPipeline(ctx, opts, proposal);
}

/** The rows left to write, planned against the users as they are now. */
function whatIsLeft(saved: SavedPlan, work: Work): Map<number, PlannedRow> {
  const managerId = managerLookup(saved);
  const left = new Map<number, PlannedRow>();
  // Each part is planned again on its own: a row's parts left are what this attempt shows.
  const byRow = new Map(saved.plan.rows.map(({ routing: _done, ...p }) => [p.rowNumber, p]));
  for (const item of work.items) {
    const p = byRow.get(item.rowNumber)!;
    try {
      const change = planUserChange(item.user, item.changes, { ...locationContext(saved.locations), managerId });
      left.set(p.rowNumber, {
        ...p,
        status: change.diffs.length > 0 ? 'change' : 'unchanged',
        diffs: change.diffs,
        patch: change.patch,
        state: change.state,
        baseVersion: item.user.version,
      });
    } catch (err) {
      if (!isRowProblem(err)) throw err;
      left.set(p.rowNumber, { ...p, status: 'invalid', diffs: [], note: err.message });
    }
  }
  for (const w of work.routing) {
    const p = byRow.get(w.rowNumber)!;
    const row = left.get(w.rowNumber) ?? { ...p, status: 'unchanged', diffs: [] };
    if (row.status === 'invalid') continue;
    left.set(w.rowNumber, { ...row, status: 'change', routing: w.plan });
  }
  return left;
}
