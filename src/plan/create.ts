/**
 * Planning a user to create (update --create): the POST body the platform's `CreateUser` takes, and the diffs the
 * plan shows. Pure. What the body cannot carry (preferred name, manager, employer info, routing…) is planned after
 * the user exists, against the user the platform returned, like any other row.
 */
import type { CreateUserBody, GenesysUser } from '../genesys/types.js';
import type { InputRow } from '../input/index.js';
import { DATE_ORDERS } from '../input/saved-cells.js';
import type { RoutingResolvers } from './catalogue.js';
import { isRowProblem, PlanError } from './errors.js';
import type { FieldDiff } from './fields.js';
import type { PlannedRow } from './plan.js';
import { type CurrentRouting, planRouting, type RoutingPlan } from './routing.js';
import { readAsSaved, type SavedContext } from './spreadsheet.js';
import { type PlanContext, planUserChange } from './user-change.js';

/** What creating one row's user takes: saved with the run, so that a resume creates (or finds) the same user. */
export interface CreateSpec {
  rowNumber: number;
  /** The row's key, lower-cased: the user is created with it and found by it after a lost answer. */
  email: string;
  body: CreateUserBody;
  /** The division's name, for the plan and the report. */
  division: string;
}

/** A user that does not exist yet: what a new row is diffed against for the plan. */
export function blankUser(divisionId?: string): GenesysUser {
  return {
    id: '',
    version: 0,
    state: 'active',
    ...(divisionId !== undefined ? { division: { id: divisionId } } : {}),
  };
}

/** A new user's routing: nothing yet but its division. */
export function blankRouting(divisionId: string): CurrentRouting {
  return { skills: [], languages: [], memberOf: {}, grants: [], divisionId };
}

export interface CreatePlan {
  row: PlannedRow;
  spec?: CreateSpec;
  /** The row's changes, less the cells a spreadsheet lost (error values): what the run applies once the user exists. */
  changes?: InputRow['changes'];
  /** The routing the row asks for, planned against no assignments: for counting calls; the run plans it again. */
  routing?: RoutingPlan;
}

/**
 * Plans a row whose user is to be created in `division`. A row the platform could not take (a required field
 * cleared, a routing change that cannot apply) is `invalid` with the reason.
 */
export function planCreate(
  row: InputRow,
  division: { id: string; name: string },
  ctx: PlanContext & { resolvers?: RoutingResolvers; spreadsheet?: SavedContext },
): CreatePlan {
  if (row.key.kind !== 'email') throw new Error(`planCreate: row ${row.rowNumber} is not keyed by email`);
  const email = row.key.email;
  // Created as the file spells it; `email` (lower case) stays what finds the user again.
  const spelled = row.key.spelled ?? email;
  const base = { rowNumber: row.rowNumber, line: row.line, key: email };
  // A cell in a spreadsheet's own form (a phone without its +, a local date, `#NAME?`, a text turned into a date) has
  // no current value to be: refused, as in an update of an empty field.
  const saved =
    row.changes.asSaved || ctx.spreadsheet
      ? readAsSaved(blankUser(division.id), row.changes, { dateOrders: DATE_ORDERS, ...ctx.spreadsheet, create: true })
      : undefined;
  if (saved !== undefined && 'refused' in saved)
    return { row: { ...base, status: 'invalid', diffs: [], note: saved.refused } };
  const changes = saved?.changes ?? row.changes;
  const { name } = changes;
  if (name === undefined) throw new Error(`planCreate: row ${row.rowNumber} has no name`);
  let diffs: FieldDiff[];
  let routing: RoutingPlan | undefined;
  try {
    if (changes.email !== undefined)
      throw new PlanError('invalid_value', 'newEmail', 'newEmail cannot be given for a user to create; remove it');
    const { routing: routingChanges, ...profile } = changes;
    const { resolvers: _resolvers, spreadsheet: _saved, ...planContext } = ctx;
    const change = planUserChange(blankUser(division.id), profile, planContext);
    diffs = [
      { field: 'email', before: null, after: spelled },
      ...change.diffs.filter((d) => d.field !== 'state' || d.after !== 'active'),
      { field: 'division', before: null, after: division.name },
    ];
    if (routingChanges !== undefined) {
      if (!ctx.resolvers) throw new Error('planCreate: routing columns need the catalogue');
      // The division is set by the creation itself; what is left is a new user's skills, queues, roles…
      const { division: _set, ...rest } = routingChanges;
      routing = planRouting(blankRouting(division.id), rest, ctx.resolvers);
    }
  } catch (err) {
    if (!isRowProblem(err)) throw err;
    return { row: { ...base, status: 'invalid', diffs: [], note: err.message } };
  }
  const body: CreateUserBody = { name: name.trim(), email: spelled, divisionId: division.id };
  const { title, department, phones, state } = changes;
  if (typeof title === 'string' && title.trim() !== '') body.title = title.trim();
  if (typeof department === 'string' && department.trim() !== '') body.department = department.trim();
  if (phones !== undefined) {
    const addresses = planUserChange(blankUser(), { phones }, { managerId: () => undefined }).patch?.addresses;
    if (addresses && addresses.length > 0) body.addresses = addresses;
  }
  if (state === 'inactive') body.state = 'inactive';
  return {
    row: { ...base, status: 'create', diffs, ...(routing && routing.diffs.length > 0 ? { routing } : {}) },
    spec: { rowNumber: row.rowNumber, email, body, division: division.name },
    changes,
    ...(routing && routing.diffs.length > 0 ? { routing } : {}),
  };
}
