/**
 * The input layer: streaming parse and validation of CSV, a JSON array, or JSON Lines into normalised rows.
 * Pure: it reads the input and nothing else, and never calls the platform.
 */
export { ADMIN_UI_LAYOUT, inAdminColumns } from './admin-ui.js';
export { type HeldInput, type HeldRows, sameChanges } from './collect.js';
export { CLEAR_TOKEN, COLUMNS, type ColumnSpec, suggestColumn } from './columns.js';
export { detectFormat } from './format.js';
export { formatProblems } from './problems.js';
export { type InputSource, readInput, readInputHeld } from './read.js';
export { HOME_DIVISION } from './routing.js';
export {
  type ItemOp,
  type NameUse,
  namesUsed,
  type RoutingColumnItems,
  type RoutingItem,
  routingColumns,
  routingItems,
} from './routing-items.js';
export {
  COLUMN_OF,
  isMembershipColumn,
  isMembershipKind,
  KIND_OF,
  MEMBERSHIP_COLUMNS,
  MEMBERSHIPS,
  type MembershipColumn,
  type MembershipKind,
  type MembershipSpec,
  membershipOf,
  ROUTING_COLUMNS,
  ROUTING_KINDS,
  type RoutingColumn,
  type RoutingKind,
} from './routing-kinds.js';
export type {
  InputFormat,
  InputProblem,
  InputRow,
  InvalidRow,
  ListChange,
  ManagerRef,
  ParsedInput,
  PhoneType,
  ProficiencyItem,
  ProfileChanges,
  RoleGrantItem,
  RoutingChanges,
  RowKey,
  SkippedRow,
} from './types.js';
