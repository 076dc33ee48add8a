export { applyPatch } from './apply-patch.js';
export { isRowProblem, PlanError, type PlanErrorCode, UnresolvedManagerError } from './errors.js';
export { FIELD_ORDER, readField, sameValue } from './fields.js';
export {
  type BuildPlanInput,
  buildPlan,
  type Plan,
  type PlannedRow,
  type PlannedStatus,
  type PlanSummary,
  rowKeyString,
  summarise,
} from './plan.js';
export { chooseReadStrategy, chunk, DEFAULT_READ_LIMITS, type ReadLimits, type ReadStrategy } from './read-strategy.js';
export { planToJson, type RenderOptions, renderPlanText } from './render.js';
export {
  beforeValues,
  type FieldDiff,
  inverseChanges,
  type PlanContext,
  planUserChange,
  type UserChangePlan,
} from './user-change.js';
