import { ExitCode, type ExitCodeValue } from '../errors.js';
import type { GovernorStats } from '../governor/index.js';
import { type ReportRecord, writeReport } from '../report.js';

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

/** Where the end of a run goes: the summary line, the report, and the JSON document. */
export interface FinishOptions {
  reportPath?: string;
  dryRun: boolean;
  json: boolean;
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
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
