import { type PlannedRow, type PlannedStatus, rowDiffs } from '../plan/index.js';
import type { ReportRecord, RowStatus } from '../report.js';
import type { ApplyResult } from './apply.js';
import type { WorkItem, WorkOutcome } from './engine.js';
import type { RoutingOutcome, RoutingRowResult, RoutingWork } from './routing-engine.js';

/** What one part of a row (its profile PATCHes, or its routing calls) came to. */
export interface Part {
  status: RowStatus;
  /** A created user's id (the plan has none). */
  userId?: string;
  attempts: number;
  errorCode?: string;
  message?: string;
  conflict?: string;
  /** Fields of the plan not written, left as someone else set them after the plan: not among the row's changes. */
  kept?: string[];
}

/** The writes of one execution, and the parts of rows that an earlier attempt of the run already settled. */
export interface Work {
  /**
   * The profile writes, made afresh on each pass (an update's from its encoded plan: never all 100,000 at once); an
   * array is one too.
   */
  items: Iterable<WorkItem>;
  /** The routing of each row that changes any, made afresh on each pass (an update's from its encoded plan). */
  routing: Iterable<RoutingWork>;
  priorProfile: Map<number, Part>;
  priorRouting: Map<number, Part>;
  /** The first `seq` for routing call records: past those already in the folder's journal. */
  firstSeq?: number;
  /** Users to create (update --create) or delete (a rollback of a run that created them); see run/lifecycle.ts. */
  lifecycle?: LifecycleWork;
  /** Create and delete rows an earlier attempt of the run settled. */
  priorLifecycle?: Map<number, Part>;
}

/** Opaque here: run/lifecycle.ts makes it and executes it. */
export interface LifecycleWork {
  readonly rows: ReadonlySet<number>;
}

/** What the engines returned for one execution. */
export interface Executed {
  profile: Map<number, WorkOutcome>;
  routing: Map<number, RoutingOutcome>;
  /** Rows whose user the profile phase found deleted: their routing was not sent. */
  gone: Set<number>;
  /** The create or delete part of each lifecycle row executed; missing: the stop came first. */
  lifecycle?: Map<number, Part | { interrupted: true; inFlight: boolean }>;
  /** Users created by the run so far, by email: the report names a manager created in the run by its id. */
  created?: ReadonlyMap<string, string>;
}

export function partFromApply(r: Omit<ApplyResult, 'user' | 'diffs'>): Part {
  return {
    status: r.status,
    attempts: r.attempts,
    ...(r.failure
      ? { errorCode: r.failure.code ?? r.failure.kind, message: r.failure.message }
      : r.kept
        ? { message: r.kept }
        : {}),
    ...(r.conflict ? { conflict: r.conflict } : {}),
    ...(r.keptFields ? { kept: r.keptFields.map((k) => k.field) } : {}),
  };
}

export function partFromRouting(r: RoutingRowResult): Part {
  const kept = r.keptFields?.map((k) => `${k.field} is now ${k.now === null ? '(none)' : JSON.stringify(k.now)}`);
  return {
    status: r.status,
    attempts: r.attempts,
    ...(r.failure
      ? { errorCode: r.failure.code, message: r.failure.message }
      : kept
        ? { message: `changed by someone else after the plan, left as is: ${kept.join('; ')}` }
        : {}),
    ...(r.conflict ? { conflict: r.conflict } : {}),
    ...(r.keptFields ? { kept: r.keptFields.map((k) => k.field) } : {}),
  };
}

/** The part of a row whose user was deleted since the plan. */
export const GONE: Part = {
  status: 'not_found',
  attempts: 0,
  errorCode: 'not_found',
  message: 'the user no longer exists',
};

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
    case 'created':
    case 'deleted':
      // Above `updated`: a created row whose rest was applied is `created`.
      return 3.5;
    default:
      return 1;
  }
}

/**
 * One report record from a row's parts: its status is the weightiest part's (failed if either failed); its error
 * is the weightiest failing part's, with every failing part's message; its changes are the plan's, profile and
 * routing together, less the fields a part left as someone else set them (never written).
 */
export function combine(p: PlannedRow, parts: readonly Part[]): ReportRecord {
  const byRank = [...parts].sort((a, b) => rank(b) - rank(a));
  const top = byRank[0]!;
  const errored = byRank.filter((x) => x.errorCode !== undefined);
  const conflict = [...new Set(parts.map((x) => x.conflict).filter(Boolean))].join('; ');
  const kept = new Set(parts.flatMap((x) => x.kept ?? []));
  // The plan's note stays after an error: a rollback's row failing says still which fields it left as someone set them.
  const message =
    (errored.length > 0 ? [...errored.map((x) => x.message), p.note] : [p.note, ...parts.map((x) => x.message)])
      .filter(Boolean)
      .join('; ') || undefined;
  return {
    row: p.rowNumber,
    line: p.line,
    key: p.key,
    ...(p.userId ? { userId: p.userId } : {}),
    status: top.status,
    changes: rowDiffs(p)
      .filter((d) => !kept.has(d.field))
      .map((d) => ({ field: d.field, before: d.before, after: d.after })),
    ...(errored.length > 0 ? { errorCode: errored[0]!.errorCode } : {}),
    ...(message ? { message } : {}),
    attempts: parts.reduce((n, x) => n + x.attempts, 0),
    ...(conflict ? { conflict } : {}),
  };
}

const PLANNED_AS: Partial<Record<PlannedStatus, RowStatus>> = {
  change: 'planned',
  create: 'to_create',
  delete: 'to_delete',
};

export function recordFromPlan(p: PlannedRow, status: RowStatus | PlannedStatus): ReportRecord {
  return {
    row: p.rowNumber,
    line: p.line,
    key: p.key,
    ...(p.userId ? { userId: p.userId } : {}),
    status: PLANNED_AS[status as PlannedStatus] ?? (status as RowStatus),
    changes: rowDiffs(p).map((d) => ({ field: d.field, before: d.before, after: d.after })),
    ...(p.note ? { message: p.note } : {}),
    attempts: 0,
  };
}

/**
 * The records of rows that were not executed (a dry run, or a question answered no): a row an earlier attempt
 * settled keeps what it came to; `declined` makes every planned change `skipped`.
 */
export function unexecutedRecords(
  rows: Iterable<PlannedRow>,
  prior: (rowNumber: number) => Part[],
  declined: boolean,
): ReportRecord[] {
  const records: ReportRecord[] = [];
  for (const r of rows) {
    const parts = prior(r.rowNumber);
    const writes = r.status === 'change' || r.status === 'create' || r.status === 'delete';
    records.push(parts.length > 0 ? combine(r, parts) : recordFromPlan(r, declined && writes ? 'skipped' : r.status));
  }
  return records;
}

/** What an execution came to, as records made afresh on each pass (a 100,000-row run never holds them all). */
export interface Folded {
  /** One record per planned row, in row order. */
  records: () => Iterable<ReportRecord>;
  /** The stop caught a row before it settled. */
  interrupted: boolean;
  /** Rows the stop caught with a write in flight. */
  unsettled: number;
}

/**
 * Folds what an execution came to, with what earlier attempts settled, into one record per planned row (in row
 * order). `interrupted` when the stop caught any row before it settled. `rows` is read once to count, then once per
 * pass over the records.
 */
export function foldOutcomes(rows: Iterable<PlannedRow>, work: Work, done: Executed, resumeCommand: string): Folded {
  const profileRows = new Set<number>();
  for (const i of work.items) profileRows.add(i.rowNumber);
  const routingRows = new Set<number>();
  for (const w of work.routing) routingRows.add(w.rowNumber);
  const stops = { count: 0 };
  const records = () => foldedRecords(rows, work, done, resumeCommand, profileRows, routingRows, stops);
  let unsettled = 0;
  for (const r of records()) if (r.errorCode === 'in_flight') unsettled++;
  return { records, interrupted: stops.count > 0, unsettled };
}

function* foldedRecords(
  rows: Iterable<PlannedRow>,
  work: Work,
  done: Executed,
  resumeCommand: string,
  profileRows: ReadonlySet<number>,
  routingRows: ReadonlySet<number>,
  stops: { count: number },
): Generator<ReportRecord> {
  const stopped = (r: { inFlight: boolean }): Part => {
    stops.count++;
    return r.inFlight
      ? {
          status: 'skipped',
          attempts: 0,
          errorCode: 'in_flight',
          message: `unsettled: a write was in flight when the run stopped and may have been applied; \`${resumeCommand}\` re-reads the user and settles it`,
        }
      : {
          status: 'skipped',
          attempts: 0,
          errorCode: 'interrupted',
          message: `not applied: the run was interrupted first; resume with \`${resumeCommand}\``,
        };
  };
  for (const p of rows) {
    if (p.status === 'create' || p.status === 'delete') {
      // Its user is created (or deleted) first; the rest of a created row then goes with the other rows' writes.
      const prior = work.priorLifecycle?.get(p.rowNumber);
      const done1 = done.lifecycle?.get(p.rowNumber);
      const first = prior ?? (!done1 || 'interrupted' in done1 ? stopped(done1 ?? { inFlight: false }) : done1);
      const parts: Part[] = [first];
      const profile = done.profile.get(p.rowNumber);
      if (profile) parts.push('interrupted' in profile ? stopped(profile) : partFromApply(profile));
      const routing = done.routing.get(p.rowNumber);
      if (routing) parts.push('interrupted' in routing ? stopped(routing) : partFromRouting(routing));
      const record = combine(p, parts);
      const userId = 'userId' in first && typeof first.userId === 'string' ? first.userId : undefined;
      yield userId && !record.userId ? { ...record, userId } : record;
      continue;
    }
    if (p.status !== 'change') {
      // A rollback's row that restores nothing because someone changed every field again is `skipped`.
      const prior = work.priorProfile.get(p.rowNumber);
      yield prior ? combine(p, [prior]) : recordFromPlan(p, p.status);
      continue;
    }
    const parts: Part[] = [];
    const profile = work.priorProfile.get(p.rowNumber);
    if (profile) parts.push(profile);
    else if (profileRows.has(p.rowNumber)) {
      const r = done.profile.get(p.rowNumber);
      parts.push(!r || 'interrupted' in r ? stopped(r ?? { inFlight: false }) : partFromApply(r));
    }
    const routing = work.priorRouting.get(p.rowNumber);
    if (routing) parts.push(routing);
    else if (routingRows.has(p.rowNumber) && !done.gone.has(p.rowNumber)) {
      const r = done.routing.get(p.rowNumber);
      parts.push(!r || 'interrupted' in r ? stopped(r ?? { inFlight: false }) : partFromRouting(r));
    }
    yield parts.length > 0 ? combine(p, parts) : recordFromPlan(p, p.status);
  }
}

/**
 * Adds the rows that needed no work to the records of the planned rows (which come in row order), so that the report
 * holds one record per input row, in row order.
 */
export function* withSkipped(
  records: Iterable<ReportRecord>,
  skipped: readonly ReportRecord[] = [],
): Generator<ReportRecord> {
  const rest = [...skipped].sort((a, b) => a.row - b.row);
  let j = 0;
  for (const r of records) {
    while (j < rest.length && rest[j]!.row < r.row) yield rest[j++]!;
    yield r;
  }
  while (j < rest.length) yield rest[j++]!;
}

/** `f` of each item, afresh on each pass (a generator could be read only once). */
export function lazyMap<T, U>(items: Iterable<T>, f: (item: T) => U): Iterable<U> {
  return {
    *[Symbol.iterator]() {
      for (const item of items) yield f(item);
    },
  };
}
