/**
 * Cells as a spreadsheet saves them after reading them as numbers, dates or booleans (Excel, LibreOffice, Google
 * Sheets): the readings a cell can have, for planning to compare with the user's current value
 * (plan/spreadsheet.ts). Pure; nothing here decides that a cell means a change.
 */

/** A number as a spreadsheet writes it: its digits, exact, or a mantissa that kept only some of them. */
export type NumberReading =
  | { exact: true; digits: string }
  /** `1.23457E+11`: `mantissa` the significant digits kept (`123457`), `exponent` 11. */
  | { exact: false; mantissa: string; exponent: number };

const scientific = /^(\d)(?:[.,](\d+))?[eE]\+?(\d{1,3})$/;

/** `456`, `2867.0`, `2867,00` or `1.23457E+11`; undefined for anything else. */
export function numberReading(text: string): NumberReading | undefined {
  const whole = /^(\d+)(?:[.,]0+)?$/.exec(text);
  if (whole) return { exact: true, digits: whole[1]! };
  const sci = scientific.exec(text);
  if (sci) {
    const mantissa = `${sci[1]}${sci[2] ?? ''}`.replace(/0+$/, '') || '0';
    return { exact: false, mantissa, exponent: Number(sci[3]) };
  }
  return undefined;
}

/**
 * Whether a spreadsheet writes the whole number `digits` as `reading`: the same number, its leading zeros dropped,
 * its digits past the 15th as zeros, or in scientific notation rounded to the mantissa's digits.
 */
export function writesNumber(reading: NumberReading, digits: string): boolean {
  if (!/^\d+$/.test(digits)) return false;
  const value = BigInt(digits);
  if (reading.exact) {
    if (BigInt(reading.digits) === value) return true;
    // A number keeps 15 significant digits (IEEE double, as every spreadsheet holds it): the rest are written as 0.
    const kept = digits.replace(/^0+/, '').length - 15;
    if (kept <= 0 || !/0$/.test(reading.digits)) return false;
    const unit = 10n ** BigInt(kept);
    return ((value + unit / 2n) / unit) * unit === BigInt(reading.digits);
  }
  const unitPower = reading.exponent - (reading.mantissa.length - 1);
  if (unitPower < 0) return false;
  const unit = 10n ** BigInt(unitPower);
  // Half away from zero, as Excel, LibreOffice and Sheets round what they show.
  return (value + unit / 2n) / unit === BigInt(reading.mantissa);
}

/** The order of a date's day, month and year in a spreadsheet's locale. */
export type DateOrder = 'mdy' | 'dmy' | 'ymd';
export const DATE_ORDERS: readonly DateOrder[] = ['mdy', 'dmy', 'ymd'];

/** A date a cell can mean: `century` false when the cell has a two-digit year (`year` is then 0–99). */
export interface DateReading {
  year: number;
  month: number;
  day: number;
  century: boolean;
}

// `3/14/2021`, `14.03.2021`, `2021/03/14`, `14-3-21`, `14. 3. 2021`, `2021.03.14.`, each with an optional time of
// midnight (`0:00`, `00:00:00`, `12:00:00 AM`); ISO with a time (`2021-03-14 00:00:00`, `2021-03-14T00:00:00.000Z`).
const localDate =
  /^(\d{1,4})([/.-])\s?(\d{1,2})\2\s?(\d{1,4})\.?(?:[ T](\d{1,2}):(\d{2})(?::(\d{2})(?:\.0+)?)?\s*([AaPp][Mm])?Z?)?$/;

/**
 * The dates `text` can be, read in each of `orders` that makes it a real calendar date; empty when it is no date
 * a spreadsheet writes, or its time is not midnight (the cell then holds more than a date).
 */
export function dateReadings(text: string, orders: readonly DateOrder[] = DATE_ORDERS): DateReading[] {
  const m = localDate.exec(text.trim());
  if (!m) return [];
  const [, a, , b, c, hh, mm, ss, ampm] = m;
  if (hh !== undefined && !midnight(Number(hh), Number(mm), Number(ss ?? 0), ampm)) return [];
  const out: DateReading[] = [];
  for (const order of orders) {
    const [y, mo, d] = order === 'ymd' ? [a!, b!, c!] : order === 'mdy' ? [c!, a!, b!] : [c!, b!, a!];
    if (y.length !== 4 && y.length !== 2) continue;
    // A four-digit first part is a year whatever the locale; a two-digit one is never read as one (`21/03/14`).
    if ((order === 'ymd') !== (a!.length === 4)) continue;
    const reading = { year: Number(y), month: Number(mo), day: Number(d), century: y.length === 4 };
    if (!realDate(reading)) continue;
    if (!out.some((r) => sameReading(r, reading))) out.push(reading);
  }
  return out;
}

function midnight(h: number, m: number, s: number, ampm: string | undefined): boolean {
  if (m !== 0 || s !== 0) return false;
  return ampm === undefined ? h === 0 : h === 12 && ampm.toLowerCase() === 'am';
}

/** Whether `day` of `month` (1-12) is a day of the calendar in `year`. */
export function realDay(year: number, month: number, day: number): boolean {
  if (month < 1 || month > 12 || day < 1) return false;
  return day <= new Date(Date.UTC(year, month, 0)).getUTCDate();
}

function realDate(r: DateReading): boolean {
  // A two-digit year: February 29th is real in some century, so it is not refused here.
  return realDay(r.century ? r.year : 2000 + r.year, r.month, r.day);
}

function sameReading(a: DateReading, b: DateReading): boolean {
  return a.year === b.year && a.month === b.month && a.day === b.day && a.century === b.century;
}

/** Whether `reading` is the ISO date `iso` (`yyyy-MM-dd`), a two-digit year matching any century. */
export function isDate(reading: DateReading, iso: string): boolean {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(iso);
  if (!m) return false;
  const year = Number(m[1]);
  return (
    (reading.century ? reading.year === year : reading.year === year % 100) &&
    reading.month === Number(m[2]) &&
    reading.day === Number(m[3])
  );
}

/** The ISO spelling of a reading, for messages (`21-03-14` for a two-digit year). */
export function isoOf(r: DateReading): string {
  const two = (n: number) => String(n).padStart(2, '0');
  return `${r.century ? r.year : two(r.year)}-${two(r.month)}-${two(r.day)}`;
}

/**
 * The orders in which every one of `cells` reads as a real date: a column saved by one spreadsheet in one locale
 * fits at least one. Year first is always among them: it is the only reading of a cell with a four-digit first part,
 * and never one of any other. None (a file put together from several locales) leaves each cell read in every order.
 */
export function dateOrdersOf(cells: Iterable<string>): DateOrder[] {
  let fits: DateOrder[] = ['mdy', 'dmy'];
  for (const cell of cells) {
    const readable = fits.filter((o) => dateReadings(cell, [o]).length > 0);
    if (readable.length > 0 || dateReadings(cell, ['ymd']).length === 0) fits = readable;
    if (fits.length === 0) break;
  }
  return fits.length > 0 ? [...fits, 'ymd'] : [...DATE_ORDERS];
}

/** What spreadsheets write for a boolean, in their languages (and as 1 or 0), by the value it stands for. */
const BOOLEAN_WORDS: Readonly<Record<string, boolean>> = {
  true: true,
  false: false,
  '1': true,
  '0': false,
  wahr: true,
  falsch: false,
  vrai: true,
  faux: false,
  verdadero: true,
  verdadeiro: true,
  falso: false,
  vero: true,
  waar: true,
  onwaar: false,
  sant: true,
  falskt: false,
  sand: true,
  falsk: false,
  prawda: true,
  fałsz: false,
  tosi: true,
  epätosi: false,
};

/** The boolean a spreadsheet's `TRUE`, `FALSCH`, `VRAI`, `1`… stands for; undefined for anything else. */
export function savedBoolean(text: string): boolean | undefined {
  return BOOLEAN_WORDS[text.trim().toLowerCase()];
}

// Excel's, LibreOffice's and Google Sheets' error values, in English, German, French, Spanish, Italian, Dutch and
// Portuguese, as a formula that failed leaves them in a saved file; and LibreOffice's `Err:508`.
const ERROR_VALUES = new Set(
  (
    '#NULL! #DIV/0! #VALUE! #REF! #NAME? #NUM! #N/A #SPILL! #CALC! #ERROR! #WERT! #BEZUG! #ZAHL! #NV #NOM? #VALEUR! ' +
    '#NOMBRE! #NUL! #¿NOMBRE? #¡VALOR! #¡REF! #¡DIV/0! #¡NULO! #NOME? #VALORE! #RIF! #N/D #NULLO! #NAAM? #WAARDE! ' +
    '#VERW! #GETAL! #N/B #LEEG! #VALOR! #NÚM! #NULO!'
  ).split(' '),
);

// The error values of a name a formula does not know, in the same languages, and Google Sheets' parse error: what a
// spreadsheet makes of a text it took for a formula (`+Sales Inbound`, `-Night shift`), and of nothing else here.
const NAME_ERRORS = new Set('#NAME? #NOM? #NOMBRE? #¿NOMBRE? #NOME? #NAAM? #ERROR!'.split(' '));

/** Whether `text` is the error value a spreadsheet writes for a text it took for a formula (`#NAME?`, `#ERROR!`). */
export function isNameError(text: string): boolean {
  return NAME_ERRORS.has(text.trim().toUpperCase());
}

/** Whether `text` is a spreadsheet's error value (the cell held something the spreadsheet took for a formula). */
export function isErrorValue(text: string): boolean {
  const t = text.trim().toUpperCase();
  return ERROR_VALUES.has(t) || /^ERR:\d{3}$/.test(t);
}
