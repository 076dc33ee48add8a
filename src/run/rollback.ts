import { ValidationError } from '../errors.js';
import type { GenesysUser } from '../genesys/types.js';
import type { ProfileChanges } from '../input/index.js';
import { sameValue } from '../plan/fields.js';
import {
  type FieldDiff,
  inverseChanges,
  isRowProblem,
  type Plan,
  type PlannedRow,
  planToJson,
  planUserChange,
  readField,
  renderPlanText,
  summarise,
} from '../plan/index.js';
import { checkReportPath, type ReportRecord, type RowStatus } from '../report.js';
import type { WorkItem } from './engine.js';
import {
  createRunFolder,
  type IntentRecord,
  newRunId,
  type RunMeta,
  readJournal,
  readRunMeta,
  runDir,
} from './journal.js';
import type { Executor, UsersPort } from './ports.js';
import { resolveUsers, UserIndex } from './resolve.js';
import { openSession } from './session.js';
import {
  execute,
  finish,
  recordFromPlan,
  resumeRun,
  type SavedPlan,
  type UpdateOptions,
  type UpdateResult,
} from './update.js';

export type RollbackOptions = Omit<UpdateOptions, 'source' | 'skipInvalid'> & { runId: string };

interface Written {
  userId: string;
  row: number;
  /** Earliest before-value and latest after-value per field, over all of the run's writes to this user. */
  before: Map<string, string | null>;
  after: Map<string, string | null>;
}

/** Collects, per user, what a run wrote: from its journal's intents (a write that may have landed counts). */
export function writtenByRun(intents: IntentRecord[]): Written[] {
  const byUser = new Map<string, Written>();
  for (const i of intents) {
    let w = byUser.get(i.userId);
    if (!w) {
      w = { userId: i.userId, row: i.row, before: new Map(), after: new Map() };
      byUser.set(i.userId, w);
    }
    for (const [field, value] of Object.entries(i.before)) if (!w.before.has(field)) w.before.set(field, value);
    for (const [field, value] of Object.entries(i.after)) w.after.set(field, value);
  }
  return [...byUser.values()].sort((a, b) => a.row - b.row);
}

/**
 * Decides, field by field, what a rollback restores: a field that still holds the value the run set goes back
 * to its before-value; one that already holds its before-value needs nothing; one that holds anything else was
 * changed again since the run, and is left alone and reported.
 */
export function rollbackFields(
  w: Written,
  current: GenesysUser,
): { restore: FieldDiff[]; changedSince: { field: string; now: string | null; runSet: string | null }[] } {
  const restore: FieldDiff[] = [];
  const changedSince: { field: string; now: string | null; runSet: string | null }[] = [];
  for (const [field, runSet] of w.after) {
    const before = w.before.get(field) ?? null;
    const now = readField(current, field);
    if (sameValue(field, now, before)) continue;
    if (sameValue(field, now, runSet)) restore.push({ field, before, after: runSet });
    else changedSince.push({ field, now, runSet });
  }
  return { restore, changedSince };
}

export async function runRollback(opts: RollbackOptions): Promise<UpdateResult> {
  if (opts.reportPath) await checkReportPath(opts.reportPath);
  if (opts.resume) return resumeRun({ ...opts, source: {}, skipInvalid: false }, opts.resume);
  const dir = runDir(opts.stateDir, opts.runId);
  const target = await readRunMeta(dir);
  if (target.command !== 'update') {
    throw new ValidationError(`Run ${opts.runId} is a ${target.command}; only an update run can be rolled back.`);
  }
  const intents = (await readJournal(dir)).filter((r): r is IntentRecord => r.t === 'intent');
  const written = writtenByRun(intents);
  opts.log.info({ runId: opts.runId, users: written.length }, 'Rolling back');

  const session = await openSession(opts.connection, opts.log, { maxConcurrency: opts.maxConcurrency });
  const deps = { users: session.client as UsersPort, executor: session.governor as Executor, signal: opts.stopSignal };
  const { index } = await resolveUsers(deps, new Set(written.map((w) => w.userId)), new Set(), new UserIndex());

  const rows: PlannedRow[] = [];
  const changes: Record<string, ProfileChanges> = {};
  const managers: Record<string, string> = {};
  const items: WorkItem[] = [];
  const prior = new Map<number, ReportRecord>();
  for (const [i, w] of written.entries()) {
    const rowNumber = i + 1;
    const user = index.byId.get(w.userId);
    const base = { rowNumber, line: w.row, key: user?.email ?? w.userId, userId: w.userId };
    if (!user) {
      rows.push({ ...base, status: 'not_found', diffs: [], note: 'the user no longer exists' });
      continue;
    }
    const { restore, changedSince } = rollbackFields(w, user);
    const note = changedSince.length
      ? `changed again since the run, left as is: ${changedSince
          .map((c) => `${c.field} is now ${JSON.stringify(c.now)} (the run set ${JSON.stringify(c.runSet)})`)
          .join('; ')}`
      : undefined;
    let inverse: ProfileChanges;
    try {
      inverse = inverseChanges(restore);
    } catch (err) {
      if (!isRowProblem(err)) throw err;
      rows.push({ ...base, status: 'invalid', diffs: restore, note: err.message });
      continue;
    }
    if (inverse.manager?.kind === 'id') managers[`id:${inverse.manager.id}`] = inverse.manager.id;
    const change = planUserChange(user, inverse, { managerId: (ref) => (ref.kind === 'id' ? ref.id : undefined) });
    const row: PlannedRow = {
      ...base,
      status: change.diffs.length > 0 ? 'change' : 'unchanged',
      diffs: change.diffs,
      ...(change.patch ? { patch: change.patch } : {}),
      ...(change.state ? { state: change.state } : {}),
      baseVersion: user.version,
      ...(note ? { note } : {}),
    };
    rows.push(row);
    changes[String(rowNumber)] = inverse;
    if (row.status === 'change') items.push({ rowNumber, user, changes: inverse });
    else if (changedSince.length > 0) prior.set(rowNumber, { ...recordFromPlan(row, 'skipped'), message: note });
  }
  const plan: Plan = { schemaVersion: 1, summary: summarise(rows), rows };

  const color = (opts.stdout as NodeJS.WriteStream).isTTY === true;
  if (opts.dryRun) {
    opts.stdout.write(opts.json ? `${planToJson(plan)}\n` : renderPlanText(plan, { color }));
    return finish(
      opts,
      undefined,
      recordsOf(rows, prior, (r) => r.status),
      false,
      session.governor.stats(),
    );
  }
  if (!opts.json) opts.stdout.write(renderPlanText(plan, { color, maxRows: 50 }));
  if (
    items.length > 0 &&
    opts.confirm &&
    !(await opts.confirm(`Restore ${items.length} user(s) as they were before run ${opts.runId}?`))
  ) {
    opts.stderr.write('Nothing was written.\n');
    return finish(
      opts,
      undefined,
      recordsOf(rows, prior, () => 'skipped'),
      false,
      session.governor.stats(),
    );
  }
  const saved: SavedPlan = { plan, changes, managers };
  const meta: RunMeta = {
    schemaVersion: 1,
    runId: newRunId(),
    command: 'rollback',
    createdAt: new Date().toISOString(),
    updatedAt: new Date().toISOString(),
    status: 'applying',
    source: opts.runId,
    target: session.client.target,
    rollbackOf: opts.runId,
  };
  const runFolder = await createRunFolder(opts.stateDir, meta, saved);
  return execute({ ...opts, source: {}, skipInvalid: false }, session, runFolder, meta, saved, items, prior, undefined);
}

function recordsOf(
  rows: PlannedRow[],
  prior: Map<number, ReportRecord>,
  status: (r: PlannedRow) => RowStatus | 'change',
): ReportRecord[] {
  return rows.map((r) => prior.get(r.rowNumber) ?? recordFromPlan(r, status(r)));
}
