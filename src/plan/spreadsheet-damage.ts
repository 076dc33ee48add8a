/**
 * Values a spreadsheet changed on its own between an export and `update`: the file still reads, and only the user's
 * current value shows what the cell held before the spreadsheet had it.
 */
import { EXTENSION_PREFIX, type FieldDiff } from './fields.js';

const AS_TEXT =
  'format the column as text in the spreadsheet (or export again and open the file with the column as text), or leave the cell empty';

/** The current value with a `?` for each character outside ASCII: a code page without them (Excel's "CSV"). */
function lostCharacters(before: string, after: string): boolean {
  if (!after.includes('?')) return false;
  // One `?` per character, or per half of a surrogate pair: either may be what a code page conversion wrote.
  const lostAt = (was: string[], now: string[]) =>
    was.length === now.length && was.every((c, i) => c === now[i] || (now[i] === '?' && c.charCodeAt(0) > 0x7f));
  return lostAt([...before], [...after]) || lostAt(before.split(''), after.split(''));
}

const scientific = /^\d+(?:[.,]\d+)?[eE]\+?\d+$/;

/**
 * What a spreadsheet did to `diff`'s value, as the row's note, or undefined when the new value is not the current
 * one damaged. Only the current value can tell "00123" made into "123" from an edit.
 */
export function spreadsheetDamage(diff: FieldDiff): string | undefined {
  const { field } = diff;
  if (typeof diff.before !== 'string' || typeof diff.after !== 'string') return undefined;
  const ext = diff.before.startsWith(EXTENSION_PREFIX) && diff.after.startsWith(EXTENSION_PREFIX);
  const before = ext ? diff.before.slice(EXTENSION_PREFIX.length) : diff.before;
  const after = ext ? diff.after.slice(EXTENSION_PREFIX.length) : diff.after;
  const shown = `${field}: ${JSON.stringify(diff.after)} would replace ${JSON.stringify(diff.before)}`;
  if (lostCharacters(before, after)) {
    return (
      `${shown}, with a "?" for each character the file lost (a spreadsheet saved it as "CSV" in its code page, not ` +
      'as "CSV UTF-8"): save the file as "CSV UTF-8" (or "Unicode text") and run again, or leave the cell empty.'
    );
  }
  if (/^0+\d+$/.test(before) && /^\d+$/.test(after) && before.replace(/^0+(?=\d)/, '') === after) {
    return `${shown}: a spreadsheet read the cell as a number and dropped its leading zeros: ${AS_TEXT}.`;
  }
  if (/^\d{6,}$/.test(before) && scientific.test(after)) {
    const value = Number(after.replace(',', '.'));
    if (Math.abs(value - Number(before)) <= Number(before) * 1e-5) {
      return `${shown}: a spreadsheet read the cell as a number and wrote it in scientific notation, which loses digits: ${AS_TEXT}.`;
    }
  }
  return undefined;
}
