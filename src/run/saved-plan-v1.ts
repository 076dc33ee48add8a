/**
 * Reading a run folder's plan.json of schema version 1 (or of none): the rows held their profile and routing diffs in
 * one list, each row's routing plan and its requested changes were in maps by row number beside them, and queue
 * memberships had their own shapes. Converted to the current SavedPlan as it is read; never written.
 */
import type { ListChange, ProfileChanges } from '../input/index.js';
import {
  type FieldDiff,
  type MembershipChange,
  PLAN_SCHEMA_VERSION,
  type Plan,
  type PlannedRow,
  type RoutingPlan,
} from '../plan/index.js';
import type { SavedPlan } from './saved-plan.js';

type V1Queues = { add: string[]; remove: string[] } | ListChange<string>;
type V1Changes = Omit<ProfileChanges, 'routing'> & {
  routing?: Omit<NonNullable<ProfileChanges['routing']>, 'queues'> & { queues?: V1Queues };
};
type V1RoutingPlan = Omit<RoutingPlan, 'memberships'> & {
  memberships?: MembershipChange[];
  queues?: { queueId: string; remove: boolean; diff: FieldDiff }[];
};

export interface SavedPlanV1 extends Omit<SavedPlan, 'plan' | 'routing'> {
  plan: Omit<Plan, 'schemaVersion'> & { schemaVersion?: 1 };
  changes?: Record<string, V1Changes>;
  routing?: NonNullable<SavedPlan['routing']> & { plans?: Record<string, V1RoutingPlan> };
}

function upgradeChanges(changes: V1Changes): ProfileChanges {
  const queues = changes.routing?.queues;
  if (queues === undefined || 'mode' in queues) return changes as ProfileChanges;
  return { ...changes, routing: { ...changes.routing, queues: { mode: 'delta', ...queues } } } as ProfileChanges;
}

function upgradeRoutingPlan(plan: V1RoutingPlan): RoutingPlan {
  const { queues, memberships, ...rest } = plan;
  return {
    ...rest,
    memberships:
      memberships ??
      (queues ?? []).map((q) => ({ kind: 'queue', entityId: q.queueId, remove: q.remove, diff: q.diff })),
  };
}

/** A version 1 row as the current version holds it, with what the file held beside the rows. */
export function upgradeRow(row: PlannedRow, v1: Pick<SavedPlanV1, 'changes' | 'routing'>): PlannedRow {
  const old = v1.routing?.plans?.[String(row.rowNumber)];
  const asked = v1.changes?.[String(row.rowNumber)];
  const out: PlannedRow = { ...row };
  if (old !== undefined) {
    // Version 1 listed the routing diffs after the profile's in the row's one list.
    const routingFields = new Set(old.diffs.map((d) => d.field));
    out.diffs = row.diffs.filter((d) => !routingFields.has(d.field));
    out.routing = upgradeRoutingPlan(old);
  }
  if (asked !== undefined) out.changes = upgradeChanges(asked);
  return out;
}

/** Everything of a version 1 file but its rows, as the current version holds it (its rows left empty). */
export function upgradeHead(v1: SavedPlanV1): SavedPlan {
  const { changes: _changes, routing, plan, ...rest } = v1;
  const saved: SavedPlan = { ...rest, plan: { ...plan, schemaVersion: PLAN_SCHEMA_VERSION, rows: [] } };
  if (routing !== undefined) {
    saved.routing = {
      catalogue: routing.catalogue,
      ...(routing.allowNoRoles !== undefined ? { allowNoRoles: routing.allowNoRoles } : {}),
    };
  }
  return saved;
}
