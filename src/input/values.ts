import { quote } from './problems.js';

export type Checked<T> = { ok: true; value: T } | { ok: false; message: string };

// zod's own patterns for `z.email()` and `z.iso.date()` (zod 4.x, v4/core/regexes.js), copied so that reading a file
// does not load zod's ~95 modules at start-up (issue #12); test/input/value-patterns.test.ts holds them equal.
export const EMAIL_PATTERN =
  /^(?:[A-Za-z0-9_'+-]+\.)*[A-Za-z0-9_'+-]*[A-Za-z0-9_+-]@(?:[A-Za-z0-9][A-Za-z0-9-]*\.)+[A-Za-z]{2,}$/;
export const DATE_PATTERN =
  /^(?:(?:\d\d[2468][048]|\d\d[13579][26]|\d\d0[48]|[02468][048]00|[13579][26]00)-02-29|\d{4}-(?:(?:0[13578]|1[02])-(?:0[1-9]|[12]\d|3[01])|(?:0[469]|11)-(?:0[1-9]|[12]\d|30)|(?:02)-(?:0[1-9]|1\d|2[0-8])))$/;
const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
// Line breaks, tabs and other C0/C1 controls: in a profile field they are always a mistake (a stray multi-line cell).
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point.
const controlPattern = /[\u0000-\u001f\u007f-\u009f]/;
const phoneSeparators = /[\s\-.()]/g;
const e164 = /^\+[1-9]\d{6,14}$/;

/**
 * Length caps for profile text, in UTF-16 code units as JavaScript counts them. Unconfirmed: no public Genesys
 * figure for these fields was found (an organisation's Profile Fields settings give each field a "Maximum Length"),
 * so 255 follows the admin UI's name field; see README "Limits".
 */
export const MAX_NAME_LENGTH = 255;
export const MAX_TEXT_LENGTH = 255;
const MAX_EMAIL_LENGTH = 254;

export function isUuid(value: string): boolean {
  return uuidPattern.test(value);
}

export function isEmail(value: string): boolean {
  return value.length <= MAX_EMAIL_LENGTH && EMAIL_PATTERN.test(value);
}

export function checkText(value: string, maxLength?: number): Checked<string> {
  if (controlPattern.test(value)) {
    return { ok: false, message: `${quote(value)} contains a line break or control character; remove it` };
  }
  if (maxLength !== undefined && value.length > maxLength) {
    return { ok: false, message: `is ${value.length} characters long; the maximum is ${maxLength}` };
  }
  return { ok: true, value };
}

export function checkUuid(value: string, what: string): Checked<string> {
  if (!isUuid(value)) {
    return {
      ok: false,
      message: `${quote(value)} is not a valid ${what}: Genesys user ids are UUIDs such as 6a1f0c52-3c0e-4d6c-9f3e-2b8f1f0e9a11`,
    };
  }
  return { ok: true, value: value.toLowerCase() };
}

export function checkEmail(value: string): Checked<string> {
  if (!isEmail(value)) return { ok: false, message: `${quote(value)} is not a valid email address` };
  // The spelling is kept: the platform stores it as given, and a change of only its case is a change to make.
  return { ok: true, value };
}

// What a spreadsheet writes when it has read a cell as a number or a date and saved it back in its own format.
const scientific = /^[+-]?\d+(?:[.,]\d+)?[eE][+-]?\d+$/;
const localDate = /^\d{1,4}[/.-]\d{1,2}[/.-]\d{1,4}(?:\s+\d{1,2}:\d{2}(?::\d{2})?(?:\s*[AaPp][Mm])?)?$/;
const bareDigits = /^\d{7,15}$/;

const AS_TEXT = 'format the column as text in the spreadsheet (or type a leading apostrophe) and enter the value again';

/** A hint when `value` looks like what a spreadsheet makes of a number or a date; '' otherwise. */
export function spreadsheetHint(value: string, expectsDate = false): string {
  if (scientific.test(value)) {
    return `; the spreadsheet turned this into a number in scientific notation, which loses digits: ${AS_TEXT}`;
  }
  if (localDate.test(value) && !/^\d{4}-\d{2}-\d{2}$/.test(value)) {
    return expectsDate
      ? '; the spreadsheet wrote the date in its local format: format the column as text, or with the custom format yyyy-mm-dd'
      : `; the spreadsheet turned this into a date: ${AS_TEXT}`;
  }
  return '';
}

export function checkDate(value: string): Checked<string> {
  if (!DATE_PATTERN.test(value)) {
    return {
      ok: false,
      message: /^\d{4}-\d{2}-\d{2}$/.test(value)
        ? `${quote(value)} is not a real calendar date`
        : `${quote(value)} is not a date in the form yyyy-MM-dd, e.g. 2021-03-15${spreadsheetHint(value, true)}`,
    };
  }
  return { ok: true, value };
}

export function checkPhone(value: string): Checked<string> {
  // "+44 (0)20 …" strips to +44020…, which passes the digit check but dials a wrong number.
  if (/\(\s*0\s*\)/.test(value)) {
    return {
      ok: false,
      message: `${quote(value)} contains a national trunk prefix "(0)": remove it, e.g. +44 20 7946 0958`,
    };
  }
  const compact = value.replace(phoneSeparators, '');
  if (!e164.test(compact)) {
    let hint = spreadsheetHint(value);
    // A number a spreadsheet wrote never starts with 0: such a value was typed in a national or dialling form.
    if (hint === '' && bareDigits.test(compact)) {
      if (compact.startsWith('00'))
        hint = `; 00 is the international call prefix, which this format writes as +: e.g. +${compact.slice(2)}`;
      else if (compact.startsWith('0'))
        hint = '; this looks like a national number: write the country code after a + instead of the leading 0';
      else
        hint = `; a spreadsheet drops the leading + when it reads the cell as a number: ${AS_TEXT}, e.g. +${compact}`;
    }
    return {
      ok: false,
      message: `${quote(value)} must be in international format, e.g. +13175550100 (a + then the country code and number, 7–15 digits)${hint}`,
    };
  }
  return { ok: true, value: compact };
}

export function checkState(value: string): Checked<'active' | 'inactive'> {
  const lower = value.toLowerCase();
  if (lower === 'active' || lower === 'inactive') return { ok: true, value: lower };
  return { ok: false, message: `${quote(value)} is not a valid state: use active or inactive` };
}
