/**
 * One user as the cells `update` reads: every value in the notation the input parses, so that reading the export
 * back plans no change. A blank cell means "leave as is" to `update`, so a value the notation cannot carry is left
 * blank (and counted) rather than written in a form that would read back as something else.
 */
import type { Grant, UserRoutingLanguage, UserRoutingSkill } from '../genesys/routing-types.js';
import type { GenesysUser } from '../genesys/types.js';
import { COLUMNS, textLimitOf } from '../input/columns.js';
import { checkText } from '../input/values.js';
import { EXTENSION_PREFIX, listValue, readField } from '../plan/fields.js';
import { escapeFormula, hasControls } from '../text.js';

/** What a user's row needs besides the user itself; each part only when its column is asked. */
export interface UserExtras {
  skills?: readonly UserRoutingSkill[];
  languages?: readonly UserRoutingLanguage[];
  /** Names of the queues the user is a member of in person (not through a group). */
  queues?: readonly string[];
  /** Names of the groups the user is a member of. */
  groups?: readonly string[];
  grants?: readonly Grant[];
  /** The user's division name. */
  division?: string;
}

/** Names for ids the assignments may carry without a name. */
export interface Names {
  skill(id: string): string | undefined;
  language(id: string): string | undefined;
  role(id: string): string | undefined;
  division(id: string): string | undefined;
  location?(id: string): string | undefined;
}

/** Columns exported by default: every column `update` reads, but `newEmail` (a row keyed by id carries the email). */
export const DEFAULT_COLUMNS: readonly string[] = COLUMNS.map((c) => c.name).filter((n) => n !== 'newEmail');

const ROUTING = new Set(['skills', 'languages', 'queues', 'groups', 'roles', 'division']);
export const isRoutingColumn = (c: string): boolean => ROUTING.has(c);

/** A cell that could not be written in the notation: reported, and left blank. */
export interface CellProblem {
  userId: string;
  column: string;
  /** Generic, the same for every user it applies to. */
  reason: string;
  /** The value in question (outside text: escape before showing). */
  detail?: string;
}

// An item name the `;`-separated notation reads back unchanged: no separator, no prefix, no surrounding space.
const unsafeName = (name: string): boolean =>
  name.includes(';') || name !== name.trim() || name === '' || /^[+-]/.test(name);
const proficiencyText = (p: number): string | undefined => {
  const tenths = Math.round(p * 10);
  return Math.abs(tenths - p * 10) < 1e-6 && p >= 0 && p <= 5 ? String(tenths / 10) : undefined;
};

export function userCells(
  user: GenesysUser,
  extras: UserExtras,
  columns: readonly string[],
  names: Names,
  problem: (p: CellProblem) => void,
): Map<string, string> {
  const cells = new Map<string, string>();
  const fail = (column: string, reason: string, detail?: string) =>
    problem({ userId: user.id, column, reason, ...(detail !== undefined ? { detail } : {}) });
  for (const column of columns) {
    let value: string | undefined;
    switch (column) {
      case 'id':
        value = user.id;
        break;
      case 'newEmail':
        value = '';
        break;
      case 'skills':
      case 'languages': {
        const list = column === 'skills' ? extras.skills : extras.languages;
        const items: string[] = [];
        for (const s of list ?? []) {
          const name = s.name ?? (column === 'skills' ? names.skill(s.id) : names.language(s.id));
          const p = proficiencyText(s.proficiency);
          if (name === undefined || unsafeName(name) || p === undefined) {
            fail(
              column,
              'a name with `;`, a leading + or -, or surrounding spaces, or a proficiency with more than one decimal',
              `${name ?? s.id}:${s.proficiency}`,
            );
            items.length = 0;
            value = '';
            break;
          }
          items.push(`${name}:${p}`);
        }
        value ??= items.sort((a, b) => a.localeCompare(b)).join(';');
        break;
      }
      case 'queues': {
        const bad = (extras.queues ?? []).find(unsafeName);
        if (bad !== undefined) fail(column, 'a queue name with `;`, a leading + or -, or surrounding spaces', bad);
        value = bad !== undefined ? '' : (extras.queues ?? []).map((q) => `+${q}`).join(';');
        break;
      }
      case 'groups': {
        // The exact list: update of this cell then adds and removes nothing. No group at all is left blank.
        const list = [...(extras.groups ?? [])].sort((a, b) => a.localeCompare(b));
        const bad = list.find(unsafeName);
        if (bad !== undefined) fail(column, 'a group name with `;`, a leading + or -, or surrounding spaces', bad);
        value = bad !== undefined ? '' : list.join(';');
        break;
      }
      case 'roles': {
        const items: string[] = [];
        for (const g of extras.grants ?? []) {
          const role = g.role.name ?? names.role(g.role.id);
          const division = g.division.name ?? names.division(g.division.id);
          if (
            role === undefined ||
            division === undefined ||
            unsafeName(role) ||
            unsafeName(division) ||
            division.includes('@')
          ) {
            fail(
              column,
              'a role or division name with `;`, a leading + or -, or surrounding spaces, or a division name with `@`',
              `${role ?? g.role.id}@${division ?? g.division.id}`,
            );
            items.length = 0;
            value = '';
            break;
          }
          items.push(`${role}@${division}`);
        }
        // A user without any grant is left blank: `<clear>` is refused for roles, and an empty list is "no change".
        value ??= [...new Set(items)].sort((a, b) => a.localeCompare(b)).join(';');
        break;
      }
      case 'division':
        value = extras.division ?? (user.division ? (user.division.name ?? names.division(user.division.id)) : '');
        break;
      case 'locations':
      case 'profileSkills':
      case 'certifications': {
        const items =
          column === 'locations'
            ? (user.locations ?? []).map((l) => names.location?.(l.id) ?? l.id)
            : (user[column] ?? []);
        const bad = items.find(unsafeName);
        const unnamed =
          column === 'locations' ? (user.locations ?? []).find((l) => !names.location?.(l.id)) : undefined;
        if (unnamed !== undefined) {
          fail(column, 'a location the locations catalogue does not name', unnamed.id);
          value = '';
        } else if (bad !== undefined) {
          fail(column, 'an item with `;`, a leading + or -, or surrounding spaces', bad);
          value = '';
        } else value = listValue(items) ?? '';
        break;
      }
      default: {
        const extension = /^phone\.([a-z0-9]+)\.extension$/.exec(column);
        if (extension) {
          const v = readField(user, `phone.${extension[1]}`);
          value = v?.startsWith(EXTENSION_PREFIX) ? v.slice(EXTENSION_PREFIX.length) : '';
          break;
        }
        const v = readField(user, column);
        // An extension-only phone has no `+digits` form the phone column accepts: its extension column carries it.
        if (v?.startsWith(EXTENSION_PREFIX) && column.startsWith('phone.')) {
          if (!columns.includes(`${column}.extension`))
            fail(column, `an extension without a number, which only the ${column}.extension column carries`);
          value = '';
        } else value = v ?? '';
      }
    }
    // update refuses a whole file over one cell with a control character: such a value is left as it is. So is one
    // with a bidirectional control, which would make the line read in another order in a terminal or a spreadsheet.
    const limit = textLimitOf(column);
    if (value !== undefined && value !== '' && !checkText(value).ok) {
      fail(column, 'a line break or control character, which update refuses', value);
      value = '';
    } else if (value !== undefined && hasControls(value)) {
      fail(column, 'a bidirectional control character, which would show the line in another order', value);
      value = '';
    } else if (value !== undefined && limit !== undefined && value.length > limit) {
      fail(column, `a value longer than the ${limit} characters update accepts`);
      value = '';
    }
    cells.set(column, value ?? '');
  }
  return cells;
}

// A cell starting like a formula that a spreadsheet can at worst show as an error, never run: phone numbers
// (`+3175550100`) and prefixed lists (`+Sales;+Support`). Anything else that starts like a formula is neutralised.
const HARMLESS = /^[+-][\p{L}\p{N} _.,:;@&+'-]*$/u;

/**
 * A CSV cell: neutralised against formulas with a leading `'` (counted when that changes the value), which update's
 * CSV reader takes off again; quoted when it needs to be.
 */
export function csvCell(value: string, neutralised: () => void): string {
  let cell = value;
  if (!HARMLESS.test(cell)) {
    cell = escapeFormula(cell);
    if (cell !== value) neutralised();
  }
  return /[",\r\n]/.test(cell) || cell !== cell.trim() ? `"${cell.replace(/"/g, '""')}"` : cell;
}

/** A row as a JSON object: blank cells left out (absent means "no change" to `update`, as a blank CSV cell does). */
export function jsonRecord(cells: ReadonlyMap<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of cells) if (v !== '') out[k] = v;
  return out;
}
