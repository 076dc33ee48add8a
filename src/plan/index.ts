export { applyPatch } from './apply-patch.js';
export { isRowProblem, PlanError, type PlanErrorCode, UnresolvedManagerError } from './errors.js';
export { FIELD_ORDER, readField, sameValue } from './fields.js';
export {
  decodePlan,
  type EncodedPlan,
  IncrementalPlanner,
  type IncrementalPlannerOptions,
  viewOf,
} from './incremental.js';
export {
  type Plan,
  type PlannedRow,
  type PlannedStatus,
  type PlanSummary,
  type PlanView,
  rowKeyString,
  summarise,
} from './plan.js';
export { chunk, DEFAULT_READ_LIMITS, type ReadLimits } from './read-strategy.js';
export { planJsonChunks, planTextChunks, planToJson, type RenderOptions, renderPlanText } from './render.js';
export {
  type CallRealises,
  type CurrentRouting,
  catalogueResolvers,
  DIVISION_MOVES_PER_CALL,
  type DivisionMove,
  GRANTED,
  inverseRoutingChanges,
  isRoutingField,
  LANGUAGES_PER_CALL,
  MEMBER,
  type PlanRoutingOptions,
  planRouting,
  planRoutingCalls,
  QUEUE_MEMBERS_PER_CALL,
  type QueueMembershipChange,
  type RoutingCall,
  type RoutingKind,
  type RoutingPlan,
  type RoutingResolvers,
  SKILLS_PER_CALL,
  UnresolvedRoutingNameError,
  type UserRoutingWrite,
} from './routing.js';
export { applyRoutingCalls, type RoutingState } from './routing-apply.js';
export {
  beforeValues,
  type FieldDiff,
  inverseChanges,
  type PlanContext,
  planUserChange,
  type UserChangePlan,
} from './user-change.js';
