import { join } from 'node:path';
import type { Logger } from 'pino';
import type { ConnectionConfig } from '../config.js';
import { ExitCode, type ExitCodeValue, ValidationError } from '../errors.js';
import type { GovernorStats } from '../governor/index.js';
import {
  formatProblems,
  type InputFormat,
  type InputProblem,
  type InputRow,
  type ManagerRef,
  type ProfileChanges,
  readInput,
} from '../input/index.js';
import {
  buildPlan,
  isRowProblem,
  type Plan,
  type PlannedRow,
  planToJson,
  planUserChange,
  renderPlanText,
  summarise,
} from '../plan/index.js';
import type { Progress } from '../progress.js';
import { checkReportPath, type ReportRecord, type RowStatus, writeReport } from '../report.js';
import type { ApplyResult } from './apply.js';
import { applyAll, type WorkItem, type WorkOutcome } from './engine.js';
import {
  createRunFolder,
  Journal,
  newRunId,
  type RunMeta,
  readJournal,
  readPlanFile,
  readRunMeta,
  runDir,
  writeRunMeta,
} from './journal.js';
import type { Executor, UsersPort } from './ports.js';
import { resolveUsers, UserIndex } from './resolve.js';
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

  // Reads: the users the rows name, then the managers they name that were not among them.
  const ids = new Set<string>();
  const emails = new Set<string>();
  for (const row of parsed.rows) {
    if (row.key.kind === 'id') ids.add(row.key.id);
    else emails.add(row.key.email);
  }
  const deps = { users: client as UsersPort, executor: governor as Executor, signal: opts.stopSignal };
  const { index, cost } = await resolveUsers(deps, ids, emails);
  const managerIds = new Set<string>();
  const managerEmails = new Set<string>();
  for (const row of parsed.rows) {
    const m = row.changes.manager;
    if (m?.kind === 'id') managerIds.add(m.id);
    else if (m?.kind === 'email') managerEmails.add(m.email);
  }
  await resolveUsers(deps, managerIds, managerEmails, index);
  log.info({ users: index.size, strategy: cost.strategy, requests: governor.stats().requests }, 'Read current users');

  const managerId = (ref: ManagerRef) =>
    ref.kind === 'id' ? index.byId.get(ref.id)?.id : index.byEmail.get(ref.email)?.id;
  const managerCheck = checkManagers(parsed.rows, managerId);
  const sameUser = checkSameUser(managerCheck.rows, index);
  const rows = sameUser.rows;
  skipped.push(...sameUser.skipped);
  const managerProblems = [...managerCheck.problems, ...sameUser.problems];
  if (managerProblems.length > 0 && !opts.skipInvalid) {
    const rowCount = new Set(managerProblems.map((p) => p.rowNumber)).size;
    throw new ValidationError(invalidInputMessage(inputName, rowCount, managerProblems));
  }

  const plan = buildPlan({
    rows,
    users: [...index.byId.values()],
    managerId,
    rejected: [
      ...parsed.invalidRows,
      ...managerProblems.map((p) => ({ rowNumber: p.rowNumber, line: p.line, key: p.key, problems: [p] })),
    ],
  });

  const color = (opts.stdout as NodeJS.WriteStream).isTTY === true;
  if (opts.dryRun) {
    opts.stdout.write(opts.json ? `${planToJson(plan)}\n` : renderPlanText(plan, { color }));
    return finish(
      opts,
      undefined,
      withSkipped(
        plan.rows.map((r) => recordFromPlan(r, r.status)),
        skipped,
      ),
      false,
      governor.stats(),
    );
  }

  const changing = plan.rows.filter((r) => r.status === 'change');
  if (!opts.json) opts.stdout.write(renderPlanText(plan, { color, maxRows: 50 }));
  if (changing.length > 0 && opts.confirm) {
    const ok = await opts.confirm(`Apply ${plan.summary.requests} write(s) to ${changing.length} user(s)?`);
    if (!ok) {
      opts.stderr.write('Nothing was written.\n');
      return finish(
        opts,
        undefined,
        withSkipped(
          plan.rows.map((r) => recordFromPlan(r, 'skipped')),
          skipped,
        ),
        false,
        governor.stats(),
      );
    }
  }

  const rowByNumber = new Map(rows.map((r) => [r.rowNumber, r]));
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

  const items: WorkItem[] = changing.map((p) => ({
    rowNumber: p.rowNumber,
    user: index.byId.get(p.userId!)!,
    changes: rowByNumber.get(p.rowNumber)!.changes,
  }));
  return execute(opts, session, dir, meta, saved, items, new Map(), cost);
}

/**
 * Continues a run from its folder: rows whose outcome the journal already holds are not written again; every
 * other row that changes something (never started, failed, or in flight when the run stopped) is re-read and
 * settled against the user's current state.
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
  const pending = saved.plan.rows.filter((r) => r.status === 'change' && !settled.has(r.rowNumber));
  opts.log.info({ runId, settled: settled.size, pending: pending.length }, 'Resuming');

  const session = await openSession(opts.connection, opts.log, { maxConcurrency: opts.maxConcurrency });
  const deps = { users: session.client as UsersPort, executor: session.governor as Executor, signal: opts.stopSignal };
  const { index, cost } = await resolveUsers(deps, new Set(pending.map((r) => r.userId!)), new Set(), new UserIndex());
  const items: WorkItem[] = [];
  const gone = new Map<number, WorkOutcome>();
  for (const p of pending) {
    const user = index.byId.get(p.userId!);
    const changes = saved.changes[String(p.rowNumber)];
    // Judged against the original plan, so that an edit made by someone else while the run was stopped is
    // still reported as a conflict, and the report shows what the run changes rather than what was left.
    if (user && changes)
      items.push({ rowNumber: p.rowNumber, user, changes, baseline: p.diffs, wroteBefore: wrote.has(p.rowNumber) });
    else gone.set(p.rowNumber, notFoundResult(p));
  }
  const prior = new Map<number, ReportRecord>();
  for (const p of saved.plan.rows) {
    const s = settled.get(p.rowNumber);
    if (s) {
      prior.set(p.rowNumber, {
        ...recordFromPlan(p, s.status as RowStatus),
        ...(s.conflict ? { conflict: s.conflict } : {}),
        ...(s.errorCode ? { errorCode: s.errorCode } : {}),
        ...(s.message ? { message: s.message } : {}),
      });
    }
  }
  for (const [row, r] of gone)
    prior.set(row, recordFromApply(saved.plan.rows.find((p) => p.rowNumber === row)!, r as ApplyResult));
  if (opts.dryRun) return showResume(opts, meta, saved, items, prior, session);
  await writeRunMeta(dir, { ...meta, status: 'applying' });
  return execute(opts, session, dir, meta, saved, items, prior, cost);
}

/** A dry run of a resume: what is left, planned against the users as they are now. Writes nothing. */
function showResume(
  opts: UpdateOptions,
  meta: RunMeta,
  saved: SavedPlan,
  items: WorkItem[],
  prior: Map<number, ReportRecord>,
  session: Session,
): Promise<UpdateResult> {
  const managerId = (ref: ManagerRef) => saved.managers[refKey(ref)];
  const byRow = new Map(saved.plan.rows.map((p) => [p.rowNumber, p]));
  const rows: PlannedRow[] = items.map((item) => {
    const p = byRow.get(item.rowNumber)!;
    try {
      const change = planUserChange(item.user, item.changes, { managerId });
      return {
        ...p,
        status: change.diffs.length > 0 ? 'change' : 'unchanged',
        diffs: change.diffs,
        patch: change.patch,
        state: change.state,
        baseVersion: item.user.version,
      };
    } catch (err) {
      if (!isRowProblem(err)) throw err;
      return { ...p, status: 'invalid', diffs: [], note: err.message };
    }
  });
  const plan: Plan = { schemaVersion: 1, summary: summarise(rows), rows };
  const color = (opts.stdout as NodeJS.WriteStream).isTTY === true;
  opts.stdout.write(opts.json ? `${planToJson(plan)}\n` : renderPlanText(plan, { color }));
  const planned = new Map(rows.map((r) => [r.rowNumber, r]));
  const records = saved.plan.rows.map((p) => {
    const left = planned.get(p.rowNumber);
    return prior.get(p.rowNumber) ?? (left ? recordFromPlan(left, left.status) : recordFromPlan(p, p.status));
  });
  return finish(opts, meta.runId, withSkipped(records, saved.skipped), false, session.governor.stats());
}

export async function execute(
  opts: UpdateOptions,
  session: Session,
  dir: string,
  meta: RunMeta,
  saved: SavedPlan,
  items: WorkItem[],
  prior: Map<number, ReportRecord>,
  cost: unknown,
): Promise<UpdateResult> {
  const journal = await Journal.open(join(dir, 'journal.jsonl'));
  opts.onRun?.(meta);
  let results: Map<number, WorkOutcome>;
  try {
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
  } finally {
    await journal.close();
  }
  // A stop that came after every row was settled interrupted nothing.
  const interrupted = items.some((i) => {
    const r = results.get(i.rowNumber);
    return r === undefined || 'interrupted' in r;
  });
  const resume = `genesys-bulk ${meta.command} --resume ${meta.runId}`;
  const records = saved.plan.rows.map((p) => {
    const before = prior.get(p.rowNumber);
    if (before) return before;
    if (p.status !== 'change') return recordFromPlan(p, p.status);
    const r = results.get(p.rowNumber);
    if (!r || 'interrupted' in r) {
      return r?.inFlight
        ? {
            ...recordFromPlan(p, 'skipped'),
            errorCode: 'in_flight',
            message: `unsettled: a write was in flight when the run stopped and may have been applied; \`${resume}\` re-reads the user and settles it`,
          }
        : {
            ...recordFromPlan(p, 'skipped'),
            errorCode: 'interrupted',
            message: `not applied: the run was interrupted first; resume with \`${resume}\``,
          };
    }
    return recordFromApply(p, r);
  });
  const result = await finish(
    opts,
    meta.runId,
    withSkipped(records, saved.skipped),
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

/** Adds the rows that needed no work, so that the report holds one record per input row, in row order. */
function withSkipped(records: ReportRecord[], skipped: ReportRecord[] = []): ReportRecord[] {
  return skipped.length === 0 ? records : [...records, ...skipped].sort((a, b) => a.row - b.row);
}

/**
 * Two rows may name one user in different ways (one by id, one by email), which the input layer cannot see.
 * Identical changes: the later row is skipped. Different changes: an error on each, as for a repeated key,
 * since which one wins would depend on the order of the rows.
 */
function checkSameUser(
  rows: InputRow[],
  index: UserIndex,
): { rows: InputRow[]; problems: RowProblem[]; skipped: ReportRecord[] } {
  const groups = new Map<string, InputRow[]>();
  for (const row of rows) {
    const user = row.key.kind === 'id' ? index.byId.get(row.key.id) : index.byEmail.get(row.key.email);
    if (!user) continue;
    const group = groups.get(user.id);
    if (group) group.push(row);
    else groups.set(user.id, [row]);
  }
  const drop = new Set<InputRow>();
  const problems: RowProblem[] = [];
  const skipped: ReportRecord[] = [];
  for (const [userId, group] of groups) {
    if (group.length < 2) continue;
    const first = group[0]!;
    const same = group.every((r) => JSON.stringify(r.changes) === JSON.stringify(first.changes));
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

function recordFromApply(p: PlannedRow, r: ApplyResult): ReportRecord {
  return {
    row: p.rowNumber,
    line: p.line,
    key: p.key,
    ...(p.userId ? { userId: p.userId } : {}),
    status: r.status,
    changes: r.diffs.map((d) => ({ field: d.field, before: d.before, after: d.after })),
    ...(r.failure
      ? { errorCode: r.failure.code ?? r.failure.kind, message: r.failure.message }
      : r.kept || p.note
        ? { message: [p.note, r.kept].filter(Boolean).join('; ') }
        : {}),
    attempts: r.attempts,
    ...(r.conflict ? { conflict: r.conflict } : {}),
  };
}

export async function finish(
  opts: Pick<UpdateOptions, 'reportPath' | 'dryRun' | 'json' | 'stdout' | 'stderr'>,
  runId: string | undefined,
  records: ReportRecord[],
  interrupted: boolean,
  api: GovernorStats,
  readCost?: unknown,
): Promise<UpdateResult> {
  const summary: UpdateSummary = {
    rows: records.length,
    updated: 0,
    unchanged: 0,
    not_found: 0,
    invalid: 0,
    failed: 0,
    skipped: 0,
    planned: 0,
  };
  for (const r of records) summary[r.status]++;
  if (opts.reportPath) await writeReport(opts.reportPath, records);
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
      `${JSON.stringify({ kind: 'genesys-bulk/result', schemaVersion: 1, runId, exitCode, summary, api, readCost, rows: records })}\n`,
    );
  }
  return { exitCode, runId, summary, records, api };
}
