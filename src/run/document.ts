import { z } from 'zod';
import type { GovernorStats } from '../governor/index.js';
import type { InputProblem } from '../input/index.js';
import { writeChunks } from '../output.js';
import { CHANGE_KINDS, noChanges } from '../plan/kinds.js';
import type { ReportRecord } from '../report.js';
import { safeJson } from '../text.js';

/**
 * The one document `--json` prints on stdout, for every command that plans or writes (update, rollback, resume;
 * dry run or not) and for a run refused before it started (invalid input, usage, configuration). Its JSON Schema,
 * docs/output.schema.json, is generated from `OutputDocument` (`npm run schema`), and a test fails when the two
 * differ. A change that removes or renames a key, or narrows a value, needs a new `schemaVersion`; adding a key,
 * a status or a problem code does not.
 */
export const OUTPUT_SCHEMA_VERSION = 1;

const count = z.number().int().min(0);
const position = z.number().int().min(1);

export const Change = z
  .object({
    field: z.string().describe('`title`, `phone.mobile`, `skill:Billing`, `division`…, as the plan shows it'),
    before: z.string().nullable().describe('the value before (null: none)'),
    after: z.string().nullable().describe('the value after (null: cleared or removed)'),
  })
  .strict();

export const Problem = z
  .object({
    severity: z.enum(['error', 'warning']),
    code: z
      .string()
      .regex(/^[a-z][a-z0-9_]*$/)
      .describe('what kind of problem (see docs/output.md); codes may be added, so treat an unknown one as generic'),
    message: z.string().describe('self-contained: where, what is wrong and what to do'),
    row: position.nullable().describe('the record number (1 = first data row); null: the file as a whole'),
    line: position.nullable().describe('the physical line where the record (or the problem) starts'),
    column: z.string().nullable().describe('the canonical column name'),
    suggestion: z.string().nullable().describe('the closest known value (a column or a catalogue name), if any'),
  })
  .strict();

export const ROW_STATUSES = [
  'planned',
  'updated',
  'unchanged',
  'not_found',
  'invalid',
  'failed',
  'skipped',
  'to_create',
  'created',
  'to_delete',
  'deleted',
] as const;

export const Row = z
  .object({
    row: position,
    line: z.number().int().min(0).describe('0 when the row has no line (a rollback row made from a journal)'),
    key: z.string().describe('the user id or email the row names, as written'),
    userId: z.string().nullable(),
    status: z.enum(ROW_STATUSES),
    changes: z.array(Change),
    problems: z.array(Problem).describe('why the row is invalid (status invalid), or warnings about it'),
    errorCode: z.string().nullable().describe('why the row failed, was skipped or not found'),
    message: z.string().nullable(),
    attempts: count,
    conflict: z.string().nullable().describe('another admin changed a field this row sets; the file won'),
  })
  .strict();

/** One count per kind of change (src/plan/kinds.ts): removals, revocations and division moves apart from updates. */
export const ChangeCounts = z
  .object(
    Object.fromEntries(CHANGE_KINDS.map((k) => [k.key, count.describe(k.many)])) as Record<
      (typeof CHANGE_KINDS)[number]['key'],
      typeof count
    >,
  )
  .strict()
  .describe(
    'field changes by kind: removals (skills, languages, queues left), revocations (roles), division moves, ' +
      'and updates (every other change); kinds may be added',
  );

export const Summary = z
  .object({
    rows: count,
    planned: count,
    updated: count,
    unchanged: count,
    not_found: count,
    invalid: count,
    failed: count,
    skipped: count,
    to_create: count.describe('users a dry run would create (update --create)'),
    created: count.describe('users created, with the rest of their row applied'),
    to_delete: count.describe('users a dry run of a rollback would delete (created by the run rolled back)'),
    deleted: count.describe('users the rollback deleted'),
    changes: ChangeCounts.describe(
      'the field changes of the rows updated (a dry run: planned), by kind; rows that failed are not counted',
    ),
  })
  .strict();

export const PlanFigures = z
  .object({
    fields: z.record(z.string(), count).describe('how many rows change each field'),
    requests: count.describe('profile PATCH requests the plan takes'),
    routingRequests: count.describe('routing and access calls the plan takes'),
    changes: ChangeCounts.describe('the field changes the plan shows, by kind'),
  })
  .strict();

export const ApiFigures = z
  .object({
    requests: count,
    rateLimited: count,
    retries: count,
    reauths: count,
    reads: z
      .looseObject({})
      .nullable()
      .describe('how the users and routing were read (strategy and calls); informative, its keys may change'),
  })
  .strict();

export const InputLayout = z
  .object({
    name: z.enum(['admin-ui']).describe("admin-ui: the Genesys admin UI's CSV import layout"),
    meaning: z.string().describe('what the layout makes of the file, as the plan says it'),
  })
  .strict();

export type InputLayout = z.infer<typeof InputLayout>;

export const OutputDocument = z
  .object({
    schemaVersion: z.literal(OUTPUT_SCHEMA_VERSION),
    command: z.enum(['update', 'rollback']),
    mode: z
      .enum(['dry-run', 'apply', 'rollback', 'resume'])
      .describe('dry-run: nothing written; apply: an update from a file; rollback; resume: continuing a run'),
    outcome: z
      .enum(['planned', 'completed', 'interrupted', 'declined', 'invalid', 'error'])
      .describe(
        'planned: a dry run; completed; interrupted (resume it); declined: the user answered no, or there was no ' +
          'terminal to ask (exit 2); invalid: the input ' +
          'has problems, nothing was written; error: refused before anything was written (usage, configuration)',
      ),
    exitCode: z.number().int().describe('the exit code of the process'),
    target: z.string().nullable().describe('the host the run reads and writes; null when not reached'),
    source: z.string().nullable().describe('the input file (or stdin), or the run being rolled back'),
    runId: z.string().nullable().describe('the run written (or, in a dry run of a resume, looked at)'),
    rollbackOf: z.string().nullable(),
    summary: Summary,
    plan: PlanFigures.nullable(),
    layout: InputLayout.nullable().describe(
      "how the input was read when not in the tool's own columns (docs/admin-ui-layout.md); else null",
    ),
    api: ApiFigures.nullable(),
    problems: z.array(Problem).describe('problems in no row: with the file itself, or why the run was refused'),
    rows: z.array(Row).describe('one per input row (a rollback: one per user the run wrote), in row order'),
  })
  .strict();

export type OutputDocument = z.infer<typeof OutputDocument>;
export type DocumentProblem = z.infer<typeof Problem>;
export type DocumentRow = z.infer<typeof Row>;

const documented = new WeakSet<object>();

/** The error ends a run whose document is already on stdout: none is written for it again. */
export function markDocumented(err: object): void {
  documented.add(err);
}

export function isDocumented(err: unknown): boolean {
  return typeof err === 'object' && err !== null && documented.has(err);
}

/** The JSON Schema (draft 2020-12) of the document, as docs/output.schema.json holds it. */
export function outputJsonSchema(): Record<string, unknown> {
  return {
    ...z.toJSONSchema(OutputDocument, { target: 'draft-2020-12' }),
    title: 'genesys-bulk --json output',
  };
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
      documentProblem({ severity: 'error', code: 'invalid_change', message: r.message ?? 'invalid row' }, at),
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

export function emptySummary(): z.infer<typeof Summary> {
  return {
    rows: 0,
    planned: 0,
    updated: 0,
    unchanged: 0,
    not_found: 0,
    invalid: 0,
    failed: 0,
    skipped: 0,
    to_create: 0,
    created: 0,
    to_delete: 0,
    deleted: 0,
    changes: noChanges(),
  };
}

const CODE_OF_EXIT: Readonly<Record<number, string>> = { 2: 'usage', 3: 'config', 130: 'interrupted' };

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
    rollbackOf: null,
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
