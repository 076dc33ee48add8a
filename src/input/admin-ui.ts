/**
 * The Genesys admin UI's CSV import layout ("Add people with .csv file import", Genesys Cloud Resource Center):
 * recognised by its header and read with the meaning Genesys documents for it. Each row is translated into the
 * tool's own cells and checked by record.ts as those columns are, so a value means here what it means there; the
 * problems name the layout's columns. Where Genesys documents no format (roles_divisions' pairing of roles with
 * divisions, hire_date's date format) a value is refused, never guessed: docs/admin-ui-layout.md has the sources.
 */
import type { Cell } from './cell.js';
import { CLEAR_TOKEN, foldColumn } from './columns.js';
import { problem, quote } from './problems.js';
import { normaliseRecord, type RecordResult } from './record.js';
import type { InputProblem, ProficiencyItem } from './types.js';
import { isEmail } from './values.js';

/** The layout's columns, in the order the admin UI requires them; every one must be in the header. */
export const ADMIN_UI_COLUMNS = [
  'name',
  'email',
  'phone_work',
  'extension',
  'title',
  'department',
  'email_manager',
  'location_work',
  'roles_divisions',
  'queues',
  'division',
  'skills',
] as const;
/** Seen in the admin UI's own sample file, not in the article; may be in the header. */
export const ADMIN_UI_OPTIONAL = ['hire_date'] as const;

export type AdminUiColumn = (typeof ADMIN_UI_COLUMNS)[number] | (typeof ADMIN_UI_OPTIONAL)[number];

/** What the plan and the --json document say about a file read in this layout. */
export const ADMIN_UI_LAYOUT = {
  name: 'admin-ui',
  meaning:
    "read as the Genesys admin UI's import layout: an empty title, department or extension clears it, other empty " +
    'cells change nothing; queues, skills and location_work are only added, never removed',
} as const;

const ALL: readonly AdminUiColumn[] = [...ADMIN_UI_COLUMNS, ...ADMIN_UI_OPTIONAL];
const BY_FOLDED: ReadonlyMap<string, AdminUiColumn> = new Map(ALL.map((c) => [foldColumn(c), c]));

/** The tool's column each layout column feeds, where the names differ (the rest feed the column of their name). */
const TOOL_COLUMN: Partial<Record<AdminUiColumn, string>> = {
  phone_work: 'phone.work',
  extension: 'phone.work.extension',
  email_manager: 'manager',
  location_work: 'locations',
};
const ADMIN_OF_TOOL: ReadonlyMap<string, AdminUiColumn> = new Map(
  Object.entries(TOOL_COLUMN).map(([admin, tool]) => [tool, admin as AdminUiColumn]),
);

/** The tool's own column a layout column corresponds to, for messages that send the user there. */
const OWN_COLUMN: Record<AdminUiColumn, string> = {
  name: 'name',
  email: 'email',
  phone_work: 'phone.work',
  extension: 'phone.work.extension',
  title: 'title',
  department: 'department',
  email_manager: 'manager',
  location_work: 'locations',
  roles_divisions: 'roles',
  queues: 'queues',
  division: 'division',
  skills: 'skills',
  hire_date: 'employerInfo.dateHire',
};

/** The layout column a header names, ignoring case, spaces, `_`, `-` and `.` as every header is read. */
export function adminUiColumn(header: string): AdminUiColumn | undefined {
  return BY_FOLDED.get(foldColumn(header));
}

/** Whether a header is the admin UI's import layout: all twelve of its columns, in any order. */
export function isAdminUiHeader(fields: readonly string[]): boolean {
  const named = new Set(fields.map((f) => adminUiColumn(f.trim())));
  return ADMIN_UI_COLUMNS.every((c) => named.has(c));
}

/** The layout column a problem about one of the tool's columns is about. */
export function adminColumnOf(toolColumn: string): string {
  return ADMIN_OF_TOOL.get(toolColumn) ?? toolColumn;
}

/** A problem the tool's checks found, restated with the layout's column. */
export function inAdminColumns<P extends InputProblem>(p: P): P {
  if (p.column === undefined) return p;
  const column = adminColumnOf(p.column);
  if (column === p.column) return p;
  const message = p.message.replace(`column ${JSON.stringify(p.column)}`, `column ${JSON.stringify(column)}`);
  return { ...p, column, message };
}

/**
 * Why a column of the tool's own, or one that does not belong to the layout, is refused in a header that is the
 * admin UI's layout: mixing the two would give the same name two meanings in one file.
 */
export function extraColumnMessage(column: string): string {
  return (
    `a file in the Genesys admin UI's import layout has only that layout's columns (${ADMIN_UI_COLUMNS.join(',')}` +
    `, and optionally hire_date), so ${JSON.stringify(column)} is not read here: put that change in a separate file ` +
    "written in this tool's own columns (see `genesys-bulk columns`)"
  );
}

/** Why a layout column is refused in a header that lacks some of the layout's columns. */
export function partialLayoutMessage(column: AdminUiColumn, header: readonly string[]): string | undefined {
  const named = new Set(header.map((f) => adminUiColumn(f.trim())));
  const missing = ADMIN_UI_COLUMNS.filter((c) => !named.has(c));
  if (missing.length === 0) return undefined;
  return (
    `unknown column ${JSON.stringify(column)}: it belongs to the Genesys admin UI's import layout, which is read ` +
    `as such only when the header has all twelve of its columns (missing: ${missing.join(', ')}); add those ` +
    `columns (empty where there is nothing to say), or use this tool's own column "${OWN_COLUMN[column]}"`
  );
}

const REFUSED: Partial<Record<AdminUiColumn, string>> = {
  roles_divisions:
    "Genesys does not document this column's format (how a role is paired with its division, or what separates two " +
    "roles), so it is not guessed: leave it empty here, and grant the roles from a separate file in this tool's " +
    '`roles` column (`+Role@Division`, only added)',
  hire_date:
    "Genesys does not document this column's date format, so it is not guessed: leave it empty here, and set the " +
    'hire date from a separate file in this tool\'s "employerInfo.dateHire" column (yyyy-MM-dd)',
};

const CLEAR_REFUSAL =
  `${CLEAR_TOKEN} is this tool's own notation, not the admin UI layout's: in this layout an empty title, department ` +
  'or extension clears it and the other columns cannot be cleared; leave the cell empty, or clear the field from a ' +
  "separate file in this tool's own columns";

/** Positions of the layout's columns, for reporting a row's problems in header order. */
const ORDER: ReadonlyMap<string, number> = new Map(ALL.map((c, i) => [c, i]));

/**
 * One row of the layout: `values` holds each layout column's trimmed text ('' or absent: empty). Every layout column
 * is in the header, so an absent value is an empty cell, which means what Genesys documents for that column.
 */
export function adminUiRecord(
  values: ReadonlyMap<AdminUiColumn, string>,
  at: { rowNumber: number; line: number },
): RecordResult {
  const early: InputProblem[] = [];
  const error = (column: AdminUiColumn, detail: string, code: string) =>
    early.push(problem('error', { ...at, column }, detail, { code }));
  const text = (column: AdminUiColumn): string => {
    const value = values.get(column) ?? '';
    return value.toLowerCase() === CLEAR_TOKEN ? '' : value;
  };
  for (const [column, value] of values) {
    if (value.toLowerCase() === CLEAR_TOKEN) error(column, CLEAR_REFUSAL, 'not_in_layout');
  }

  const cells = new Map<string, Cell>();
  const set = (column: string, value: string) => cells.set(column, { kind: 'value', text: value });
  const clear = (column: string) => cells.set(column, { kind: 'clear', spelledAs: '' });

  // Both are required by the layout: Genesys's article says the file "requires name and email".
  for (const column of ['name', 'email'] as const) {
    if (text(column) !== '') set(column, text(column));
    else
      error(
        column,
        column === 'name'
          ? "every row of the admin UI's import layout needs the user's name (Genesys: the file requires name and email)"
          : "every row of the admin UI's import layout needs an email: it says which user the row changes",
        column === 'name' ? 'missing_name' : 'missing_key',
      );
  }

  const phone = text('phone_work');
  const extension = text('extension');
  if (phone !== '') set('phone.work', phone);
  if (extension !== '' && phone !== '') {
    error(
      'extension',
      "phone_work and extension are both given: the platform's work phone holds a number or an extension, not both, " +
        'and Genesys does not document how the admin UI keeps the two; give one of them',
      'phone_and_extension',
    );
  } else if (extension !== '') set('phone.work.extension', extension);
  // An empty extension clears it (documented); a number given in phone_work replaces the entry anyway.
  else if (phone === '') clear('phone.work.extension');

  for (const column of ['title', 'department'] as const) {
    if (text(column) !== '') set(column, text(column));
    else clear(column);
  }

  const manager = text('email_manager');
  if (manager !== '') {
    if (isEmail(manager)) set('manager', manager);
    else
      error(
        'email_manager',
        `${quote(manager)} is not an email address: this column names the manager by email`,
        'invalid_manager',
      );
  }

  const location = text('location_work');
  if (location !== '') cells.set('locations', { kind: 'structured', value: { add: [location] }, got: 'object' });

  for (const column of ['roles_divisions', 'hire_date'] as const) {
    if (text(column) !== '')
      error(column, `${quote(text(column))} is refused: ${REFUSED[column]}`, 'undocumented_format');
  }

  const queues = names('queues', text('queues'), error);
  if (queues !== undefined) cells.set('queues', { kind: 'structured', value: { add: queues }, got: 'object' });

  if (text('division') !== '') set('division', text('division'));

  const skills = proficiencies(text('skills'), error);
  if (skills !== undefined) cells.set('skills', { kind: 'structured', value: { add: skills }, got: 'object' });

  const result = normaliseRecord(cells, at);
  // The layout's own message for a missing email replaces the tool's, which speaks of an id column.
  const checked = result.problems.filter((p) => p.code !== 'missing_key').map(inAdminColumns);
  const problems = [...early, ...checked];
  problems.sort((a, b) => (ORDER.get(a.column ?? '') ?? -1) - (ORDER.get(b.column ?? '') ?? -1));
  return { ...result, problems };
}

type Report = (column: AdminUiColumn, detail: string, code: string) => void;

/** The comma-separated names of a cell (the article: "Queue names are comma-separated"); undefined when empty. */
function names(column: 'queues', cell: string, error: Report): string[] | undefined {
  if (cell === '') return undefined;
  const items = cell
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
  if (items.length === 0) {
    error(column, `${quote(cell)} names no queue; leave the cell empty to add none`, 'invalid_list');
    return undefined;
  }
  const seen = new Set<string>();
  for (const item of items) {
    if (seen.has(item.toLowerCase())) {
      error(column, `${quote(cell)} names the queue ${quote(item)} twice; name it once`, 'invalid_list');
      return undefined;
    }
    seen.add(item.toLowerCase());
  }
  return items;
}

/** `Skill1:5,Skill2:3`: the article's notation, a skill and its proficiency separated by a colon, items by commas. */
function proficiencies(cell: string, error: Report): ProficiencyItem[] | undefined {
  if (cell === '') return undefined;
  const raw = cell
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
  const items: ProficiencyItem[] = [];
  const seen = new Set<string>();
  const bad: string[] = [];
  for (const item of raw) {
    const colon = item.lastIndexOf(':');
    const name = colon === -1 ? item : item.slice(0, colon).trim();
    const level = colon === -1 ? '' : item.slice(colon + 1).trim();
    if (colon === -1 || name === '') {
      bad.push(
        `${quote(item)} has no proficiency: the layout writes a skill as Name:proficiency (e.g. ${quote(`${item || 'Billing'}:3`)}), and what a skill without one means is not documented`,
      );
      continue;
    }
    if (!/^\d(\.\d)?$/.test(level) || Number(level) > 5) {
      bad.push(`${quote(item)}: the proficiency must be a number from 0 to 5 with at most one decimal, e.g. ${name}:4`);
      continue;
    }
    if (seen.has(name.toLowerCase())) {
      bad.push(`${quote(item)} repeats the skill ${quote(name)}; name each skill once`);
      continue;
    }
    seen.add(name.toLowerCase());
    items.push({ name, proficiency: Number(level) });
  }
  if (raw.length === 0) bad.push(`${quote(cell)} names no skill; leave the cell empty to add none`);
  if (bad.length > 0) {
    error(
      'skills',
      bad.slice(0, 3).join('; ') + (bad.length > 3 ? `; and ${bad.length - 3} more` : ''),
      'invalid_skill',
    );
    return undefined;
  }
  return items;
}

/**
 * The layout column each header position feeds (undefined: unnamed, a repeat, or not the layout's); a column named
 * twice, or one that is not the layout's, is a problem of the file.
 */
export function planAdminHeader(
  header: readonly string[],
  line: number,
  report: (p: InputProblem) => void,
): { columns: (AdminUiColumn | undefined)[]; unnamed: Set<number> } {
  const columns: (AdminUiColumn | undefined)[] = [];
  const unnamed = new Set<number>();
  const first = new Map<AdminUiColumn, number>();
  header.forEach((raw, i) => {
    const name = raw.trim();
    columns.push(undefined);
    if (name === '') {
      unnamed.add(i);
      return;
    }
    const column = adminUiColumn(name);
    if (column === undefined) {
      report(problem('error', { line, column: name }, extraColumnMessage(name), { code: 'not_in_layout' }));
      return;
    }
    const earlier = first.get(column);
    if (earlier !== undefined) {
      const detail = `the header names "${column}" twice (positions ${earlier + 1} and ${i + 1}); keep only one`;
      report(problem('error', { line, column }, detail, { code: 'duplicate_column' }));
      return;
    }
    first.set(column, i);
    columns[i] = column;
  });
  return { columns, unnamed };
}

/** The columns an empty cell clears: a row too short to reach them clears them too, which is worth saying. */
const CLEARED_WHEN_EMPTY: readonly AdminUiColumn[] = ['extension', 'title', 'department'];

/** A warning for a row with fewer values than the header, when the cells it lacks are ones an empty cell clears. */
export function shortRowWarning(
  values: number,
  columns: readonly (AdminUiColumn | undefined)[],
  at: { rowNumber: number; line: number },
): InputProblem | undefined {
  const missing = CLEARED_WHEN_EMPTY.filter((c) => columns.indexOf(c) >= values);
  if (missing.length === 0) return undefined;
  return problem(
    'warning',
    at,
    `has ${values} values but the header has ${columns.length} columns, so ${missing.join(', ')} ${missing.length === 1 ? 'is' : 'are'} ` +
      "read as empty, which in the admin UI's import layout clears them; write the cells out if that is not meant",
    { code: 'short_row' },
  );
}
