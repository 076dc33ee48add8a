import type { ManagerRef, RoutingKind } from '../input/index.js';

/**
 * - unresolved_manager: the manager reference has no id. The runner resolves every manager before planning, so
 *   this is a bug, not bad input: it is never turned into an `invalid` row.
 * - required_field: the row clears a field the platform requires (name, email).
 * - invalid_value: a value the platform cannot store (a phone number without digits).
 * - self_manager: the row makes a user their own manager.
 * - unresolved_location: a location name with no id. The runner checks every name first and leaves out the rows
 *   with an unknown one, which a planner that plans as users arrive may still meet: the row is invalid.
 * - not_invertible: a before-value that a ProfileChanges cannot express (an extension, a missing name).
 * - manager_not_created: the manager is a user the same run was to create (update --create), and did not.
 * - ambiguous_phone: the row changes a phone type of which the user has more than one entry.
 */
export type PlanErrorCode =
  | 'unresolved_manager'
  | 'unresolved_location'
  | 'required_field'
  | 'invalid_value'
  | 'self_manager'
  | 'not_invertible'
  | 'manager_not_created'
  | 'ambiguous_phone';

export class PlanError extends Error {
  readonly code: PlanErrorCode;
  /** The field the error is about, named as in FieldDiff (`phone.work`, `employerInfo.dateHire`, …). */
  readonly field: string;
  constructor(code: PlanErrorCode, field: string, message: string) {
    super(message);
    this.name = new.target.name;
    this.code = code;
    this.field = field;
  }
}

export class UnresolvedManagerError extends PlanError {
  readonly ref: ManagerRef;
  constructor(ref: ManagerRef) {
    const what = ref.kind === 'id' ? `id ${ref.id}` : `email ${ref.email}`;
    super('unresolved_manager', 'manager', `Manager ${what} was not resolved before planning.`);
    this.ref = ref;
  }
}

/**
 * True for errors caused by one row's data (or, for a rollback, one user's history): that row is `invalid`, the
 * rest of the plan stands. False for programming errors, which must stop the run.
 */
export function isRowProblem(err: unknown): err is PlanError {
  return err instanceof PlanError && err.code !== 'unresolved_manager';
}

/** Thrown when a name the run layer should have resolved has no id: a bug, not bad input. */
export class UnresolvedRoutingNameError extends Error {
  readonly kind: RoutingKind;
  readonly itemName: string;
  constructor(kind: RoutingKind, itemName: string) {
    super(`The ${kind} ${JSON.stringify(itemName)} was not resolved before planning.`);
    this.name = new.target.name;
    this.kind = kind;
    this.itemName = itemName;
  }
}
