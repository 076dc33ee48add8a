/**
 * The input layer: streaming parse and validation of CSV, a JSON array, or JSON Lines into normalised rows.
 * Pure: it reads the input and nothing else, and never calls the platform.
 */
export { CLEAR_TOKEN, COLUMNS, type ColumnSpec, suggestColumn } from './columns.js';
export { detectFormat } from './format.js';
export { formatProblems } from './problems.js';
export { type InputSource, readInput } from './read.js';
export type {
  InputFormat,
  InputProblem,
  InputRow,
  InvalidRow,
  ManagerRef,
  ParsedInput,
  PhoneType,
  ProfileChanges,
  RowKey,
  SkippedRow,
} from './types.js';
