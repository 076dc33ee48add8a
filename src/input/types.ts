import type { Contact, UserLocation } from '../genesys/types.js';
import type { MembershipColumn } from './routing-kinds.js';

export type InputFormat = 'csv' | 'json' | 'jsonl';

/** `spelled`: the file's spelling of the email, when it is not all lower case (`email` is lower-cased). */
export type RowKey = { kind: 'id'; id: string } | { kind: 'email'; email: string; spelled?: string };
export type ManagerRef = { kind: 'id'; id: string } | { kind: 'email'; email: string };
export type PhoneType = 'work' | 'work2' | 'work3' | 'work4' | 'home' | 'mobile' | 'main' | 'other';

/** undefined = leave unchanged; null = clear the field. Ids are lower-cased, emails lower-cased. */
export interface ProfileChanges {
  /** Cannot be cleared. */
  name?: string;
  /** Lower-cased; cannot be cleared. */
  email?: string;
  title?: string | null;
  department?: string | null;
  preferredName?: string | null;
  manager?: ManagerRef | null;
  employerInfo?: {
    officialName?: string | null;
    employeeId?: string | null;
    employeeType?: string | null;
    /** yyyy-MM-dd, a real calendar date. */
    dateHire?: string | null;
  };
  /**
   * E.164, normalised to '+<digits>'; or `ext <digits>` for an extension-only entry (the platform's contact has an
   * address or an extension, not both): the `phone.<type>.extension` columns.
   */
  phones?: Partial<Record<PhoneType, string | null>>;
  /** `<clear>` in a `phone.<type>.extension` column: remove the type's entry if it holds an extension (not a number). */
  clearExtensions?: PhoneType[];
  /** ACD auto-answer. */
  acdAutoAnswer?: boolean;
  /** Location names as written; resolved against the locations catalogue before planning. */
  locations?: ListChange<string>;
  /** Profile skills (free text, compared exactly). */
  profileSkills?: ListChange<string>;
  /** Certifications (free text, compared exactly). */
  certifications?: ListChange<string>;
  /**
   * Made by a rollback, never read from input: the user's `locations` before the run, whole (ids and notes), put
   * back in place of `locations`.
   */
  restoreLocations?: UserLocation[];
  /**
   * Made by a rollback, never read from input: for each of `types`, the phone entries of that type in `from` (the
   * user's addresses before the run) are put back whole (display, countryCode, extension and all) in place of the
   * type's current entries, and where `from` had them; none in `from` removes the type's entries. Takes precedence
   * over `phones` for those types.
   */
  restorePhones?: { from: Contact[]; types: PhoneType[] };
  state?: 'active' | 'inactive';
  /**
   * Read from CSV only: cells in a form only a spreadsheet writes (`14155550123` for a phone, `3/14/2021` for a hire
   * date, `WAHR`, `2867.0` for an extension), by column, as written. Planning takes each as no change when it is the
   * user's current value as a spreadsheet saves it, and refuses the row otherwise (plan/spreadsheet.ts); it never
   * writes one.
   */
  asSaved?: Record<string, string>;
  /** Routing and access columns; present only when the row gives at least one of them. */
  routing?: RoutingChanges;
}

/**
 * `replace`: exactly these items (an empty list removes every one). `delta`: add or update `add`, remove `remove`.
 * Names are as written (trimmed); the run layer matches them case-insensitively against the catalogue.
 */
export type ListChange<T, R = string> = { mode: 'replace'; items: T[] } | { mode: 'delta'; add: T[]; remove: R[] };

/** A skill or language. Without a proficiency: the user's current one if they have it, else 0. */
export interface ProficiencyItem {
  name: string;
  /** 0–5, at most one decimal. */
  proficiency?: number;
}

/** A role granted in a division; a row that names no division means the one called `Home`. */
export interface RoleGrantItem {
  role: string;
  division: string;
}

/** Each membership column (queues) is a ListChange of names; see MEMBERSHIPS for which take an exact list. */
export interface RoutingChanges extends Partial<Record<MembershipColumn, ListChange<string>>> {
  skills?: ListChange<ProficiencyItem>;
  languages?: ListChange<ProficiencyItem>;
  /** Never an empty replace: a user without roles cannot sign in. */
  roles?: ListChange<RoleGrantItem, RoleGrantItem>;
  /** The user's division, by name. */
  division?: string;
}

export interface InputRow {
  /** 1-based record number: CSV data row after the header, JSON array element, or non-blank JSON Lines line. */
  rowNumber: number;
  /** Physical line (1-based) where the record starts. */
  line: number;
  key: RowKey;
  changes: ProfileChanges;
}

export interface InputProblem {
  severity: 'error' | 'warning';
  rowNumber?: number;
  line?: number;
  column?: string;
  /** Every column the problem is about, when there are several (`column` is the first). */
  columns?: string[];
  /** Self-contained: says where, what is wrong and what to do. */
  message: string;
  /** What kind of problem, for the --json document (`unknown_column`, `invalid_phone`…). */
  code?: string;
  /** The closest known value (a column or a catalogue name), when there is one. */
  suggestion?: string;
}

export interface InvalidRow {
  rowNumber: number;
  line: number;
  /** The row's key as written (id or email), when it had one. */
  key?: string;
  problems: InputProblem[];
  /** What the row's valid cells ask for: their names (routing, manager) are checked too. */
  changes?: ProfileChanges;
}

export interface SkippedRow {
  rowNumber: number;
  line: number;
  key: string;
  reason: string;
}

export interface ParsedInput {
  format: InputFormat;
  /** Valid rows only, after duplicate handling, in input order. */
  rows: InputRow[];
  /** Errors and warnings, in input order. */
  problems: InputProblem[];
  invalidRows: InvalidRow[];
  /** Valid rows that need no work: an exact repeat of an earlier row, or a row with nothing but its key. */
  skippedRows: SkippedRow[];
  /** Records read, valid or not (blank lines are not records). */
  totalRecords: number;
  /** The header was the Genesys admin UI's import layout, and the rows were read with its meaning (admin-ui.ts). */
  layout?: 'admin-ui';
}
