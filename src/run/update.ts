import { join } from 'node:path';
import type { Logger } from 'pino';
import type { ConnectionConfig } from '../config.js';
import { ExitCode, type ExitCodeValue, ValidationError } from '../errors.js';
import type { GenesysUser } from '../genesys/types.js';
import type { GovernorStats } from '../governor/index.js';
import {
  formatProblems,
  type InputFormat,
  type InputProblem,
  type InputRow,
  type InvalidRow,
  type ManagerRef,
  type ProfileChanges,
  type RoutingChanges,
  readInput,
  sameChanges,
} from '../input/index.js';
import { writeChunks } from '../output.js';
import {
  decodePlan,
  IncrementalPlanner,
  isRowProblem,
  type Plan,
  type PlannedRow,
  type PlanView,
  planJsonChunks,
  planRouting,
  planRoutingCalls,
  planTextChunks,
  planUserChange,
  type RoutingCall,
  type RoutingPlan,
  summarise,
  viewOf,
} from '../plan/index.js';
import type { Progress } from '../progress.js';
import { checkReportPath, type ReportRecord, type RowStatus, writeReport } from '../report.js';
import type { ApplyResult } from './apply.js';
import { applyAll, type WorkItem, type WorkOutcome } from './engine.js';
import {
  createRunFolder,
  JOURNAL_FILE,
  Journal,
  newRunId,
  ROUTING_JOURNAL_FILE,
  type RoutedRecord,
  type RoutingJournalRecord,
  type RunMeta,
  readJournal,
  readPlanFile,
  readRoutingJournal,
  readRunMeta,
  runDir,
  writeRunMeta,
} from './journal.js';
import type { Executor, RoutingPort, UsersPort } from './ports.js';
import { projectionFor, resolveUsers, UserIndex } from './resolve.js';
import {
  type Catalogue,
  CatalogueIndex,
  cataloguesNeeded,
  checkRoutingNames,
  emptyRoutingCost,
  hasProfileWork,
  loadCatalogue,
  needsOf,
  profileDiffs,
  type RoutingReadDeps,
  readCurrentRouting,
  runResolvers,
  withRouting,
} from './routing.js';
import { applyRouting, type RoutingOutcome, type RoutingRowResult, type RoutingWork } from './routing-engine.js';
import { openSession, type Session } from './session.js';

export interface UpdateOptions {
  source: { path?: string; stream?: NodeJS.ReadableStream; format?: InputFormat };
  connection: ConnectionConfig;
  dryRun: boolean;
  json: boolean;
  skipInvalid: boolean;
  reportPath?: string;
  stateDir: string;
  /** Continue this run instead of planning a new one. */
  resume?: string;
  maxConcurrency: number;
  log: Logger;
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  progress: Progress;
  /** Asks the user to go ahead; undefined when nobody can be asked (no terminal, or --yes): apply. */
  confirm?: (question: string) => Promise<boolean>;
  /** Aborted: start no new write, let those in flight finish, save, exit 130. */
  stopSignal?: AbortSignal;
  /** Told the run's id once its folder exists, so that an exit that cannot wait can still name it. */
  onRun?: (meta: RunMeta) => void;
}

export interface UpdateSummary {
  rows: number;
  updated: number;
  unchanged: number;
  not_found: number;
  invalid: number;
  failed: number;
  skipped: number;
  planned: number;
}

export interface UpdateResult {
  exitCode: ExitCodeValue;
  runId?: string;
  summary: UpdateSummary;
  records: ReportRecord[];
  api?: GovernorStats;
}

/** What a run folder's plan.json holds: enough to resume without the input file. */
export interface SavedPlan {
  plan: Plan;
  /** The requested changes of every row that had a user, by row number. */
  changes: Record<string, ProfileChanges>;
  /** Manager references resolved at plan time: `id:<uuid>` or `email:<address>` → user id. */
  managers: Record<string, string>;
  /** Rows that need no work (repeats, key-only rows): in the report, never written. */
  skipped?: ReportRecord[];
  /** Present when rows have routing columns. */
  routing?: SavedRouting;
}

export interface SavedRouting {
  /** The catalogues the names were resolved against; a resume and a rollback resolve against them again. */
  catalogue: Catalogue;
  /** Each changing row's routing plan, by row number. */
  plans: Record<string, RoutingPlan>;
  /** A rollback restores users who had no role: see PlanRoutingOptions. */
  allowNoRoles?: boolean;
}

/** What one part of a row (its profile PATCHes, or its routing calls) came to. */
export interface Part {
  status: RowStatus;
  attempts: number;
  errorCode?: string;
  message?: string;
  conflict?: string;
}

/** The writes of one execution, and the parts of rows that an earlier attempt of the run already settled. */
export interface Work {
  items: WorkItem[];
  routing: RoutingWork[];
  priorProfile: Map<number, Part>;
  priorRouting: Map<number, Part>;
  /** The first `seq` for routing call records: past those already in the folder's journal. */
  firstSeq?: number;
}

const MAX_PROBLEMS_SHOWN = 20;

const refKey = (ref: ManagerRef) => (ref.kind === 'id' ? `id:${ref.id}` : `email:${ref.email}`);

export async function runUpdate(opts: UpdateOptions): Promise<UpdateResult> {
  if (opts.reportPath) await checkReportPath(opts.reportPath);
  if (opts.resume) return resumeRun(opts, opts.resume);
  const { log } = opts;
  const inputName = opts.source.path && opts.source.path !== '-' ? opts.source.path : 'stdin';

  const parsed = await readInput(opts.source);
  for (const w of parsed.problems.filter((p) => p.severity === 'warning')) log.warn(w.message);
  const errors = parsed.problems.filter((p) => p.severity === 'error');
  // A problem with the file itself (an unknown column, a header named twice) is in no row: skipping invalid
  // rows would silently drop a whole column, so it stops the run even with --skip-invalid.
  const inRows = new Set(parsed.invalidRows.flatMap((r) => r.problems));
  const fileLevel = errors.filter((p) => !inRows.has(p));
  if ((errors.length > 0 && !opts.skipInvalid) || fileLevel.length > 0) {
    throw new ValidationError(
      invalidInputMessage(inputName, parsed.invalidRows.length, opts.skipInvalid ? fileLevel : errors),
    );
  }
  const skipped: ReportRecord[] = parsed.skippedRows.map((r) => ({
    row: r.rowNumber,
    line: r.line,
    key: r.key,
    status: 'skipped',
    changes: [],
    message: r.reason,
    attempts: 0,
  }));
  log.info({ rows: parsed.totalRecords, valid: parsed.rows.length, format: parsed.format }, `Read ${inputName}`);

  const session = await openSession(opts.connection, log, { maxConcurrency: opts.maxConcurrency });
  const { client, governor } = session;

  // Routing names: the catalogues the file needs are read once for the whole run; a name that does not resolve
  // stops the run (with the manager problems, found once the users are read) before any assignment is read.
  const routingCost = emptyRoutingCost();
  const routingDeps: RoutingReadDeps = {
    port: client as RoutingPort,
    executor: governor,
    signal: opts.stopSignal,
    concurrency: opts.maxConcurrency,
    cost: routingCost,
  };
  const withRoutingColumns = parsed.rows.filter((r) => r.changes.routing !== undefined);
  let catalogue: Catalogue | undefined;
  let nameProblems: RowProblem[] = [];
  if (withRoutingColumns.length > 0) {
    catalogue = await loadCatalogue(routingDeps, cataloguesNeeded(withRoutingColumns.map((r) => r.changes.routing!)));
    nameProblems = checkRoutingNames(withRoutingColumns, new CatalogueIndex(catalogue)).map((p) =>
      rowProblem(p.row, p.column, `${p.message}.`),
    );
    log.info({ kinds: Object.keys(catalogue), requests: routingCost.catalogue }, 'Read routing catalogues');
  }

  // Reads: the users the rows name, then the managers they name that were not among them.
  const ids = new Set<string>();
  const emails = new Set<string>();
  for (const row of parsed.rows) {
    if (row.key.kind === 'id') ids.add(row.key.id);
    else emails.add(row.key.email);
  }
  const deps = { users: client as UsersPort, executor: governor as Executor, signal: opts.stopSignal };
  const changeKeys = new Set(parsed.rows.flatMap((r) => Object.keys(r.changes)));
  const managerRefs: ManagerRef[] = [];
  for (const row of parsed.rows) if (row.changes.manager) managerRefs.push(row.changes.manager);
  // Rows are planned as their users are read; a user is kept only if its routing is read or its PATCH is sent.
  // A dry run needs only the plan, so the planner may let each row go once planned: from here on it holds the rows.
  const planner = new IncrementalPlanner(parsed.rows, {
    managers: managerRefs,
    project: projectionFor(changeKeys),
    keep: (row, planned) =>
      row.changes.routing !== undefined || (!opts.dryRun && (planned === undefined || planned.status === 'change')),
    release: opts.dryRun && withRoutingColumns.length === 0,
  });
  parsed.rows = [];
  const { cost } = await resolveUsers(deps, ids, emails, planner);
  const managerIds = new Set<string>();
  const managerEmails = new Set<string>();
  for (const m of managerRefs) {
    if (m.kind === 'id') managerIds.add(m.id);
    else managerEmails.add(m.email);
  }
  await resolveUsers(deps, managerIds, managerEmails, planner);
  log.info({ users: planner.size, strategy: cost.strategy, requests: governor.stats().requests }, 'Read current users');

  const managerId = planner.managerId;
  const held = planner.rows();
  const managerCheck = checkManagers(held, managerId);
  const sameUser = checkSameUser(managerCheck.rows, (row) => planner.userIdOf(row));
  const badNames = new Set(nameProblems.map((p) => p.rowNumber));
  const rows = sameUser.rows.filter((r) => !badNames.has(r.rowNumber));
  const left = new Set(rows.map((r) => r.rowNumber));
  const excluded = new Set(held.filter((r) => !left.has(r.rowNumber)).map((r) => r.rowNumber));
  skipped.push(...sameUser.skipped);
  const rowProblems = [...managerCheck.problems, ...sameUser.problems, ...nameProblems];
  if (rowProblems.length > 0 && !opts.skipInvalid) {
    const rowCount = new Set(rowProblems.map((p) => p.rowNumber)).size;
    throw new ValidationError(invalidInputMessage(inputName, rowCount, sortProblems(rowProblems)));
  }

  const encoded = planner.finish(excluded, [...parsed.invalidRows, ...rejectedRows(rowProblems)]);

  const rowByNumber = new Map(rows.map((r) => [r.rowNumber, r]));
  const routingPlans: Record<string, RoutingPlan> = {};
  let routingCalls: RoutingCall[] = [];
  // A dry run without routing columns reads its rows one at a time from the encoded plan; the rest need them all.
  let plan: Plan | undefined;
  if (catalogue) {
    plan = await planRoutingRows(decodePlan(encoded), catalogue, routingDeps, {
      changesOf: (n) => rowByNumber.get(n)?.changes.routing,
      user: (id) => planner.user(id),
      plans: routingPlans,
    });
    log.info({ ...routingCost, requests: governor.stats().requests }, 'Read current routing');
    routingCalls = planRoutingCalls(
      plan.rows.flatMap((p) =>
        routingPlans[p.rowNumber] ? [{ userId: p.userId!, plan: routingPlans[p.rowNumber]! }] : [],
      ),
    );
  }
  const readCost = catalogue ? { ...cost, routing: routingCost } : cost;

  const color = (opts.stdout as NodeJS.WriteStream).isTTY === true;
  if (opts.dryRun) {
    const view: PlanView = plan ?? viewOf(encoded);
    await writePlan(opts.stdout, view, routingCalls, { json: opts.json, color });
    // Made as they are counted and written, not held: a dry run of 100,000 rows needs none of them afterwards.
    return finish(
      opts,
      undefined,
      () =>
        withSkipped(
          lazyMap(view.rows, (r) => recordFromPlan(r, r.status)),
          skipped,
        ),
      false,
      governor.stats(),
    );
  }

  plan ??= decodePlan(encoded);
  const changing = plan.rows.filter((r) => r.status === 'change');
  if (!opts.json) await writePlan(opts.stdout, plan, routingCalls, { json: false, color, maxRows: 50 });
  if (changing.length > 0 && opts.confirm) {
    const writes = plan.summary.requests + routingCalls.length;
    const ok = await opts.confirm(`Apply ${writes} write(s) to ${changing.length} user(s)?`);
    if (!ok) {
      opts.stderr.write('Nothing was written.\n');
      return finish(
        opts,
        undefined,
        [
          ...withSkipped(
            plan.rows.map((r) => recordFromPlan(r, 'skipped')),
            skipped,
          ),
        ],
        false,
        governor.stats(),
      );
    }
  }

  const managers: Record<string, string> = {};
  for (const row of rows) {
    const m = row.changes.manager;
    if (m) managers[refKey(m)] = managerId(m)!;
  }
  const saved: SavedPlan = {
    plan,
    changes: Object.fromEntries(
      plan.rows.filter((r) => r.userId).map((r) => [String(r.rowNumber), rowByNumber.get(r.rowNumber)!.changes]),
    ),
    managers,
    skipped,
    ...(catalogue ? { routing: { catalogue, plans: routingPlans } } : {}),
  };
  const runId = newRunId();
  const meta: RunMeta = {
    schemaVersion: 1,
    runId,
    command: 'update',
    createdAt: new Date().toISOString(),
    updatedAt: new Date().toISOString(),
    status: 'applying',
    source: inputName,
    target: client.target,
  };
  const dir = await createRunFolder(opts.stateDir, meta, saved);
  log.info({ runId, dir }, 'Run journal');

  const items: WorkItem[] = changing.filter(hasProfileWork).map((p) => ({
    rowNumber: p.rowNumber,
    user: planner.user(p.userId!)!,
    changes: rowByNumber.get(p.rowNumber)!.changes,
  }));
  const routing: RoutingWork[] = changing.flatMap((p) =>
    routingPlans[p.rowNumber] ? [{ rowNumber: p.rowNumber, userId: p.userId!, plan: routingPlans[p.rowNumber]! }] : [],
  );
  return execute(
    opts,
    session,
    dir,
    meta,
    saved,
    { items, routing, priorProfile: new Map(), priorRouting: new Map() },
    readCost,
  );
}

/**
 * Reads the current routing of the rows that have routing columns and a user, and merges each one's routing diffs
 * into its planned row; `plans` receives the routing plan of every row that changes something.
 */
async function planRoutingRows(
  plan: Plan,
  catalogue: Catalogue,
  deps: RoutingReadDeps,
  ctx: {
    changesOf: (rowNumber: number) => RoutingChanges | undefined;
    user: (id: string) => GenesysUser | undefined;
    plans: Record<string, RoutingPlan>;
  },
): Promise<Plan> {
  const resolvers = runResolvers(catalogue);
  const targets = plan.rows.filter(
    (p) =>
      p.userId !== undefined &&
      (p.status === 'change' || p.status === 'unchanged') &&
      ctx.changesOf(p.rowNumber) !== undefined,
  );
  const read = await readCurrentRouting(
    deps,
    targets.map((p) => ({ user: ctx.user(p.userId!)!, needs: needsOf(ctx.changesOf(p.rowNumber)!, resolvers) })),
  );
  const byRow = new Map(targets.map((p) => [p.rowNumber, p]));
  const rows = plan.rows.map((p): PlannedRow => {
    if (!byRow.has(p.rowNumber)) return p;
    const current = read.current.get(p.userId!);
    if (!current) {
      return {
        rowNumber: p.rowNumber,
        line: p.line,
        key: p.key,
        status: 'not_found',
        diffs: [],
        note: 'the user no longer exists',
      };
    }
    const merged = withRouting(p, current, ctx.changesOf(p.rowNumber)!, resolvers);
    if (merged.plan) ctx.plans[p.rowNumber] = merged.plan;
    return merged.row;
  });
  return { schemaVersion: 1, summary: summarise(rows), rows };
}

/**
 * Writes the plan for a terminal (or as JSON) to `stream` a piece at a time, with a line on the routing calls, which
 * `summary.requests` leaves out.
 */
export function writePlan(
  stream: NodeJS.WritableStream,
  plan: PlanView,
  calls: readonly RoutingCall[],
  opts: { json: boolean; color: boolean; maxRows?: number },
): Promise<void> {
  return writeChunks(stream, planOutput(plan, calls, opts));
}

function* planOutput(
  plan: PlanView,
  calls: readonly RoutingCall[],
  opts: { json: boolean; color: boolean; maxRows?: number },
): Generator<string> {
  if (opts.json) {
    const withCalls =
      calls.length === 0
        ? plan
        : ({ ...plan, summary: { ...plan.summary, routingRequests: calls.length } } as PlanView);
    yield* planJsonChunks(withCalls);
    yield '\n';
    return;
  }
  yield* planTextChunks(plan, {
    color: opts.color,
    ...(opts.maxRows !== undefined ? { maxRows: opts.maxRows } : {}),
  });
  if (calls.length === 0) return;
  const byKind = new Map<string, number>();
  for (const c of calls) byKind.set(c.kind, (byKind.get(c.kind) ?? 0) + 1);
  const kinds = [...byKind].map(([k, n]) => `${n} ${k}`).join(', ');
  yield `Routing and access: ${calls.length} call(s) (${kinds}).\n`;
}

/**
 * Continues a run from its folder: rows whose outcome the journal already holds are not written again; every
 * other row that changes something (never started, failed, or in flight when the run stopped) is re-read and
 * settled against the user's current state. The profile and the routing of a row settle apart: a row whose
 * PATCH landed but whose routing did not has only its routing re-read and re-planned.
 */
export async function resumeRun(opts: UpdateOptions, runId: string): Promise<UpdateResult> {
  const dir = runDir(opts.stateDir, runId);
  const meta = await readRunMeta(dir);
  const saved = await readPlanFile<SavedPlan>(dir);
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
  const routingPlans = saved.routing?.plans ?? {};
  const changing = saved.plan.rows.filter((r) => r.status === 'change');
  const pending = changing.filter((r) => hasProfileWork(r) && !settled.has(r.rowNumber));
  const pendingRouting = changing.filter((r) => routingPlans[r.rowNumber] !== undefined && !routed.has(r.rowNumber));
  opts.log.info(
    { runId, settled: settled.size, pending: pending.length, routingPending: pendingRouting.length },
    'Resuming',
  );

  const session = await openSession(opts.connection, opts.log, { maxConcurrency: opts.maxConcurrency });
  const deps = { users: session.client as UsersPort, executor: session.governor as Executor, signal: opts.stopSignal };
  const userIds = new Set([...pending, ...pendingRouting].map((r) => r.userId!));
  const { index, cost } = await resolveUsers(deps, userIds, new Set(), new UserIndex());
  const items: WorkItem[] = [];
  const priorProfile = new Map<number, Part>();
  for (const p of pending) {
    const user = index.byId.get(p.userId!);
    const changes = saved.changes[String(p.rowNumber)];
    // Judged against the original plan, so that an edit made by someone else while the run was stopped is
    // still reported as a conflict, and the report shows what the run changes rather than what was left.
    if (user && changes)
      items.push({
        rowNumber: p.rowNumber,
        user,
        changes,
        baseline: profileDiffs(p.diffs),
        wroteBefore: wrote.has(p.rowNumber),
      });
    else priorProfile.set(p.rowNumber, partFromApply(notFoundResult(p)));
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
  for (const [row, rec] of routed) {
    priorRouting.set(row, { status: rec.status, attempts: 0 });
  }
  const routing: RoutingWork[] = [];
  const routingCost = emptyRoutingCost();
  const resumable = pendingRouting.filter((p) => index.byId.has(p.userId!));
  for (const p of pendingRouting) {
    if (!index.byId.has(p.userId!)) priorRouting.set(p.rowNumber, partFromApply(notFoundResult(p)));
  }
  if (resumable.length > 0 && saved.routing) {
    const resolvers = runResolvers(saved.routing.catalogue);
    const changesOf = (p: PlannedRow) => saved.changes[String(p.rowNumber)]?.routing ?? {};
    const read = await readCurrentRouting(
      {
        port: session.client as RoutingPort,
        executor: session.governor,
        signal: opts.stopSignal,
        concurrency: opts.maxConcurrency,
        cost: routingCost,
      },
      resumable.map((p) => ({ user: index.byId.get(p.userId!)!, needs: needsOf(changesOf(p), resolvers) })),
    );
    for (const p of resumable) {
      const current = read.current.get(p.userId!);
      if (!current) {
        priorRouting.set(p.rowNumber, partFromApply(notFoundResult(p)));
        continue;
      }
      let plan: RoutingPlan;
      try {
        plan = planRouting(current, changesOf(p), resolvers, { allowNoRoles: saved.routing.allowNoRoles === true });
      } catch (err) {
        if (!isRowProblem(err)) throw err;
        priorRouting.set(p.rowNumber, { status: 'failed', attempts: 0, errorCode: err.code, message: err.message });
        continue;
      }
      if (plan.diffs.length > 0) routing.push({ rowNumber: p.rowNumber, userId: p.userId!, plan });
      else priorRouting.set(p.rowNumber, { status: called.has(p.rowNumber) ? 'updated' : 'unchanged', attempts: 0 });
    }
  }
  const readCost = saved.routing ? { ...cost, routing: routingCost } : cost;
  const work: Work = { items, routing, priorProfile, priorRouting, firstSeq: lastSeq + 1 };
  if (opts.dryRun) return showResume(opts, meta, saved, work, session);
  await writeRunMeta(dir, { ...meta, status: 'applying' });
  return execute(opts, session, dir, meta, saved, work, readCost);
}

/** A dry run of a resume: what is left, planned against the users as they are now. Writes nothing. */
async function showResume(
  opts: UpdateOptions,
  meta: RunMeta,
  saved: SavedPlan,
  work: Work,
  session: Session,
): Promise<UpdateResult> {
  const managerId = (ref: ManagerRef) => saved.managers[refKey(ref)];
  const left = new Map<number, PlannedRow>();
  const byRow = new Map(saved.plan.rows.map((p) => [p.rowNumber, p]));
  const base = (n: number): PlannedRow => {
    const p = byRow.get(n)!;
    return left.get(n) ?? { ...p, status: 'unchanged', diffs: [] };
  };
  for (const item of work.items) {
    const p = byRow.get(item.rowNumber)!;
    try {
      const change = planUserChange(item.user, item.changes, { managerId });
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
    const row = base(w.rowNumber);
    if (row.status === 'invalid') continue;
    left.set(w.rowNumber, { ...row, status: 'change', diffs: [...row.diffs, ...w.plan.diffs] });
  }
  const rows = [...left.values()].sort((a, b) => a.rowNumber - b.rowNumber);
  const plan: Plan = { schemaVersion: 1, summary: summarise(rows), rows };
  const calls = planRoutingCalls(work.routing.map((w) => ({ userId: w.userId, plan: w.plan })));
  const color = (opts.stdout as NodeJS.WriteStream).isTTY === true;
  await writePlan(opts.stdout, plan, calls, { json: opts.json, color });
  const records = saved.plan.rows.map((p) => {
    const fresh = left.get(p.rowNumber);
    if (fresh) return recordFromPlan(fresh, fresh.status);
    const parts = [work.priorProfile.get(p.rowNumber), work.priorRouting.get(p.rowNumber)].filter(
      (x): x is Part => x !== undefined,
    );
    return parts.length > 0 ? combine(p, parts) : recordFromPlan(p, p.status);
  });
  return finish(opts, meta.runId, [...withSkipped(records, saved.skipped)], false, session.governor.stats());
}

export async function execute(
  opts: UpdateOptions,
  session: Session,
  dir: string,
  meta: RunMeta,
  saved: SavedPlan,
  work: Work,
  cost: unknown,
): Promise<UpdateResult> {
  const { items } = work;
  const journal = await Journal.open(join(dir, JOURNAL_FILE));
  let routingJournal: Journal<RoutingJournalRecord> | undefined;
  opts.onRun?.(meta);
  let results = new Map<number, WorkOutcome>();
  let routingResults = new Map<number, RoutingOutcome>();
  /** Rows whose user the profile phase found deleted: left out of the routing calls, where one would fail them all. */
  const gone = new Set<number>();
  try {
    if (items.length > 0 || work.routing.length === 0) {
      results = await applyAll(
        {
          users: session.client,
          governor: session.governor,
          journal,
          managerId: (ref) => saved.managers[refKey(ref)],
          progress: opts.progress,
          log: opts.log,
          stopSignal: opts.stopSignal,
          maxConcurrency: opts.maxConcurrency,
          keepForeignEdits: meta.command === 'rollback',
        },
        items,
        session.counters,
      );
    }
    for (const [row, r] of results) if (!('interrupted' in r) && r.status === 'not_found') gone.add(row);
    const routing = work.routing.filter((w) => !gone.has(w.rowNumber));
    // Routing calls follow the profile PATCHes: a division move changes the user's version, which a PATCH sent
    // at the same time would meet as a conflict.
    if (routing.length > 0 && !opts.stopSignal?.aborted) {
      routingJournal = await Journal.open<RoutingJournalRecord>(join(dir, ROUTING_JOURNAL_FILE));
      routingResults = await applyRouting(
        {
          port: session.client,
          governor: session.governor,
          journal: routingJournal,
          progress: opts.progress,
          log: opts.log,
          stopSignal: opts.stopSignal,
          maxConcurrency: opts.maxConcurrency,
          firstSeq: work.firstSeq ?? 1,
        },
        routing,
        session.counters,
      );
    }
  } finally {
    await journal.close();
    await routingJournal?.close();
  }
  const resume = `genesys-bulk ${meta.command} --resume ${meta.runId}`;
  let interrupted = false;
  const stopped = (r: { inFlight: boolean }): Part => {
    interrupted = true;
    return r.inFlight
      ? {
          status: 'skipped',
          attempts: 0,
          errorCode: 'in_flight',
          message: `unsettled: a write was in flight when the run stopped and may have been applied; \`${resume}\` re-reads the user and settles it`,
        }
      : {
          status: 'skipped',
          attempts: 0,
          errorCode: 'interrupted',
          message: `not applied: the run was interrupted first; resume with \`${resume}\``,
        };
  };
  const profileRows = new Set(items.map((i) => i.rowNumber));
  const routingRows = new Set(work.routing.map((w) => w.rowNumber));
  const records = saved.plan.rows.map((p) => {
    if (p.status !== 'change') {
      // A rollback's row that restores nothing because someone changed every field again is `skipped`.
      const prior = work.priorProfile.get(p.rowNumber);
      return prior ? combine(p, [prior]) : recordFromPlan(p, p.status);
    }
    const parts: Part[] = [];
    const profile = work.priorProfile.get(p.rowNumber);
    if (profile) parts.push(profile);
    else if (profileRows.has(p.rowNumber)) {
      const r = results.get(p.rowNumber);
      parts.push(!r || 'interrupted' in r ? stopped(r ?? { inFlight: false }) : partFromApply(r));
    }
    const routing = work.priorRouting.get(p.rowNumber);
    if (routing) parts.push(routing);
    else if (routingRows.has(p.rowNumber) && !gone.has(p.rowNumber)) {
      const r = routingResults.get(p.rowNumber);
      parts.push(!r || 'interrupted' in r ? stopped(r ?? { inFlight: false }) : partFromRouting(r));
    }
    return parts.length > 0 ? combine(p, parts) : recordFromPlan(p, p.status);
  });
  const result = await finish(
    opts,
    meta.runId,
    [...withSkipped(records, saved.skipped)],
    interrupted,
    session.governor.stats(),
    cost,
  );
  await writeRunMeta(dir, {
    ...meta,
    status: interrupted ? 'interrupted' : 'completed',
    counts: { ...result.summary },
  });
  if (interrupted) {
    const unsettled = records.filter((r) => r.errorCode === 'in_flight').length;
    opts.stderr.write(
      `Interrupted${unsettled ? ` with ${unsettled} row(s) unsettled (a write in flight; see the report)` : ''}. ` +
        `To finish the run: ${resume}\n`,
    );
  }
  return result;
}

function partFromApply(r: ApplyResult): Part {
  return {
    status: r.status,
    attempts: r.attempts,
    ...(r.failure
      ? { errorCode: r.failure.code ?? r.failure.kind, message: r.failure.message }
      : r.kept
        ? { message: r.kept }
        : {}),
    ...(r.conflict ? { conflict: r.conflict } : {}),
  };
}

function partFromRouting(r: RoutingRowResult): Part {
  return {
    status: r.status,
    attempts: r.attempts,
    ...(r.failure ? { errorCode: r.failure.code, message: r.failure.message } : {}),
  };
}

/** Which part decides a row's status: a missing user, then a failure, an interruption, a write, nothing. */
function rank(part: Part): number {
  switch (part.status) {
    case 'not_found':
      return 6;
    case 'failed':
      return 5;
    case 'skipped':
      return part.errorCode === 'interrupted' || part.errorCode === 'in_flight' ? 4 : 2;
    case 'updated':
      return 3;
    default:
      return 1;
  }
}

/**
 * One report record from a row's parts: its status is the weightiest part's (failed if either failed); its error
 * is the weightiest failing part's, with every failing part's message; its changes are the plan's, profile and
 * routing together.
 */
export function combine(p: PlannedRow, parts: readonly Part[]): ReportRecord {
  const byRank = [...parts].sort((a, b) => rank(b) - rank(a));
  const top = byRank[0]!;
  const errored = byRank.filter((x) => x.errorCode !== undefined);
  const conflict = parts.find((x) => x.conflict)?.conflict;
  const message =
    errored.length > 0
      ? errored
          .map((x) => x.message)
          .filter(Boolean)
          .join('; ') || p.note
      : [p.note, ...parts.map((x) => x.message)].filter(Boolean).join('; ') || undefined;
  return {
    row: p.rowNumber,
    line: p.line,
    key: p.key,
    ...(p.userId ? { userId: p.userId } : {}),
    status: top.status,
    changes: p.diffs.map((d) => ({ field: d.field, before: d.before, after: d.after })),
    ...(errored.length > 0 ? { errorCode: errored[0]!.errorCode } : {}),
    ...(message ? { message } : {}),
    attempts: parts.reduce((n, x) => n + x.attempts, 0),
    ...(conflict ? { conflict } : {}),
  };
}

function notFoundResult(p: PlannedRow): ApplyResult {
  return {
    status: 'not_found',
    user: { id: p.userId!, state: 'deleted', version: 0 },
    diffs: p.diffs,
    attempts: 0,
    writes: 0,
    conflictRounds: 0,
    failure: { ok: false, kind: 'not_found', message: 'the user no longer exists', rateLimit: {}, latencyMs: 0 },
  };
}

/**
 * Adds the rows that needed no work to the records of the planned rows (which come in row order), so that the report
 * holds one record per input row, in row order.
 */
function* withSkipped(records: Iterable<ReportRecord>, skipped: readonly ReportRecord[] = []): Generator<ReportRecord> {
  const rest = [...skipped].sort((a, b) => a.row - b.row);
  let j = 0;
  for (const r of records) {
    while (j < rest.length && rest[j]!.row < r.row) yield rest[j++]!;
    yield r;
  }
  while (j < rest.length) yield rest[j++]!;
}

/**
 * Two rows may name one user in different ways (one by id, one by email), which the input layer cannot see.
 * Identical changes: the later row is skipped. Different changes: an error on each, as for a repeated key,
 * since which one wins would depend on the order of the rows.
 */
function checkSameUser(
  rows: InputRow[],
  userIdOf: (row: InputRow) => string | undefined,
): { rows: InputRow[]; problems: RowProblem[]; skipped: ReportRecord[] } {
  const groups = new Map<string, InputRow[]>();
  for (const row of rows) {
    const userId = userIdOf(row);
    if (!userId) continue;
    const group = groups.get(userId);
    if (group) group.push(row);
    else groups.set(userId, [row]);
  }
  const drop = new Set<InputRow>();
  const problems: RowProblem[] = [];
  const skipped: ReportRecord[] = [];
  for (const [userId, group] of groups) {
    if (group.length < 2) continue;
    const first = group[0]!;
    const same = group.every((r) => sameChanges(r.changes, first.changes));
    for (const row of same ? group.slice(1) : group) {
      drop.add(row);
      const key = row.key.kind === 'id' ? row.key.id : row.key.email;
      const others = group.filter((o) => o !== row).map((o) => `row ${o.rowNumber}`);
      if (same) {
        skipped.push({
          row: row.rowNumber,
          line: row.line,
          key,
          userId,
          status: 'skipped',
          changes: [],
          message: `names the same user as row ${first.rowNumber}, with the same changes`,
          attempts: 0,
        });
      } else {
        problems.push({
          severity: 'error',
          rowNumber: row.rowNumber,
          line: row.line,
          column: row.key.kind,
          key,
          message: `row ${row.rowNumber} (line ${row.line}), column "${row.key.kind}": names the same user (${userId}) as ${others.join(', ')}, with different changes; give each user one row.`,
        });
      }
    }
  }
  return { rows: rows.filter((r) => !drop.has(r)), problems, skipped };
}

function invalidInputMessage(name: string, rowCount: number, problems: InputProblem[]): string {
  return (
    `${name}: ${problems.length} problem(s) in ${rowCount} row(s); nothing was written.\n` +
    `${formatProblems(problems, MAX_PROBLEMS_SHOWN)}\n` +
    'Fix the file and run again, or pass --skip-invalid to apply the valid rows and report the rest.'
  );
}

type RowProblem = InputProblem & { rowNumber: number; line: number; key: string };

function rowProblem(row: InputRow, column: string, detail: string): RowProblem {
  return {
    severity: 'error',
    rowNumber: row.rowNumber,
    line: row.line,
    column,
    key: row.key.kind === 'id' ? row.key.id : row.key.email,
    message: `row ${row.rowNumber} (line ${row.line}), column "${column}": ${detail}`,
  };
}

/** In row order, so that a row's problems found by different checks are listed together. */
function sortProblems(problems: RowProblem[]): RowProblem[] {
  return [...problems].sort((a, b) => a.rowNumber - b.rowNumber);
}

/** Rows refused after reading the directory, one entry per row however many problems it has. */
function rejectedRows(problems: RowProblem[]): InvalidRow[] {
  const byRow = new Map<number, InvalidRow>();
  for (const p of sortProblems(problems)) {
    const row = byRow.get(p.rowNumber);
    if (row) row.problems.push(p);
    else byRow.set(p.rowNumber, { rowNumber: p.rowNumber, line: p.line, key: p.key, problems: [p] });
  }
  return [...byRow.values()];
}

/** A manager named by email or id must exist before anything is written. */
function checkManagers(
  rows: InputRow[],
  managerId: (ref: ManagerRef) => string | undefined,
): { rows: InputRow[]; problems: RowProblem[] } {
  const ok: InputRow[] = [];
  const problems: RowProblem[] = [];
  for (const row of rows) {
    const m = row.changes.manager;
    if (m && !managerId(m)) {
      const what = m.kind === 'id' ? `id ${m.id}` : `email ${m.email}`;
      problems.push({
        severity: 'error',
        rowNumber: row.rowNumber,
        line: row.line,
        column: 'manager',
        key: row.key.kind === 'id' ? row.key.id : row.key.email,
        message: `row ${row.rowNumber} (line ${row.line}), column "manager": no user with ${what} exists in the organisation; check the value.`,
      });
    } else ok.push(row);
  }
  return { rows: ok, problems };
}

export function recordFromPlan(p: PlannedRow, status: RowStatus | 'change'): ReportRecord {
  return {
    row: p.rowNumber,
    line: p.line,
    key: p.key,
    ...(p.userId ? { userId: p.userId } : {}),
    status: status === 'change' ? 'planned' : status,
    changes: p.diffs.map((d) => ({ field: d.field, before: d.before, after: d.after })),
    ...(p.note ? { message: p.note } : {}),
    attempts: 0,
  };
}

export async function finish(
  opts: Pick<UpdateOptions, 'reportPath' | 'dryRun' | 'json' | 'stdout' | 'stderr'>,
  runId: string | undefined,
  /** In row order; a function when the records are made afresh on each pass rather than held. */
  records: ReportRecord[] | (() => Iterable<ReportRecord>),
  interrupted: boolean,
  api: GovernorStats,
  readCost?: unknown,
): Promise<UpdateResult> {
  const each = typeof records === 'function' ? records : () => records;
  const summary: UpdateSummary = {
    rows: 0,
    updated: 0,
    unchanged: 0,
    not_found: 0,
    invalid: 0,
    failed: 0,
    skipped: 0,
    planned: 0,
  };
  for (const r of each()) {
    summary.rows++;
    summary[r.status]++;
  }
  if (opts.reportPath) await writeReport(opts.reportPath, each());
  const exitCode: ExitCodeValue = interrupted
    ? ExitCode.Interrupted
    : summary.failed + summary.not_found + summary.invalid > 0
      ? ExitCode.Partial
      : ExitCode.Ok;
  const counts = Object.entries(summary)
    .filter(([k, v]) => k !== 'rows' && v > 0)
    .map(([k, v]) => `${v} ${k.replace('_', ' ')}`)
    .join(', ');
  opts.stderr.write(
    `${opts.dryRun ? 'Dry run' : interrupted ? 'Interrupted' : 'Done'}${runId ? ` (run ${runId})` : ''}: ${summary.rows} row(s): ${counts || 'nothing to do'}. ` +
      `API: ${api.requests} request(s), ${api.rateLimited} rate-limited (429), ${api.retries} retried.` +
      `${opts.reportPath ? ` Report: ${opts.reportPath}` : ''}\n`,
  );
  if (opts.json && !opts.dryRun) {
    opts.stdout.write(
      `${JSON.stringify({ kind: 'genesys-bulk/result', schemaVersion: 1, runId, exitCode, summary, api, readCost, rows: [...each()] })}\n`,
    );
  }
  let held: ReportRecord[] | undefined = Array.isArray(records) ? records : undefined;
  return {
    exitCode,
    runId,
    summary,
    get records() {
      held ??= [...each()];
      return held;
    },
    api,
  };
}

function* lazyMap<T, U>(items: Iterable<T>, f: (item: T) => U): Generator<U> {
  for (const item of items) yield f(item);
}
