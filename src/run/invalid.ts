import { GenesysBulkError, ValidationError } from '../errors.js';
import type { InputProblem, InputRow, InvalidRow, ManagerRef } from '../input/index.js';
import { CatalogueIndex, cataloguesNeeded } from '../plan/index.js';
import type { ReportRecord } from '../report.js';
import { writeReport } from '../report.js';
import { checkManagers, invalidInputMessage, type RowProblem, rowProblem, sortProblems } from './checks.js';
import type { RunContext } from './context.js';
import type { InputLayout } from './document.js';
import { checkLocationNames, loadLocations } from './profile-fields.js';
import { resolveUsers, UserIndex } from './resolve.js';
import { checkRoutingNames, emptyRoutingCost, loadCatalogue } from './routing.js';

/** A row with problems, as the --json document and the report list it. */
export interface InvalidEntry {
  rowNumber: number;
  line: number;
  key: string;
  problems: InputProblem[];
}

/**
 * The input is invalid: exit 2, nothing written. Carries every problem, so that --json prints them all (as rows,
 * and the file's own as `problems`) and --report holds them all, where the message shows the first 20.
 */
export class InvalidInputError extends ValidationError {
  constructor(
    message: string,
    readonly source: string,
    /** Problems in no row: with the file itself (an unknown column), or a file that cannot be read at all. */
    readonly fileProblems: InputProblem[],
    readonly rows: InvalidEntry[],
    /** The host the names were checked against, when one was reached. */
    readonly target: string | null = null,
  ) {
    super(message);
  }

  /** How the input was read, when not in the tool's own columns: the --json document says so even when refused. */
  layout: InputLayout | null = null;
}

/** Problems grouped by row, in row order; those in no row apart. */
export function groupProblems(
  problems: readonly InputProblem[],
  keys: ReadonlyMap<number, { line: number; key: string }>,
): { fileProblems: InputProblem[]; rows: InvalidEntry[] } {
  const fileProblems: InputProblem[] = [];
  const byRow = new Map<number, InvalidEntry>();
  for (const p of problems) {
    if (p.rowNumber === undefined) {
      fileProblems.push(p);
      continue;
    }
    let entry = byRow.get(p.rowNumber);
    if (!entry) {
      const known = keys.get(p.rowNumber);
      entry = { rowNumber: p.rowNumber, line: known?.line ?? p.line ?? 0, key: known?.key ?? '', problems: [] };
      byRow.set(p.rowNumber, entry);
    }
    entry.problems.push(p);
  }
  return { fileProblems, rows: [...byRow.values()].sort((a, b) => a.rowNumber - b.rowNumber) };
}

/**
 * Refuses the input: writes the report (every problem: one record per invalid row, and one per problem of the file
 * itself as row 0), and returns the error to throw.
 */
export async function refuseInput(
  source: string,
  problems: readonly InputProblem[],
  keys: ReadonlyMap<number, { line: number; key: string }>,
  reportPath: string | undefined,
  target?: string,
  skipInvalid?: string,
): Promise<InvalidInputError> {
  const errors = problems.filter((p) => p.severity === 'error');
  const { fileProblems, rows } = groupProblems(problems, keys);
  const invalidRows = rows.filter((r) => r.problems.some((p) => p.severity === 'error'));
  if (reportPath) await writeReport(reportPath, invalidReport(fileProblems, invalidRows));
  return new InvalidInputError(
    invalidInputMessage(source, invalidRows.length, errors, skipInvalid),
    source,
    fileProblems,
    invalidRows,
    target ?? null,
  );
}

export function invalidReport(fileProblems: readonly InputProblem[], rows: readonly InvalidEntry[]): ReportRecord[] {
  const records: ReportRecord[] = fileProblems.map((p) => ({
    row: 0,
    line: p.line ?? 0,
    key: '',
    status: 'invalid',
    changes: [],
    errorCode: p.code ?? 'invalid_input',
    message: p.message,
    attempts: 0,
  }));
  for (const r of rows) {
    const errors = r.problems.filter((p) => p.severity === 'error');
    records.push({
      row: r.rowNumber,
      line: r.line,
      key: r.key,
      status: 'invalid',
      changes: [],
      errorCode: errors[0]?.code ?? 'invalid_value',
      message: errors.map((p) => p.message).join('; '),
      attempts: 0,
    });
  }
  return records;
}

/**
 * When the file has format problems, the names its rows use (routing names, managers) are checked too, so that one
 * run shows every problem. Only the catalogues and the managers are read; a failure to connect or to read leaves
 * the names unchecked (and says so) rather than hiding the format problems behind it.
 */
export async function nameProblems(
  open: () => Promise<RunContext>,
  rows: readonly InputRow[],
  log: { warn(message: string): void },
): Promise<{ problems: RowProblem[]; target?: string }> {
  const withRouting = rows.filter((r) => r.changes.routing !== undefined);
  const managers: ManagerRef[] = rows.flatMap((r) => (r.changes.manager ? [r.changes.manager] : []));
  const withLocations = rows.filter((r) => r.changes.locations !== undefined);
  if (withRouting.length === 0 && managers.length === 0 && withLocations.length === 0) return { problems: [] };
  let ctx: RunContext | undefined;
  try {
    ctx = await open();
    const problems: RowProblem[] = [];
    if (withRouting.length > 0) {
      const catalogue = await loadCatalogue(
        ctx.routingReads(emptyRoutingCost()),
        cataloguesNeeded(withRouting.map((r) => r.changes.routing!)),
      );
      for (const p of checkRoutingNames(withRouting, new CatalogueIndex(catalogue))) {
        problems.push(
          rowProblem(p.row, p.column, p.message, {
            code: p.code,
            ...(p.suggestion !== undefined ? { suggestion: p.suggestion } : {}),
          }),
        );
      }
    }
    if (withLocations.length > 0)
      problems.push(...checkLocationNames(withLocations, await loadLocations(ctx.userReads())));
    if (managers.length > 0) {
      const ids = new Set(managers.flatMap((m) => (m.kind === 'id' ? [m.id] : [])));
      const emails = new Set(managers.flatMap((m) => (m.kind === 'email' ? [m.email] : [])));
      const { index } = await resolveUsers(ctx.userReads(), ids, emails, new UserIndex((u) => ({ ...u })));
      const found = (m: ManagerRef) => (m.kind === 'id' ? index.byId.get(m.id)?.id : index.byEmail.get(m.email)?.id);
      problems.push(...checkManagers([...rows], found).problems);
    }
    return { problems: sortProblems(problems), target: ctx.target.host };
  } catch (err) {
    if (!(err instanceof GenesysBulkError)) throw err;
    log.warn(`Names (routing, locations, managers) were not checked: ${err.message}`);
    return { problems: [], ...(ctx ? { target: ctx.target.host } : {}) };
  }
}

/** The rows of invalid records whose partial changes are known, as rows the name checks take. */
export function asRows(invalid: readonly InvalidRow[]): InputRow[] {
  return invalid.flatMap((r) =>
    r.changes
      ? [{ rowNumber: r.rowNumber, line: r.line, key: { kind: 'id', id: r.key ?? '' }, changes: r.changes }]
      : [],
  );
}
