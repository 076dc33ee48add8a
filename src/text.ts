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

/** escapeControls line by line: a message's own line breaks stay, every other control character is escaped. */
export function escapeControlsKeepLines(text: string): string {
  return text.split('\n').map(escapeControls).join('\n');
}

/** True when `text` holds a character `escapeControls` would replace. */
export function hasControls(text: string): boolean {
  CONTROLS.lastIndex = 0;
  const found = CONTROLS.test(text);
  CONTROLS.lastIndex = 0;
  return found;
}

// What JSON.stringify leaves raw: it escapes C0 inside strings, but not DEL, C1 or the bidirectional controls.
const JSON_RAW_CONTROLS = /[\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

/**
 * JSON text (from JSON.stringify) with the control characters it left raw spelled as `\uXXXX` escapes: the same
 * JSON value once parsed, and nothing a terminal acts on when printed.
 */
export function escapeJsonText(json: string): string {
  return json.replace(JSON_RAW_CONTROLS, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/**
 * JSON text with the control characters JSON.stringify left raw replaced by their `\\uXXXX` spelling as text: once
 * parsed, the strings read as escapeControls would have written them. For logs, whose readers print what they parse.
 */
export function escapeJsonTextAsText(json: string): string {
  return json.replace(JSON_RAW_CONTROLS, (c) => `\\\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** JSON.stringify whose output holds no raw control character (see escapeJsonText). */
export function safeJson(value: unknown, space?: number): string {
  return escapeJsonText(JSON.stringify(value, null, space));
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

// A formula start behind apostrophes: a value the export wrote with one more `'` than it has.
const FORMULA_BEHIND_APOSTROPHES = /^'*[=+\-@\t\r]/;
const ESCAPED_FORMULA = /^'+[=+\-@\t\r]/;

/**
 * neutraliseFormula for a file that is read back: a value that already starts with `'` before a formula start gets
 * one more too, so that unescapeFormula can take exactly one off every such cell and give each value back as it was.
 */
export function escapeFormula(cell: string): string {
  return FORMULA_BEHIND_APOSTROPHES.test(cell) ? `'${cell}` : cell;
}

/** The value an escapeFormula cell stands for: one leading `'` off a cell whose apostrophes stand before a formula start. */
export function unescapeFormula(cell: string): string {
  return ESCAPED_FORMULA.test(cell) ? cell.slice(1) : cell;
}

/**
 * Before a CSV file's first line: without it Excel opened by double-click reads UTF-8 as the system's code page
 * (`Björn` as `BjÃ¶rn`), which its "CSV UTF-8" save then writes as such. csv-parse (`bom: true`), LibreOffice and
 * update's own reader take it off.
 */
export const CSV_BOM = '\ufeff';
