import { unescapeFormula } from '../text.js';
import { CLEAR_TOKEN } from './columns.js';

/**
 * One cell after the format-specific rules: CSV and JSON differ in how they spell "unchanged" and "clear",
 * not in what the values mean. An absent cell (empty CSV cell, missing or empty JSON value) is not in the map.
 */
export type Cell =
  | { kind: 'value'; text: string }
  | { kind: 'clear'; spelledAs: string }
  /** `bool`: the JSON boolean it was, for the one column that takes one (`acdAutoAnswer`). */
  | { kind: 'wrongType'; got: string; bool?: boolean }
  /** A JSON object or array: only the routing list columns accept one; elsewhere it is a wrong type. */
  | { kind: 'structured'; value: unknown; got: string };

function isClearToken(text: string): boolean {
  return text.toLowerCase() === CLEAR_TOKEN;
}

/**
 * A CSV cell: trimmed; empty or whitespace-only means "leave unchanged". The `'` an export put before a formula
 * start (export/cells.ts csvCell) is taken off, so an unedited export reads back as the values it was written from.
 */
export function cellFromCsv(raw: string): Cell | undefined {
  return cellFromText(unescapeFormula(raw.trim()));
}

function cellFromText(raw: string): Cell | undefined {
  const text = raw.trim();
  if (text === '') return undefined;
  if (isClearToken(text)) return { kind: 'clear', spelledAs: CLEAR_TOKEN };
  return { kind: 'value', text };
}

export function jsonTypeName(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  return typeof value;
}

/**
 * A JSON value: null clears, an empty string leaves unchanged like an empty CSV cell, an object or array is kept for
 * the columns that take one, anything else but a string is wrong.
 */
export function cellFromJson(value: unknown): Cell | undefined {
  if (value === undefined) return undefined;
  if (value === null) return { kind: 'clear', spelledAs: 'null' };
  if (typeof value === 'object') return { kind: 'structured', value, got: jsonTypeName(value) };
  if (typeof value === 'boolean') return { kind: 'wrongType', got: 'boolean', bool: value };
  if (typeof value !== 'string') return { kind: 'wrongType', got: jsonTypeName(value) };
  return cellFromText(value);
}
