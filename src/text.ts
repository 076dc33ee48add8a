/**
 * Text that came from outside (input files, catalogue names, server messages, column names) on its way to a
 * terminal, a log or a spreadsheet. One place, so that every path escapes the same set.
 */

// C0, DEL, C1 (which includes U+009B, the single-byte CSI), and the bidirectional overrides and isolates that can
// make a line read differently from what it holds.
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point.
const CONTROLS = /[\u0000-\u001f\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

/** Replaces each control character with its `\uXXXX` spelling: printable, and unambiguous. */
export function escapeControls(text: string): string {
  return text.replace(CONTROLS, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** True when `text` holds a character `escapeControls` would replace. */
export function hasControls(text: string): boolean {
  CONTROLS.lastIndex = 0;
  const found = CONTROLS.test(text);
  CONTROLS.lastIndex = 0;
  return found;
}

// What a spreadsheet reads as the start of a formula (OWASP "CSV injection"): =, +, -, @, and a leading tab or
// carriage return, which some applications strip before they look.
const FORMULA_START = /^[=+\-@\t\r]/;

/**
 * A CSV cell a spreadsheet will show as text rather than evaluate: a leading `'` when the cell would start a
 * formula. The same rule as csv-stringify's `escape_formulas`.
 */
export function neutraliseFormula(cell: string): string {
  return FORMULA_START.test(cell) ? `'${cell}` : cell;
}
