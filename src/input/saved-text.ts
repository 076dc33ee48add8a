/**
 * Free text as a spreadsheet reads and saves it: a text that looks like a number or a date becomes one (`00123` →
 * `123`, `1E5` → `1.00E+05`, `3/4` → `4-Mar` or `03/04/2026`, `2-1-1` → `2/1/2001`), and a code page lacking a
 * character writes `?`. Pure: whether a saved cell is the current text so changed, and whether a cell that is not
 * looks made by a spreadsheet all the same (planning refuses it: plan/spreadsheet.ts).
 */
import { dateReadings, realDay } from './saved-cells.js';

/** A decimal number: its significant digits (no leading or trailing zeros; '' for zero) and the power of ten of the last. */
interface Decimal {
  negative: boolean;
  digits: string;
  exponent: number;
}

function decimal(negative: boolean, whole: string, fraction: string, exponent: number): Decimal {
  const all = `${whole}${fraction}`.replace(/^0+/, '');
  const digits = all.replace(/0+$/, '');
  return {
    negative: negative && digits !== '',
    digits,
    exponent: exponent - fraction.length + (all.length - digits.length),
  };
}

const typedNumber = /^([+-]?)(\d*)(?:([.,])(\d*))?(?:[eE]([+-]?\d{1,3}))?$/;

/** The numbers a spreadsheet reads `text` as, typed in a cell: `.` or `,` as the decimal mark, or `,` grouping thousands. */
function typedNumbers(text: string): Decimal[] {
  const t = text.trim().replace(/^\((.*)\)$/, '-$1');
  const m = typedNumber.exec(t);
  if (!m || `${m[2]}${m[4] ?? ''}` === '') return [];
  const [, sign, whole, , fraction = '', exp] = m;
  const out = [decimal(sign === '-', whole!, fraction, Number(exp ?? 0))];
  // `1,234` is one thousand two hundred and thirty-four where `,` groups thousands.
  if (m[3] === ',' && /^\d{3}$/.test(fraction) && exp === undefined)
    out.push(decimal(sign === '-', `${whole}${fraction}`, '', 0));
  const grouped = /^([+-]?)(\d{1,3}(?:,\d{3})+)(?:\.(\d+))?$/.exec(t);
  if (grouped) out.push(decimal(grouped[1] === '-', grouped[2]!.replace(/,/g, ''), grouped[3] ?? '', 0));
  return out;
}

const savedNumberForm = /^(-?)(\d+)(?:[.,](\d+))?(?:[eE]([+-]?\d{1,3}))?$/;

/** A saved cell as the number a spreadsheet wrote: whether it is in scientific notation (its digits rounded). */
function savedNumber(cell: string): { value: Decimal; scientific: boolean } | undefined {
  const m = savedNumberForm.exec(cell.trim());
  if (!m) return undefined;
  return { value: decimal(m[1] === '-', m[2]!, m[3] ?? '', Number(m[4] ?? 0)), scientific: m[4] !== undefined };
}

/** `value` rounded half away from zero to its digits at power `exponent` and above. */
function roundTo(value: Decimal, exponent: number): Decimal {
  if (value.exponent >= exponent) return value;
  const drop = exponent - value.exponent;
  if (drop > value.digits.length) return { negative: false, digits: '', exponent: 0 };
  const kept = value.digits.slice(0, value.digits.length - drop) || '0';
  const up = value.digits[value.digits.length - drop]! >= '5';
  const rounded = (BigInt(kept) + (up ? 1n : 0n)).toString();
  return decimal(value.negative, rounded, '', exponent);
}

const same = (a: Decimal, b: Decimal) =>
  a.digits === b.digits && (a.digits === '' || (a.exponent === b.exponent && a.negative === b.negative));

/**
 * Whether `cell` is the number a spreadsheet makes of the text `current`: the same number (leading zeros dropped,
 * `1.50` as `1.5`, `1E5` as `100000`), or rounded to the digits it shows (scientific notation, 15 significant
 * digits, a column's width).
 */
function savedAsNumber(current: string, cell: string): boolean {
  const saved = savedNumber(cell);
  if (!saved) return false;
  for (const typed of typedNumbers(current)) {
    if (same(typed, saved.value)) return true;
    const shown = saved.value.digits.length;
    if (!saved.scientific && shown < 5 && typed.digits.length <= 15) continue;
    // The rounding that kept the saved cell's last digit.
    if (same(roundTo(typed, saved.value.exponent), saved.value)) return true;
    if (shown >= 1 && same(roundTo(typed, typed.exponent + typed.digits.length - shown), saved.value)) return true;
  }
  return false;
}

const MONTHS: Readonly<Record<string, number>> = (() => {
  const names = [
    'jan january januar janv janvier ene enero gen gennaio jän jänner',
    'feb february februar févr fevr février fevrier febrero febbraio',
    'mar march mär märz maerz mars marzo',
    'apr april avr avril abr abril aprile',
    'may mai mayo mag maggio',
    'jun june juni juin junio giu giugno',
    'jul july juli juil juillet julio lug luglio',
    'aug august août aout ago agosto',
    'sep sept september septembre septiembre set settembre',
    'oct october okt oktober octobre octubre ott ottobre',
    'nov november novembre noviembre',
    'dec december dez dezember déc decembre décembre dic diciembre dicembre',
  ];
  const out: Record<string, number> = {};
  names.forEach((line, i) => {
    for (const n of line.split(' ')) out[n] = i + 1;
  });
  return out;
})();

/** A calendar day without or with a year (`year` undefined: the year the text was read in). */
interface Day {
  month: number;
  day: number;
  year?: number;
}

const fullYear = (y: string): number => (y.length <= 2 ? 2000 + Number(y) - (Number(y) >= 30 ? 100 : 0) : Number(y));

// Without a year, a leap year: 29/2 is a day some year has.
const real = (d: Day): boolean => realDay(d.year ?? 2000, d.month, d.day);

const monthOf = (word: string): number | undefined => MONTHS[word.toLowerCase().replace(/\.$/, '')];

/**
 * The days a spreadsheet reads `text` as, typed in a cell in any locale: `3/4`, `1-2`, `2-1-1`, `3.4.2026`,
 * `Mar 4`, `4 Mar`, `4-Mar-26`, `March 2026`, `2026-03-04`, month or day first.
 */
function typedDays(text: string): Day[] {
  const parts = text
    .trim()
    .replace(/\.$/, '')
    .split(/\s*[/.\-\s,]\s*/)
    .filter((p) => p !== '');
  if (parts.length < 2 || parts.length > 3) return [];
  if (!/^\d{1,4}$/.test(parts[0]!) && monthOf(parts[0]!) === undefined) return [];
  const out: Day[] = [];
  const add = (month: number | undefined, day: string | undefined, year?: string) => {
    if (month === undefined || day === undefined || !/^\d{1,2}$/.test(day)) return;
    if (year !== undefined && !/^(\d{1,2}|\d{4})$/.test(year)) return;
    const d: Day = { month, day: Number(day), ...(year !== undefined ? { year: fullYear(year) } : {}) };
    if (real(d) && !out.some((o) => o.month === d.month && o.day === d.day && o.year === d.year)) out.push(d);
  };
  const words = parts.map((p) => (/^\d+$/.test(p) ? undefined : monthOf(p)));
  if (words.some((w, i) => w === undefined && !/^\d+$/.test(parts[i]!))) return [];
  const at = words.findIndex((w) => w !== undefined);
  const [a, b, c] = parts;
  if (at >= 0) {
    const rest = parts.filter((_, i) => i !== at);
    const month = words[at];
    if (rest.length === 1) {
      add(month, rest[0]);
      // `March 2026`, `Mar-26`: the first of the month.
      if (at === 0 && /^(\d{2}|\d{4})$/.test(rest[0]!)) add(month, '1', rest[0]);
    } else add(month, rest[0], rest[1]);
    return out;
  }
  if (a!.length === 4) {
    add(Number(b), c, a);
    return out;
  }
  const n = (s: string) => Number(s);
  add(n(a!), b, c);
  add(n(b!), a, c);
  return out;
}

/** The days a saved cell is, as a spreadsheet writes a date: `4-Mar`, `04-Mar-26`, `Mar-26`, `3/4/2026`, `04.03.2026`. */
function savedDays(cell: string): Day[] {
  const t = cell.trim();
  const words = /^(\d{1,2})[-\s.]\s?([^\d\s.-]+)\.?(?:[-\s]\s?(\d{2}|\d{4}))?$/u.exec(t);
  if (words) {
    const month = monthOf(words[2]!);
    if (month === undefined) return [];
    const d: Day = { month, day: Number(words[1]), ...(words[3] ? { year: fullYear(words[3]) } : {}) };
    return real(d) ? [d] : [];
  }
  const monthYear = /^([^\d\s.-]+)\.?-(\d{2}|\d{4})$/u.exec(t);
  if (monthYear) {
    const month = monthOf(monthYear[1]!);
    return month === undefined ? [] : [{ month, day: 1, year: fullYear(monthYear[2]!) }];
  }
  return dateReadings(t).map((r) => ({
    month: r.month,
    day: r.day,
    year: r.century ? r.year : fullYear(String(r.year)),
  }));
}

/** Whether `cell` is the date a spreadsheet makes of the text `current` (its year, when it has none, any). */
function savedAsDate(current: string, cell: string): boolean {
  const saved = savedDays(cell);
  if (saved.length === 0) return false;
  return typedDays(current).some((t) =>
    saved.some(
      (s) =>
        s.month === t.month && s.day === t.day && (t.year === undefined || s.year === undefined || s.year === t.year),
    ),
  );
}

/** How a spreadsheet made `cell` of the free text `current`, or undefined when it did not. */
export function savedTextForm(current: string, cell: string): 'number' | 'date' | undefined {
  if (current === cell) return undefined;
  if (savedAsNumber(current, cell)) return 'number';
  if (savedAsDate(current, cell)) return 'date';
  return undefined;
}

/** What a saved cell that is not the current value looks made of: a reason to refuse it, or undefined. */
export type MadeBy = 'date' | 'scientific' | 'digits' | 'zeros' | 'characters' | 'encoding';

const windows1252 = new TextDecoder('windows-1252');
const windows1252Bytes = (() => {
  const table = new Map<string, number>();
  for (let b = 0; b < 256; b++) table.set(windows1252.decode(Uint8Array.of(b)), b);
  return table;
})();

/** Whether `text` is UTF-8 read as Windows-1252 (`Ã©` for `é`): its characters' bytes are valid UTF-8 of more. */
function misreadUtf8(text: string): boolean {
  if (!/[\u0080-\uffff]/.test(text)) return false;
  const bytes: number[] = [];
  for (const c of text) {
    const b = windows1252Bytes.get(c);
    if (b === undefined) return false;
    bytes.push(b);
  }
  try {
    const decoded = new TextDecoder('utf-8', { fatal: true }).decode(Uint8Array.from(bytes));
    return decoded !== text;
  } catch {
    return false;
  }
}

/**
 * Whether a free-text cell that is not the current value is most likely a spreadsheet's doing rather than what the
 * admin meant: a date in a form spreadsheets write (`4-Mar`, `3/4/2026`), scientific notation, digits past the
 * 15th as zeros, a number that lost the leading zeros the current value has, `?` in place of a letter, or UTF-8
 * read as Windows-1252. `date` false for a column whose values are dates.
 */
export function madeBySpreadsheet(cell: string, current: string | null, date = true): MadeBy | undefined {
  const t = cell.trim();
  if (date && savedDays(t).length > 0) return 'date';
  // Only the form spreadsheets write (one digit before the point, a signed exponent of two or three digits):
  // `12E45` or `3e4` typed by someone else is text to write as it is.
  if (/^-?\d(?:[.,]\d+)?E[+-]\d{2,3}$/.test(t)) return 'scientific';
  if (/^\d{16,}$/.test(t) && /0$/.test(t) && /^0*$/.test(t.replace(/^0+/, '').slice(15))) return 'digits';
  if (current !== null && /^\d+$/.test(t) && /^0\d+$/.test(current) && !t.startsWith('0') && t.length < current.length)
    return 'zeros';
  if (/\p{L}\?+\p{L}|^\?+\p{L}/u.test(t)) return 'characters';
  if (misreadUtf8(t)) return 'encoding';
  return undefined;
}
