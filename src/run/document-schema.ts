import { z } from 'zod';
import { CHANGE_KINDS } from '../plan/kinds.js';
import { OUTPUT_SCHEMA_VERSION, ROW_STATUSES } from './document-version.js';

/**
 * The schema of the `--json` document (document.ts writes it): for its JSON Schema, docs/output.schema.json
 * (`npm run schema`), and for the tests that check documents against it. Kept apart from document.ts so that a run,
 * which only writes the document, never loads zod (issue #12, start-up).
 */

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
    column: z.string().nullable().describe('the canonical column name (the first, when the problem is about several)'),
    columns: z
      .array(z.string())
      .describe(
        'every column the problem is about, in the order the message names them: [column], or [] when column is null',
      ),
    suggestion: z.string().nullable().describe('the closest known value (a column or a catalogue name), if any'),
  })
  .strict();

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
export type SummaryCounts = z.infer<typeof Summary>;

/** The JSON Schema (draft 2020-12) of the document, as docs/output.schema.json holds it. */
export function outputJsonSchema(): Record<string, unknown> {
  return {
    ...z.toJSONSchema(OutputDocument, { target: 'draft-2020-12' }),
    title: 'genesys-bulk --json output',
  };
}
