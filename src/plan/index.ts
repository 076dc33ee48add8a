export { applyPatch } from './apply-patch.js';
export { type Catalogue, CatalogueIndex, catalogueResolvers, type Lookup, type RoutingResolvers } from './catalogue.js';
export {
  isRowProblem,
  PlanError,
  type PlanErrorCode,
  UnresolvedManagerError,
  UnresolvedRoutingNameError,
} from './errors.js';
export { FIELD_ORDER, type FieldDiff, readField, sameValue } from './fields.js';
export {
  decodedRows,
  decodePlan,
  type EncodedPlan,
  IncrementalPlanner,
  type IncrementalPlannerOptions,
  viewOf,
} from './incremental.js';
export {
  hasProfileWork,
  hasRoutingWork,
  PLAN_SCHEMA_VERSION,
  type Plan,
  type PlannedRow,
  type PlannedStatus,
  type PlanSummary,
  type PlanView,
  rowDiffs,
  rowKeyString,
  summarise,
} from './plan.js';
export { chunk, DEFAULT_READ_LIMITS, type ReadLimits } from './read-strategy.js';
export { planJsonChunks, planTextChunks, planToJson, type RenderOptions, renderPlanText } from './render.js';
export {
  type DivisionMove,
  LANGUAGES_PER_CALL,
  type MembershipChange,
  type PlanRoutingOptions,
  planRouting,
  type RoutingPlan,
  SKILLS_PER_CALL,
  type UserRoutingWrite,
} from './routing.js';
export {
  addCounts,
  type CallCount,
  type CallRealises,
  callCountOf,
  countRoutingCalls,
  DIVISION_MOVES_PER_CALL,
  NO_CALLS,
  planRoutingCalls,
  type RoutingCall,
} from './routing-calls.js';
export {
  type CurrentRouting,
  fieldGroup,
  fieldName,
  GRANTED,
  inverseRoutingChanges,
  isRoutingField,
  MEMBER,
  parseRoutingField,
  type RoutingField,
  readRoutingField,
  sameProficiency,
  sameRoutingValue,
  showProficiency,
} from './routing-fields.js';
export {
  cataloguesNeeded,
  kindsOfFields,
  needMember,
  needsOf,
  needsOfColumns,
  needsOfFields,
  noNeeds,
  type RoutingNeeds,
} from './routing-needs.js';
export { type Leniency, readAsSaved, type SavedContext, savedContext, savedNotes } from './spreadsheet.js';
export { type TextList, TextStore, textList, textListOf } from './text-store.js';
export {
  beforeValues,
  inverseChanges,
  type PlanContext,
  planUserChange,
  type UserChangePlan,
} from './user-change.js';
