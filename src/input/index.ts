/**
 * The input layer: streaming parse and validation of CSV, a JSON array, or JSON Lines into normalised rows.
 * Pure: it reads the input and nothing else, and never calls the platform.
 */
export { sameChanges } from './collect.js';
export { CLEAR_TOKEN, COLUMNS, type ColumnSpec, levenshtein, suggestColumn } from './columns.js';
export { detectFormat } from './format.js';
export { formatProblems } from './problems.js';
export { type InputSource, readInput } from './read.js';
export { HOME_DIVISION, ROUTING_COLUMNS, type RoutingColumn } from './routing.js';
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
