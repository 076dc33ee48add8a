import type { Plan, PlannedRow } from '../plan/index.js';
import type { ReportRecord } from '../report.js';
import type { SavedLifecycle } from './lifecycle-journal.js';
import type { Catalogue } from './routing.js';

/**
 * What a run folder's plan.json holds: enough to resume without the input file. Each row holds its profile part,
 * its routing part and what it asked for (`changes`, on every row that had a user). `plan.schemaVersion` is
 * PLAN_SCHEMA_VERSION; a version 1 file (the routing parts and the requests in maps beside the rows) is converted as
 * it is read (saved-plan-v1.ts).
 */
export interface SavedPlan {
  plan: Plan;
  /** Manager references resolved at plan time: `id:<uuid>` or `email:<address>` → user id. */
  managers: Record<string, string>;
  /** Rows that need no work (repeats, key-only rows): in the report, never written. */
  skipped?: ReportRecord[];
  /** Present when rows have routing columns. */
  routing?: SavedRouting;
  /** Users to create (update --create) or delete (a rollback of a run that created some). */
  lifecycle?: SavedLifecycle;
  /** The locations catalogue's names by id, when rows have a `locations` column: a resume and a rollback use them. */
  locations?: Record<string, string>;
}

export interface SavedRouting {
  /** The catalogues the names were resolved against; a resume and a rollback resolve against them again. */
  catalogue: Catalogue;
  /** A rollback restores users who had no role: see PlanRoutingOptions. */
  allowNoRoles?: boolean;
}

/**
 * A saved plan as a run executes it: its rows read afresh on each pass (an update decodes them from their encoded
 * text one at a time, so that 100,000 rows are never held as objects). A SavedPlan read from a run folder is one.
 */
export interface PlanSource extends Omit<SavedPlan, 'plan'> {
  plan: Omit<Plan, 'rows'> & { rows: Iterable<PlannedRow> };
}
