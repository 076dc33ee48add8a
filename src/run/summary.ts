import { ExitCode, type ExitCodeValue } from '../errors.js';
import type { GovernorStats } from '../governor/index.js';
import type { InputProblem } from '../input/index.js';
import { isOutputClosed } from '../output.js';
import { type ChangeCounts, countChanges, describeChanges } from '../plan/kinds.js';
import { type ReportRecord, writeReport } from '../report.js';
import {
  apiFigures,
  type DocumentHead,
  documentProblem,
  documentRow,
  emptySummary,
  type InputLayout,
  lazyRows,
  type OutputDocument,
  writeDocument,
} from './document.js';
import type { SummaryCounts } from './document-schema.js';
import { OUTPUT_SCHEMA_VERSION } from './document-version.js';

/** The counts of a run's rows by status (the --json document's `summary`, less its `changes`). */
export type UpdateSummary = Omit<SummaryCounts, 'changes'>;

export interface UpdateResult {
  exitCode: ExitCodeValue;
  runId?: string;
  summary: UpdateSummary;
  /** The field changes of the rows updated (a dry run: planned), by kind. */
  changes: ChangeCounts;
  records: ReportRecord[];
  api?: GovernorStats;
}

/** Where the end of a run goes: the summary line, the report, and the JSON document. */
export interface FinishOptions {
  reportPath?: string;
  dryRun: boolean;
  json: boolean;
  /** A dry run that would change something exits 4 (ExitCode.ChangesPending) rather than 0. */
  detailedExitcode?: boolean;
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
}

/** What the --json document says of a run besides its counts and rows. */
export interface DocumentInfo {
  command: OutputDocument['command'];
  mode: OutputDocument['mode'];
  target: string | null;
  source: string | null;
  rollbackOf: string | null;
  plan: OutputDocument['plan'];
  /** The user answered no at the question. */
  declined?: boolean;
  /**
   * No consent could be asked for (no terminal, no --yes): the document still shows what would have been done, with
   * this exit code and problem; the caller throws the error that says so on stderr.
   */
  refused?: { exitCode: ExitCodeValue; code: string; message: string };
  problemsOf?: (row: number) => readonly InputProblem[] | undefined;
  layout?: InputLayout;
  /** Problems in no row that do not stop the run (cells a spreadsheet saved in its own forms). */
  warnings?: readonly InputProblem[];
}

/**
 * Counts the records, writes the report, the summary line and (with --json) the result document, and decides the
 * exit code: 130 when interrupted, 1 when a row failed, was not found or was invalid, else 0.
 */
export async function finish(
  opts: FinishOptions,
  runId: string | undefined,
  /** In row order; a function when the records are made afresh on each pass rather than held. */
  records: ReportRecord[] | (() => Iterable<ReportRecord>),
  interrupted: boolean,
  api: GovernorStats,
  readCost?: unknown,
  doc?: DocumentInfo,
): Promise<UpdateResult> {
  const each = typeof records === 'function' ? records : () => records;
  const { changes, ...summary } = emptySummary();
  for (const r of each()) {
    summary.rows++;
    summary[r.status]++;
    // A dry run's rows `updated` are what an interrupted run it looks at (resume --dry-run) wrote already.
    if (r.status === 'planned' || (r.status === 'updated' && !opts.dryRun)) countChanges(r.changes, changes);
  }
  if (opts.reportPath && !doc?.refused) await writeReport(opts.reportPath, each());
  const exitCode: ExitCodeValue = doc?.refused
    ? doc.refused.exitCode
    : interrupted
      ? ExitCode.Interrupted
      : summary.failed + summary.not_found + summary.invalid > 0
        ? ExitCode.Partial
        : opts.dryRun && opts.detailedExitcode && summary.planned + summary.to_create + summary.to_delete > 0
          ? ExitCode.ChangesPending
          : ExitCode.Ok;
  const counts = Object.entries(summary)
    .filter(([k, v]) => k !== 'rows' && v > 0)
    .map(([k, v]) => `${v} ${k.replace('_', ' ')}`)
    .join(', ');
  if (!doc?.refused)
    opts.stderr.write(
      `${opts.dryRun ? 'Dry run' : interrupted ? 'Interrupted' : 'Done'}${runId ? ` (run ${runId})` : ''}: ${summary.rows} row(s): ${counts || 'nothing to do'}. ` +
        `${describeChanges(changes) ? `${opts.dryRun ? 'Changes planned' : 'Changes made'}: ${describeChanges(changes)}. ` : ''}` +
        `API: ${api.requests} request(s), ${api.rateLimited} rate-limited (429), ${api.retries} retried.` +
        `${opts.reportPath ? ` Report: ${opts.reportPath}` : ''}\n`,
    );
  if (opts.json && doc) {
    const head: DocumentHead = {
      schemaVersion: OUTPUT_SCHEMA_VERSION,
      command: doc.command,
      mode: doc.mode,
      outcome: opts.dryRun
        ? 'planned'
        : doc.declined || doc.refused
          ? 'declined'
          : interrupted
            ? 'interrupted'
            : 'completed',
      exitCode,
      target: doc.target,
      source: doc.source,
      runId: runId ?? null,
      rollbackOf: doc.rollbackOf,
      summary: { ...summary, changes },
      plan: doc.plan,
      layout: doc.layout ?? null,
      api: apiFigures(api, readCost),
      problems: doc.refused
        ? [
            {
              severity: 'error',
              code: doc.refused.code,
              message: doc.refused.message,
              row: null,
              line: null,
              column: null,
              columns: [],
              suggestion: null,
            },
          ]
        : (doc.warnings ?? []).map((p) => documentProblem(p)),
    };
    const problemsOf = doc.problemsOf ?? (() => undefined);
    try {
      await writeDocument(
        opts.stdout,
        head,
        lazyRows(each(), (r) => documentRow(r, problemsOf(r.row))),
      );
    } catch (err) {
      // The run is over and its writes made: a reader that went away (`| head`) cuts the document short, but the exit
      // code stays the run's (exit 3 says nothing was written).
      if (!isOutputClosed(err)) throw err;
      opts.stderr.write(
        `genesys-bulk: stdout was closed by the program reading it before the JSON document was all written; the run had finished (exit ${exitCode}).\n`,
      );
    }
  }
  let held: ReportRecord[] | undefined = Array.isArray(records) ? records : undefined;
  return {
    exitCode,
    runId,
    summary,
    changes,
    get records() {
      held ??= [...each()];
      return held;
    },
    api,
  };
}
