/**
 * update --create in the update command: which rows name a user to create, the checks they must pass before any
 * write (a name; a division to create the user in), and their place in the plan (`create` rows, shown and counted
 * on their own). Executing them is run/lifecycle.ts.
 */
import type { InputRow, ManagerRef } from '../input/index.js';
import { planCreate } from '../plan/create.js';
import {
  type Catalogue,
  catalogueResolvers,
  decodedRows,
  type EncodedPlan,
  planRoutingCalls,
  type RoutingCall,
  type SavedContext,
  textListOf,
} from '../plan/index.js';
import { decodePlannedRow, encodePlannedRow, type PlannedRow, summarise } from '../plan/plan.js';
import type { LocationContext } from '../plan/profile-lists.js';
import { type RowProblem, rowProblem } from './checks.js';
import type { SavedCreate } from './lifecycle-journal.js';
import { lazyMap } from './outcome.js';

/** The division a row names none: the organisation's default, as the `roles` column's is. */
export const DEFAULT_DIVISION = 'Home';

/** What `update` is asked about creating. */
export interface CreateOptions {
  /** Create the users that rows name by email and that do not exist. */
  create?: boolean;
  /** Send each created user the platform's invitation, once the rest of their row is applied. */
  invite?: boolean;
}

/** The division a new user goes to: the row's, else `Home`; undefined when the catalogue has no such division. */
function divisionOf(row: InputRow, catalogue: Catalogue): { id: string; name: string } | undefined {
  const wanted = (row.changes.routing?.division ?? DEFAULT_DIVISION).trim().toLowerCase();
  const found = (catalogue.division ?? []).filter(
    (d) => d.name.trim().toLowerCase() === wanted && d.state?.toLowerCase() !== 'deleted',
  );
  return found.length === 1 ? { id: found[0]!.id, name: found[0]!.name } : undefined;
}

/**
 * The rows whose user is to be created (keyed by email, no user found), and the problems that stop the run before
 * any write: no name, a `newEmail`, no division to create the user in.
 */
export function checkCreations(
  rows: readonly InputRow[],
  userIdOf: (row: InputRow) => string | undefined,
  catalogue: Catalogue,
): { candidates: InputRow[]; problems: RowProblem[]; bad: Set<number> } {
  const candidates: InputRow[] = [];
  const problems: RowProblem[] = [];
  for (const row of rows) {
    if (row.key.kind !== 'email' || userIdOf(row) !== undefined) continue;
    const before = problems.length;
    if (row.changes.name === undefined || row.changes.name.trim() === '')
      problems.push(
        rowProblem(
          row,
          'name',
          'no user has this email, and creating one (--create) needs the full name: fill in the "name" column.',
          { code: 'missing_name' },
        ),
      );
    if (row.changes.email !== undefined)
      problems.push(
        rowProblem(
          row,
          'newEmail',
          'a user created with --create gets the row\'s "email"; "newEmail" renames an existing user: remove it.',
          { code: 'new_email_with_create' },
        ),
      );
    if (row.changes.routing?.division === undefined && divisionOf(row, catalogue) === undefined)
      problems.push(
        rowProblem(
          row,
          'division',
          `no division named "${DEFAULT_DIVISION}" to create the user in: name the user's division in a "division" column.`,
          { code: 'unknown_division' },
        ),
      );
    if (problems.length === before) candidates.push(row);
  }
  return { candidates, problems, bad: new Set(problems.map((p) => p.rowNumber)) };
}

export interface Creations {
  /** Each candidate's planned row: `create`, or `invalid` when the platform could not take it. */
  planned: Map<number, PlannedRow>;
  specs: SavedCreate[];
  /** The routing calls their rows take, counted as if planned now (the run plans them once the users exist). */
  calls: RoutingCall[];
}

export function planCreations(
  candidates: readonly InputRow[],
  catalogue: Catalogue,
  managerId: (ref: ManagerRef) => string | undefined,
  locations: LocationContext = {},
  spreadsheet?: SavedContext,
): Creations {
  const resolvers = catalogueResolvers(catalogue);
  const planned = new Map<number, PlannedRow>();
  const specs: SavedCreate[] = [];
  const routing: { userId: string; plan: NonNullable<ReturnType<typeof planCreate>['routing']> }[] = [];
  for (const row of candidates) {
    const division = divisionOf(row, catalogue);
    if (!division) throw new Error(`planCreations: row ${row.rowNumber} has no division (checkCreations lets none by)`);
    const made = planCreate(row, division, { ...locations, managerId, resolvers, ...(spreadsheet && { spreadsheet }) });
    planned.set(row.rowNumber, made.row);
    if (made.spec) specs.push({ ...made.spec, changes: made.changes ?? row.changes });
    if (made.routing) routing.push({ userId: `new:${row.rowNumber}`, plan: made.routing });
  }
  return { planned, specs, calls: planRoutingCalls(routing) };
}

const NOT_FOUND_HINT = 'with --create (and a name) the user would be created';

/**
 * The plan with the create rows in place of their `not_found` rows; without --create, a `not_found` row keyed by
 * email says that --create would create its user.
 */
export function withCreations(plan: EncodedPlan, planned: ReadonlyMap<number, PlannedRow> | undefined): EncodedPlan {
  const replaced = (text: string): string | undefined => {
    if (!text.includes('"not_found"')) return undefined;
    const row = decodePlannedRow(text);
    if (row.status !== 'not_found') return undefined;
    const made = planned?.get(row.rowNumber);
    if (made) return encodePlannedRow(made);
    if (planned === undefined && row.note === 'no user with this email')
      return encodePlannedRow({ ...row, note: `${row.note}; ${NOT_FOUND_HINT}` });
    return undefined;
  };
  // A first pass only looks: a plan with nothing to replace (a 100,000-row update of existing users) is not copied,
  // nor its rows held all at once as strings.
  let any = false;
  for (const text of plan.rows) {
    any = replaced(text) !== undefined;
    if (any) break;
  }
  if (!any) return plan;
  const encoded = textListOf(lazyMap(plan.rows, (text) => replaced(text) ?? text));
  return { rows: encoded, summary: summarise(decodedRows(encoded)) };
}

/** The question before an update that creates users. */
export function createQuestion(host: string, creating: number, invite: boolean, writes: number, users: number): string {
  const make = `create ${creating} user(s) (then apply the rest of their rows${invite ? ' and invite them' : ''})`;
  return users > 0
    ? `Apply ${writes} write(s) to ${users} user(s) and ${make} on ${host}?`
    : `${make[0]!.toUpperCase()}${make.slice(1)} on ${host}?`;
}
