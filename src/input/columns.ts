import { nearest } from '../suggest.js';
import type { PhoneType } from './types.js';
import { MAX_NAME_LENGTH, MAX_TEXT_LENGTH } from './values.js';

export const CLEAR_TOKEN = '<clear>';

export interface ColumnSpec {
  /** The CSV header, or the JSON key (dotted, or nested under `employerInfo` / `phone`). */
  readonly name: string;
  readonly description: string;
  /** Whether `<clear>` (or JSON null) may clear it. */
  readonly clearable: boolean;
  readonly example: string;
}

export const PHONE_TYPES: readonly PhoneType[] = ['work', 'work2', 'work3', 'work4', 'home', 'mobile', 'main', 'other'];

export const EMPLOYER_INFO_FIELDS = ['officialName', 'employeeId', 'employeeType', 'dateHire'] as const;
export type EmployerInfoField = (typeof EMPLOYER_INFO_FIELDS)[number];

/** The profile columns of free text besides `name` and the employerInfo ones. */
export const TEXT_COLUMNS = ['title', 'department', 'preferredName'] as const;

/** The longest value update takes in a column of free text (record.ts); undefined for any other column. */
export function textLimitOf(column: string): number | undefined {
  if (column === 'name') return MAX_NAME_LENGTH;
  if ((TEXT_COLUMNS as readonly string[]).includes(column)) return MAX_TEXT_LENGTH;
  const field = column.startsWith('employerInfo.') ? column.slice('employerInfo.'.length) : '';
  return field !== 'dateHire' && (EMPLOYER_INFO_FIELDS as readonly string[]).includes(field)
    ? MAX_TEXT_LENGTH
    : undefined;
}

/** JSON objects that may nest their columns: `{"phone": {"work": "+1…"}}` is `phone.work`. */
export const NESTED_GROUPS = ['employerInfo', 'phone'] as const;

const phoneLabels: Record<PhoneType, string> = {
  work: 'Work',
  work2: 'Work 2',
  work3: 'Work 3',
  work4: 'Work 4',
  home: 'Home',
  mobile: 'Mobile',
  main: 'Main',
  other: 'Other',
};

export const COLUMNS: readonly ColumnSpec[] = [
  {
    name: 'id',
    description: 'Genesys user id (a UUID). Identifies the user when present and non-empty.',
    clearable: false,
    example: '6a1f0c52-3c0e-4d6c-9f3e-2b8f1f0e9a11',
  },
  {
    name: 'email',
    description:
      'Identifies the user (case-insensitive) when `id` is empty. In a row keyed by `id`, the new email address.',
    clearable: false,
    example: 'ana.lopez@example.com',
  },
  {
    name: 'newEmail',
    description: 'New email address, in a row keyed by `email`.',
    clearable: false,
    example: 'ana.garcia@example.com',
  },
  { name: 'name', description: 'Full name, at most 255 characters.', clearable: false, example: 'Ana López' },
  { name: 'title', description: 'Job title.', clearable: true, example: 'Team Lead' },
  { name: 'department', description: 'Department.', clearable: true, example: 'Support' },
  { name: 'preferredName', description: 'Preferred name.', clearable: true, example: 'Ana' },
  {
    name: 'manager',
    description: "The manager's user id (UUID) or email address.",
    clearable: true,
    example: 'maria.silva@example.com',
  },
  { name: 'employerInfo.officialName', description: 'Official name.', clearable: true, example: 'Ana López García' },
  { name: 'employerInfo.employeeId', description: 'Employee id.', clearable: true, example: 'E-10442' },
  { name: 'employerInfo.employeeType', description: 'Employee type.', clearable: true, example: 'Full-time' },
  {
    name: 'employerInfo.dateHire',
    description: 'Hire date, yyyy-MM-dd (a real calendar date).',
    clearable: true,
    example: '2021-03-15',
  },
  ...PHONE_TYPES.map(
    (type): ColumnSpec => ({
      name: `phone.${type}`,
      description: `${phoneLabels[type]} phone, international format: \`+\` and 7–15 digits; spaces, dashes, dots and parentheses are ignored.`,
      clearable: true,
      example: '+1 317 555 0100',
    }),
  ),
  ...PHONE_TYPES.map(
    (type): ColumnSpec => ({
      name: `phone.${type}.extension`,
      description:
        `${phoneLabels[type]} phone as an extension (digits only) instead of a number: the platform's phone entry has a ` +
        `number or an extension, not both, so a row gives \`phone.${type}\` or this column, and setting one replaces the ` +
        'other. `<clear>` removes an extension (a number is left alone). Needs `telephony:extension:assign`.',
      clearable: true,
      example: '4021',
    }),
  ),
  {
    name: 'acdAutoAnswer',
    description: '`true` or `false` (case-insensitive): whether ACD interactions are answered automatically.',
    clearable: false,
    example: 'true',
  },
  {
    name: 'locations',
    description:
      'Work locations by name, separated by `;`, matched case-insensitively against the locations catalogue. ' +
      'A plain list is the whole set (`Indianapolis;Remote`); `+Name` adds and `-Name` removes only those; no mixing. ' +
      '`<clear>` removes every location. A location the user keeps keeps its notes.',
    clearable: true,
    example: '+Indianapolis HQ',
  },
  {
    name: 'profileSkills',
    description:
      "Profile skills (the directory's, not routing skills), separated by `;`, compared exactly. A plain list is the " +
      'whole set; `+Name`/`-Name` add and remove; `<clear>` removes every one.',
    clearable: true,
    example: 'Java;Spanish',
  },
  {
    name: 'certifications',
    description:
      'Certifications, separated by `;`, compared exactly; a plain list is the whole set, `+`/`-` add and remove, ' +
      '`<clear>` removes every one.',
    clearable: true,
    example: '+ITIL Foundation',
  },
  {
    name: 'state',
    description: '`active` or `inactive` (case-insensitive).',
    clearable: false,
    example: 'inactive',
  },
  {
    name: 'skills',
    description:
      'Routing skills with a proficiency from 0 to 5 (a whole number or one decimal), separated by `;`. ' +
      'A list without prefixes is the whole set: `Billing:4;Spanish:3` gives the user exactly these and removes the rest. ' +
      'With a prefix on every item only the named skills change: `+Name:N` adds or updates, `-Name` removes (no proficiency). ' +
      'An item without `:N` keeps the proficiency the user has, or is 0 for a skill the user does not have. ' +
      'Prefixed and plain items cannot be mixed in one cell, and a name may appear once. `<clear>` removes every skill. ' +
      'Names are matched case-insensitively; a name containing `:` needs a proficiency (`Tier:1:4`). ' +
      'JSON may also give `{"replace": [{"name": "Billing", "proficiency": 4}]}` or `{"add": [{"name": "Billing"}], "remove": ["Retention"]}`.',
    clearable: true,
    example: '+Billing:4;+Spanish:3.5;-Retention',
  },
  {
    name: 'languages',
    description:
      'Routing languages, in the same notation and with the same meaning as `skills`: `English:5;Spanish:3` is the whole set, ' +
      '`+Spanish:3;-French` changes only the named ones, `<clear>` removes every language.',
    clearable: true,
    example: '+Spanish:3;-French',
  },
  {
    name: 'queues',
    description:
      'Queue memberships by queue name: `+Name` adds the user to the queue, `-Name` removes them, separated by `;`. ' +
      'Every item needs a prefix, and `<clear>` is not allowed: replacing a whole membership list would mean reading ' +
      "every queue's members. Members are added and removed in calls of up to 100 users per queue. " +
      'JSON may also give `{"add": ["Sales"], "remove": ["Billing"]}`.',
    clearable: false,
    example: '+Sales;+Support;-Billing',
  },
  {
    name: 'groups',
    description:
      'Group memberships by group name, separated by `;`. A list without prefixes is the whole set (the user leaves ' +
      'the groups not listed); `+Name` joins and `-Name` leaves only the named ones; no mixing. `<clear>` leaves ' +
      "every group. Members are added and removed per group, up to 50 users a call, carrying the group's version. " +
      "Queue memberships and roles a group gives its members are the group's: the `queues` and `roles` columns " +
      'never remove them. JSON may also give `{"replace": ["Sales"]}` or `{"add": ["Sales"], "remove": ["Billing"]}`.',
    clearable: true,
    example: '+Sales Team;-Night Shift',
  },
  {
    name: 'roles',
    description:
      "Roles granted in divisions: `Role@Division`, or `Role` alone for the division named `Home` (the organisation's " +
      'default division). A list without prefixes is the whole set of grants (grants not listed are revoked); ' +
      '`+Role@Division` grants and `-Role@Division` revokes only the named ones; no mixing. The last `@` separates the ' +
      'division. `<clear>` is not allowed: a user without roles is locked out. ' +
      'JSON may also give `{"replace": [{"role": "Agent", "division": "Support"}]}` or `{"add": […], "remove": […]}`.',
    clearable: false,
    example: '+Agent@Support;-Supervisor@Home',
  },
  {
    name: 'division',
    description:
      "The user's division, by name (case-insensitive). Users moving to the same division are moved together, up " +
      'to 50 per call. Cannot be cleared: every user belongs to a division.',
    clearable: false,
    example: 'Support',
  },
];

/** The list columns that take names separated by `;`, exact or with `+`/`-`. */
export const NAME_LIST_COLUMNS = ['locations', 'profileSkills', 'certifications'] as const;
export type NameListColumn = (typeof NAME_LIST_COLUMNS)[number];

export const COLUMN_NAMES: ReadonlySet<string> = new Set(COLUMNS.map((c) => c.name));

export function isClearable(column: string): boolean {
  return COLUMNS.some((c) => c.name === column && c.clearable);
}

function normaliseForMatch(s: string): string {
  return s.toLowerCase().replace(/[\s_-]/g, '');
}

/** A spreadsheet header as the tool compares it: no case, spaces, `_`, `-` or `.` (`Phone Work` is `phone.work`). */
export function foldColumn(s: string): string {
  return s.toLowerCase().replace(/[\s_.-]/g, '');
}

const BY_FOLDED: ReadonlyMap<string, string> = new Map(COLUMNS.map((c) => [foldColumn(c.name), c.name]));

/** The documented column a CSV header means, ignoring case, spaces, `_`, `-` and `.`; undefined when none. */
export function canonicalColumn(header: string): string | undefined {
  return BY_FOLDED.get(foldColumn(header));
}

/** The documented column an unknown name most likely meant, if any is close enough. */
export function suggestColumn(unknown: string): string | undefined {
  const target = normaliseForMatch(unknown);
  if (target === '') return undefined;
  for (const c of COLUMNS) if (normaliseForMatch(c.name) === target) return c.name;
  // `employeeId` for `employerInfo.employeeId`, `mobile` for `phone.mobile`.
  for (const c of COLUMNS) {
    const leaf = c.name.split('.').pop()!;
    if (c.name.includes('.') && normaliseForMatch(leaf) === target) return c.name;
  }
  return nearest(target, COLUMNS, (c) => normaliseForMatch(c.name))?.item.name;
}

/**
 * Why a password column is refused: a file of passwords is copied, mailed and kept in places no secret should be,
 * and the tool would send them on. New users set their own through the platform's invitation (`--invite`).
 */
const PASSWORD_REFUSAL =
  'passwords are never read from files (a file of passwords travels and stays where no secret should); remove ' +
  "the column, and pass --invite to send each new user the platform's invitation to set their own";

/** A header that names a password column (`password`, `Initial Password`, `pwd`…). */
export function isPasswordColumn(column: string): boolean {
  const folded = foldColumn(column);
  return folded === 'pwd' || folded.includes('password');
}

/** The code of an unknown column's problem, with the closest known column. */
export function unknownColumn(column: string): { code: string; suggestion?: string } {
  if (isPasswordColumn(column)) return { code: 'password_column' };
  const suggestion = suggestColumn(column);
  return suggestion !== undefined ? { code: 'unknown_column', suggestion } : { code: 'unknown_column' };
}

/** "unknown column …" with a did-you-mean, or the list of known columns when nothing is close. */
export function unknownColumnMessage(column: string, caseSensitive = true): string {
  if (isPasswordColumn(column)) return `column ${JSON.stringify(column)} refused: ${PASSWORD_REFUSAL}`;
  const suggestion = suggestColumn(column);
  const hint =
    suggestion !== undefined
      ? `did you mean "${suggestion}"?${caseSensitive && suggestion.toLowerCase() === column.toLowerCase() ? ' Column names are case-sensitive.' : ''}`
      : `known columns are ${COLUMNS.map((c) => c.name).join(', ')}`;
  return `unknown column ${JSON.stringify(column)}: ${hint}`;
}
