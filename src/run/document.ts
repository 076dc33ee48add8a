import { ExitCode } from '../errors.js';
import type { GovernorStats } from '../governor/index.js';
import type { InputProblem } from '../input/index.js';
import { writeChunks } from '../output.js';
import { noChanges } from '../plan/kinds.js';
import type { ReportRecord } from '../report.js';
import { safeJson } from '../text.js';
import type { DocumentProblem, DocumentRow, InputLayout, OutputDocument, SummaryCounts } from './document-schema.js';
import { OUTPUT_SCHEMA_VERSION } from './document-version.js';
import { noteColumns } from './note-columns.js';
import { RUN_ID } from './run-id.js';

/**
 * The one document `--json` prints on stdout, for every command that plans or writes (update, rollback, resume;
 * dry run or not) and for a run refused before it started (invalid input, usage, configuration). Its schema is in
 * document-schema.ts; its JSON Schema, docs/output.schema.json, is generated from it (`npm run schema`), and a test
 * fails when the two differ.
 */
export type { DocumentProblem, DocumentRow, InputLayout, OutputDocument };

const documented = new WeakSet<object>();

/** The error ends a run whose document is already on stdout: none is written for it again. */
export function markDocumented(err: object): void {
  documented.add(err);
}

export function isDocumented(err: unknown): boolean {
  return typeof err === 'object' && err !== null && documented.has(err);
}

/** A row the input check refused, as the document of a refused run lists it. */
export function invalidDocumentRow(r: {
  rowNumber: number;
  line: number;
  key: string;
  problems: readonly InputProblem[];
}): DocumentRow {
  const at = { rowNumber: r.rowNumber, line: r.line };
  return {
    row: r.rowNumber,
    line: r.line,
    key: r.key,
    userId: null,
    status: 'invalid',
    changes: [],
    problems: r.problems.map((p) => documentProblem(p, at)),
    errorCode: r.problems.find((p) => p.severity === 'error')?.code ?? 'invalid_value',
    message: r.problems
      .filter((p) => p.severity === 'error')
      .map((p) => p.message)
      .join('; '),
    attempts: 0,
    conflict: null,
  };
}

/** A problem of the input layer (or a check after it) as the document carries it. */
export function documentProblem(p: InputProblem, row?: { rowNumber: number; line: number }): DocumentProblem {
  return {
    severity: p.severity,
    code: p.code ?? (p.column !== undefined ? 'invalid_value' : 'invalid_input'),
    message: p.message,
    row: p.rowNumber ?? row?.rowNumber ?? null,
    line: p.line ?? row?.line ?? null,
    column: p.column ?? null,
    columns: p.columns ?? (p.column !== undefined ? [p.column] : []),
    suggestion: p.suggestion ?? null,
  };
}

export function documentRow(r: ReportRecord, problems: readonly InputProblem[] | undefined): DocumentRow {
  const at = { rowNumber: r.row, line: r.line };
  let listed = (problems ?? []).map((p) => documentProblem(p, at));
  // An invalid row planned against its user (a required field cleared) carries its reason as the message only.
  if (r.status === 'invalid' && !listed.some((p) => p.severity === 'error')) {
    listed = [
      ...listed,
      documentProblem(
        { severity: 'error', code: 'invalid_change', message: r.message ?? 'invalid row', ...noteColumns(r.message) },
        at,
      ),
    ];
  }
  return {
    row: r.row,
    line: r.line,
    key: r.key,
    userId: r.userId ?? null,
    status: r.status,
    changes: r.changes.map((c) => ({ field: c.field, before: c.before, after: c.after })),
    problems: listed,
    errorCode: r.errorCode ?? null,
    message: r.message ?? null,
    attempts: r.attempts,
    conflict: r.conflict ?? null,
  };
}

export function* lazyRows<T>(items: Iterable<T>, f: (item: T) => DocumentRow): Generator<DocumentRow> {
  for (const item of items) yield f(item);
}

/** Everything of the document but its rows, which are written one at a time. */
export type DocumentHead = Omit<OutputDocument, 'rows'>;

export function apiFigures(api: GovernorStats | undefined, reads: unknown): OutputDocument['api'] {
  if (!api) return null;
  return {
    requests: api.requests,
    rateLimited: api.rateLimited,
    retries: api.retries,
    reauths: api.reauths,
    reads: typeof reads === 'object' && reads !== null ? (reads as Record<string, unknown>) : null,
  };
}

/** In the order of the summary line (run/summary.ts) and of a run's document. */
export function emptySummary(): SummaryCounts {
  return {
    rows: 0,
    updated: 0,
    unchanged: 0,
    not_found: 0,
    invalid: 0,
    failed: 0,
    skipped: 0,
    planned: 0,
    to_create: 0,
    created: 0,
    to_delete: 0,
    deleted: 0,
    changes: noChanges(),
  };
}

const CODE_OF_EXIT: Readonly<Record<number, string>> = { 1: 'platform', 2: 'usage', 3: 'config', 130: 'interrupted' };

/**
 * The document of a run refused before it planned anything: invalid input (its problems, by row and for the file),
 * or another error (usage, configuration, an interruption, a bug) as one problem.
 */
export function refusedHead(
  what: {
    command: OutputDocument['command'];
    mode: OutputDocument['mode'];
    exitCode: number;
    source: string | null;
    target?: string | null;
    layout?: InputLayout | null;
  },
  refused:
    | { kind: 'invalid'; fileProblems: readonly InputProblem[]; rows: number }
    | { kind: 'error'; message: string },
): DocumentHead {
  const summary = emptySummary();
  if (refused.kind === 'invalid') {
    summary.rows = refused.rows;
    summary.invalid = refused.rows;
  }
  return {
    schemaVersion: OUTPUT_SCHEMA_VERSION,
    command: what.command,
    mode: what.mode,
    outcome: refused.kind,
    exitCode: what.exitCode,
    target: what.target ?? null,
    source: what.source,
    runId: null,
    // A rollback's source is the run it undoes (not a resume's: that names the rollback run resumed).
    rollbackOf: what.command === 'rollback' && what.mode !== 'resume' ? what.source : null,
    summary,
    plan: null,
    layout: what.layout ?? null,
    api: null,
    problems:
      refused.kind === 'invalid'
        ? refused.fileProblems.map((p) => documentProblem(p))
        : [
            {
              severity: 'error',
              code: CODE_OF_EXIT[what.exitCode] ?? 'internal',
              message: refused.message,
              row: null,
              line: null,
              column: null,
              columns: [],
              suggestion: null,
            },
          ],
  };
}

/**
 * Writes the document a row at a time (a 100,000-row dry run is never one string), one line of JSON ending in a
 * newline, keys in the order of the schema.
 */
export async function writeDocument(
  stream: NodeJS.WritableStream,
  head: DocumentHead,
  rows: Iterable<DocumentRow>,
): Promise<void> {
  await writeChunks(stream, documentChunks(head, rows));
}

function* documentChunks(head: DocumentHead, rows: Iterable<DocumentRow>): Generator<string> {
  const ordered = {
    schemaVersion: head.schemaVersion,
    command: head.command,
    mode: head.mode,
    outcome: head.outcome,
    exitCode: head.exitCode,
    target: head.target,
    source: head.source,
    runId: head.runId,
    rollbackOf: head.rollbackOf,
    summary: head.summary,
    plan: head.plan,
    layout: head.layout,
    api: head.api,
    problems: head.problems,
  };
  const text = safeJson(ordered);
  yield `${text.slice(0, -1)},"rows":[`;
  let first = true;
  for (const row of rows) {
    yield `${first ? '' : ','}${safeJson(row)}`;
    first = false;
  }
  yield ']}\n';
}

/** The document's `mode` of an `update` or `rollback` given these options. */
export function runMode(
  command: 'update' | 'rollback',
  given: { dryRun: boolean; resume: boolean },
): OutputDocument['mode'] {
  if (given.dryRun) return 'dry-run';
  if (given.resume) return 'resume';
  return command === 'rollback' ? 'rollback' : 'apply';
}

/**
 * `update` or `rollback` with --json whose options commander refused (an unknown option, a bad value): the document
 * that --json promises for every outcome, refused as a usage error.
 */
export async function writeUsageDocument(argv: readonly string[], message: string, stdout: NodeJS.WritableStream) {
  const args = argv.slice(2);
  const at = args.findIndex((a) => a === 'update' || a === 'rollback');
  if (at < 0) return;
  const command = args[at] as 'update' | 'rollback';
  const end = args.indexOf('--', at);
  const own = args.slice(at + 1, end < 0 ? undefined : end);
  if (!own.includes('--json')) return;
  const mode = runMode(command, {
    dryRun: own.includes('--dry-run'),
    resume: own.some((a) => a === '--resume' || a.startsWith('--resume=')),
  });
  // A rollback of a run named by its id names that run, even refused; `--last` names none until it is looked up.
  const source = command === 'rollback' && mode !== 'resume' ? (own.find((a) => RUN_ID.test(a)) ?? null) : null;
  const head = refusedHead({ command, mode, exitCode: ExitCode.Usage, source }, { kind: 'error', message });
  await writeDocument(stdout, head, []);
}
