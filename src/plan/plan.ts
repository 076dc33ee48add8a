import type { GenesysUser, UserPatch } from '../genesys/types.js';
import type { InputRow, InvalidRow, ManagerRef, ProfileChanges, RowKey } from '../input/index.js';
import { isRowProblem } from './errors.js';
import { type FieldDiff, parseField } from './fields.js';
import type { LocationContext } from './profile-lists.js';
import type { RoutingPlan } from './routing.js';
import { type Leniency, readAsSaved, type SavedContext } from './spreadsheet.js';
import { planUserChange } from './user-change.js';

/** `create`: a user to create (update --create); `delete`: a user a rollback deletes (one its run created). */
export type PlannedStatus = 'change' | 'unchanged' | 'not_found' | 'invalid' | 'create' | 'delete';

export interface PlannedRow {
  rowNumber: number;
  line: number;
  /** The row's key as written: the user id, or the lower-cased email. */
  key: string;
  userId?: string;
  /** The user's name, beside a row keyed by id (whose key alone says nothing to a reader). */
  name?: string;
  status: PlannedStatus;
  /** The profile part: its diffs, realised by `patch` and `state`, against the user at `baseVersion`. */
  diffs: FieldDiff[];
  patch?: Omit<UserPatch, 'version'>;
  state?: 'active' | 'inactive';
  /** The user's version the plan was computed against. */
  baseVersion?: number;
  /** The routing part: present when the row's routing columns change something. */
  routing?: RoutingPlan;
  /** What the row asked for, kept in a run folder so that a resume plans it again against the user as it is then. */
  changes?: ProfileChanges;
  note?: string;
  /** Columns whose cell held the current value as a spreadsheet saved it (plan/spreadsheet.ts): no change. */
  lenient?: Record<string, Leniency>;
}

/** The schema version of a plan (and of a run folder's plan.json): 2 since a row holds its routing part. */
export const PLAN_SCHEMA_VERSION = 2;

/** Every diff of a row: the profile part's, then the routing part's. */
export function rowDiffs(p: PlannedRow): FieldDiff[] {
  return p.routing === undefined || p.routing.diffs.length === 0 ? p.diffs : [...p.diffs, ...p.routing.diffs];
}

/** Whether a row has profile writes (a PATCH of fields, or of `state`). */
export function hasProfileWork(p: PlannedRow): boolean {
  return p.patch !== undefined || p.state !== undefined;
}

/** Whether a row has routing writes. */
export function hasRoutingWork(p: PlannedRow): boolean {
  return p.routing !== undefined && p.routing.diffs.length > 0;
}

export interface PlanSummary {
  rows: number;
  byStatus: Record<PlannedStatus, number>;
  /** How many rows change each field, by field name (sorted). */
  fields: Record<string, number>;
  /** PATCH requests applying the plan takes: one per row with a patch, one more per state change. */
  requests: number;
  /** By column, the rows whose cell held the current value as a spreadsheet saved it, and how it had changed it. */
  lenient?: Record<string, { rows: number; kinds: Leniency[] }>;
}

export interface Plan {
  schemaVersion: typeof PLAN_SCHEMA_VERSION;
  summary: PlanSummary;
  /** In row order. */
  rows: PlannedRow[];
}

/**
 * A plan whose rows are read one at a time, as often as needed: what the renderers and the report take. A `Plan`
 * is one; so is the plan of a 100,000-row file, whose rows are held encoded (see encodePlannedRow).
 */
export interface PlanView {
  schemaVersion: typeof PLAN_SCHEMA_VERSION;
  summary: PlanSummary;
  rows: Iterable<PlannedRow>;
}

type EncodedRow = [
  rowNumber: number,
  line: number,
  key: string,
  status: PlannedStatus,
  userId: string | null,
  baseVersion: number | null,
  diffs: [field: string, before: string | null, after: string | null][],
  patch: PlannedRow['patch'] | null,
  state: PlannedRow['state'] | null,
  note: string | null,
  name?: string | null,
  routing?: RoutingPlan | null,
  changes?: ProfileChanges | null,
  lenient?: Record<string, Leniency> | null,
];

/**
 * A planned row as one compact string (JSON of a positional array). A row held this way takes about a third of the
 * memory of the object, which is what lets a 100,000-row plan fit; decodePlannedRow gives back an equal object.
 */
export function encodePlannedRow(p: PlannedRow): string {
  const encoded: EncodedRow = [
    p.rowNumber,
    p.line,
    p.key,
    p.status,
    p.userId ?? null,
    p.baseVersion ?? null,
    p.diffs.map((d) => [d.field, d.before, d.after]),
    p.patch ?? null,
    p.state ?? null,
    p.note ?? null,
    p.name ?? null,
  ];
  if (p.routing !== undefined || p.changes !== undefined || p.lenient !== undefined)
    encoded.push(p.routing ?? null, p.changes ?? null);
  if (p.lenient !== undefined) encoded.push(p.lenient);
  return JSON.stringify(encoded);
}

export function decodePlannedRow(text: string): PlannedRow {
  const [
    rowNumber,
    line,
    key,
    status,
    userId,
    baseVersion,
    diffs,
    patch,
    state,
    note,
    name,
    routing,
    changes,
    lenient,
  ] = JSON.parse(text) as EncodedRow;
  const row: PlannedRow = {
    rowNumber,
    line,
    key,
    status,
    diffs: diffs.map(([field, before, after]) => ({ field, before, after })),
  };
  if (userId !== null) row.userId = userId;
  if (patch !== null) row.patch = patch;
  if (state !== null) row.state = state;
  if (baseVersion !== null) row.baseVersion = baseVersion;
  if (note !== null) row.note = note;
  if (routing != null) row.routing = routing;
  if (changes != null) row.changes = changes;
  if (lenient != null) row.lenient = lenient;
  if (name !== null && name !== undefined) row.name = name;
  return row;
}

export function rowKeyString(key: RowKey): string {
  return key.kind === 'id' ? key.id : key.email;
}

/** A row the input layer (or a check that needed the users) rejected, as the plan carries it. */
export function rejectedRow(r: InvalidRow): PlannedRow {
  const errors = r.problems.filter((p) => p.severity === 'error').map((p) => p.message);
  const note = errors.length > 0 ? errors.join('; ') : 'rejected by input validation';
  return { rowNumber: r.rowNumber, line: r.line, key: r.key ?? '', status: 'invalid', diffs: [], note };
}

/**
 * One row planned against its user: `change` with the diffs and PATCH body, `unchanged`, or `invalid` when the
 * change cannot be made to this user (a required field cleared). `spreadsheet`: the row is a CSV file's, whose cells
 * a spreadsheet may have saved in its own forms (plan/spreadsheet.ts); then `changes` is set on the planned row when
 * such a cell was taken out, the changes a later plan of the row (a retry, a resume) must start from. Throws on a
 * programming error.
 */
export function planRowAgainst(
  row: InputRow,
  user: GenesysUser,
  managerId: (ref: ManagerRef) => string | undefined,
  locations: LocationContext = {},
  spreadsheet?: SavedContext,
): PlannedRow {
  const key = rowKeyString(row.key);
  let change: ReturnType<typeof planUserChange>;
  const refused = (note: string): PlannedRow => ({
    rowNumber: row.rowNumber,
    line: row.line,
    key,
    userId: user.id,
    status: 'invalid',
    diffs: [],
    note,
  });
  const saved = spreadsheet ? readAsSaved(user, row.changes, spreadsheet) : undefined;
  if (saved !== undefined && 'refused' in saved) return refused(saved.refused);
  const changes = saved?.changes ?? row.changes;
  try {
    change = planUserChange(user, changes, { ...locations, managerId });
  } catch (err) {
    if (!isRowProblem(err)) throw err;
    return refused(err.message);
  }
  // Built as one literal and then extended, not spread: a plan holds a row per input row, and V8 gives an object
  // made by spreading about twice the memory of one made from a literal.
  const planned: PlannedRow = {
    rowNumber: row.rowNumber,
    line: row.line,
    key,
    userId: user.id,
    status: change.diffs.length > 0 ? 'change' : 'unchanged',
    diffs: change.diffs,
  };
  if (change.patch !== undefined) planned.patch = change.patch;
  if (change.state !== undefined) planned.state = change.state;
  planned.baseVersion = user.version;
  if (row.key.kind === 'id' && typeof user.name === 'string' && user.name !== '') planned.name = user.name;
  if (saved !== undefined && Object.keys(saved.lenient).length > 0) {
    planned.lenient = saved.lenient;
    planned.changes = changes;
  }
  return planned;
}

/**
 * Under `update --create`, the note on a row keyed by email whose user is inactive: the admin may expect a new user,
 * but the platform keeps an inactive user's email, so none can be created with it; the row updates that user.
 */
export function inactiveUserNote(row: InputRow, user: GenesysUser): string | undefined {
  if (row.key.kind !== 'email' || user.state !== 'inactive') return undefined;
  return row.changes.state === 'active'
    ? "this email is an inactive user's: the row updates and reactivates that user (--create makes no other)"
    : 'this email is an inactive user\'s: the row updates that user, who stays inactive (--create makes no other; a "state" of active reactivates it)';
}

/** Counts a plan's rows by status and field, and the PATCH requests applying it takes. */
export function summarise(rows: Iterable<PlannedRow>): PlanSummary {
  const byStatus: Record<PlannedStatus, number> = {
    change: 0,
    unchanged: 0,
    not_found: 0,
    invalid: 0,
    create: 0,
    delete: 0,
  };
  const counts = new Map<string, number>();
  const lenient: NonNullable<PlanSummary['lenient']> = {};
  let requests = 0;
  let total = 0;
  for (const row of rows) {
    total++;
    byStatus[row.status]++;
    for (const d of rowDiffs(row)) counts.set(d.field, (counts.get(d.field) ?? 0) + 1);
    if (row.patch !== undefined) requests++;
    if (row.state !== undefined) requests++;
    for (const [column, kind] of Object.entries(row.lenient ?? {})) {
      lenient[column] ??= { rows: 0, kinds: [] };
      const seen = lenient[column];
      seen.rows++;
      if (!seen.kinds.includes(kind)) seen.kinds.push(kind);
    }
  }
  const fields: Record<string, number> = {};
  for (const name of [...counts.keys()].sort()) fields[name] = counts.get(name) ?? 0;
  return { rows: total, byStatus, fields, requests, ...(Object.keys(lenient).length > 0 ? { lenient } : {}) };
}

/** The profile change keys a diff field comes from: a write of that field reads and sends only these. */
function changeKeysOf(field: string): (keyof ProfileChanges)[] {
  const ref = parseField(field);
  switch (ref.kind) {
    case 'text':
      return [ref.name];
    case 'manager':
      return ['manager'];
    case 'state':
      return ['state'];
    case 'autoAnswer':
      return ['acdAutoAnswer'];
    case 'list':
      return ref.name === 'locations' ? ['locations', 'restoreLocations'] : [ref.name];
    case 'employer':
      return ['employerInfo'];
    case 'phone':
      return ['phones', 'clearExtensions', 'restorePhones'];
  }
}

/** Profile change keys that changeKeysOf names: the others (routing, asSaved, any later one) are always kept. */
const NARROWED = new Set<string>([
  'name',
  'email',
  'title',
  'department',
  'preferredName',
  'manager',
  'state',
  'acdAutoAnswer',
  'locations',
  'restoreLocations',
  'profileSkills',
  'certifications',
  'employerInfo',
  'phones',
  'clearExtensions',
  'restorePhones',
]);

/**
 * What a row asked for, less the profile columns it leaves as they are (their diffs are none): what a write of the row
 * (its first, a re-plan after a version conflict, a resume's) starts from, and all of its user a write needs beside
 * id, version and state. A whole export edited in a spreadsheet gives every column; held whole, 100,000 changing rows
 * and their users were ~140 MB of an apply (issue #12). A column's value kept for a row whose user another admin
 * edits meanwhile is theirs: a re-plan after a conflict writes only the columns the file changes.
 */
export function changedPart(changes: ProfileChanges, diffs: readonly FieldDiff[]): ProfileChanges {
  const wanted = new Set<string>();
  try {
    for (const d of diffs) for (const key of changeKeysOf(d.field)) wanted.add(key);
  } catch (err) {
    // A diff of a field this version cannot map: the row is kept whole.
    if (err instanceof RangeError) return changes;
    throw err;
  }
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(changes))
    if (value !== undefined && (!NARROWED.has(key) || wanted.has(key))) out[key] = value;
  return out as ProfileChanges;
}
