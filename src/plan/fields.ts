import type { Contact, ContactType, EmployerInfo, GenesysUser } from '../genesys/types.js';
import type { PhoneType } from '../input/index.js';
import { EXTENSION_MARK } from '../input/lists.js';
import { PlanError } from './errors.js';

/** One field's value before and after, as the plan shows it (profile and routing fields alike). */
export interface FieldDiff {
  /** e.g. `title`, `employerInfo.employeeId`, `phone.mobile`, `manager` (a user id), `state`, `skill:Billing`. */
  field: string;
  before: string | null;
  after: string | null;
}

export const TEXT_FIELDS = ['name', 'email', 'title', 'department', 'preferredName'] as const;
export type TextField = (typeof TEXT_FIELDS)[number];
/** The platform rejects a user without these. */
export const REQUIRED_FIELDS: ReadonlySet<string> = new Set<TextField>(['name', 'email']);

export const EMPLOYER_FIELDS = ['officialName', 'employeeId', 'employeeType', 'dateHire'] as const;
export type EmployerField = (typeof EMPLOYER_FIELDS)[number];

export const PHONE_TYPES = ['work', 'work2', 'work3', 'work4', 'home', 'mobile', 'main', 'other'] as const;

export const CONTACT_TYPE_OF: Record<PhoneType, ContactType> = {
  work: 'WORK',
  work2: 'WORK2',
  work3: 'WORK3',
  work4: 'WORK4',
  home: 'HOME',
  mobile: 'MOBILE',
  main: 'MAIN',
  other: 'OTHER',
};

/** Prefix of a phone diff value that holds an extension rather than a number. */
export const EXTENSION_PREFIX = EXTENSION_MARK;

/** The profile's lists: each one field whose value is its items, sorted, joined by `;`. */
export const LIST_FIELDS = ['locations', 'profileSkills', 'certifications'] as const;
export type ListField = (typeof LIST_FIELDS)[number];

/** Names of the locations catalogue, by id: how a user's `locations` (ids) are shown. */
export interface LocationNames {
  locationName?: (id: string) => string | undefined;
}

export type FieldRef =
  | { kind: 'text'; name: TextField }
  | { kind: 'manager' }
  | { kind: 'employer'; name: EmployerField }
  | { kind: 'phone'; name: PhoneType }
  | { kind: 'autoAnswer' }
  | { kind: 'list'; name: ListField }
  | { kind: 'state' };

/** The order of diffs within a row: stable, so plans and renderings are deterministic. */
export const FIELD_ORDER: readonly string[] = [
  ...TEXT_FIELDS,
  'manager',
  ...EMPLOYER_FIELDS.map((f) => `employerInfo.${f}`),
  ...PHONE_TYPES.map((t) => `phone.${t}`),
  'acdAutoAnswer',
  ...LIST_FIELDS,
  'state',
];

export function parseField(field: string): FieldRef {
  if ((TEXT_FIELDS as readonly string[]).includes(field)) return { kind: 'text', name: field as TextField };
  if (field === 'manager') return { kind: 'manager' };
  if (field === 'state') return { kind: 'state' };
  if (field === 'acdAutoAnswer') return { kind: 'autoAnswer' };
  if ((LIST_FIELDS as readonly string[]).includes(field)) return { kind: 'list', name: field as ListField };
  const [head, tail, ...rest] = field.split('.');
  if (rest.length === 0 && tail !== undefined) {
    if (head === 'employerInfo' && (EMPLOYER_FIELDS as readonly string[]).includes(tail)) {
      return { kind: 'employer', name: tail as EmployerField };
    }
    if (head === 'phone' && (PHONE_TYPES as readonly string[]).includes(tail)) {
      return { kind: 'phone', name: tail as PhoneType };
    }
  }
  throw new RangeError(`Unknown plan field: ${field}`);
}

/** Trimmed text, with null, missing and blank all meaning "no value". */
export function normText(value: string | null | undefined): string | null {
  if (value === null || value === undefined) return null;
  const t = value.trim();
  return t === '' ? null : t;
}

export function phoneDigits(value: string | null | undefined): string | null {
  const digits = (value ?? '').replace(/\D/g, '');
  return digits === '' ? null : digits;
}

/** A phone number as a row asks for it, canonical E.164 (`+<digits>`), or `ext <digits>`; null clears. */
export function desiredPhone(type: PhoneType, value: string | null): string | null {
  const text = normText(value);
  if (text === null) return null;
  if (text.startsWith(EXTENSION_PREFIX)) {
    const ext = text.slice(EXTENSION_PREFIX.length).trim();
    if (!/^\d+$/.test(ext))
      throw new PlanError('invalid_value', `phone.${type}`, `phone.${type}: extension "${ext}" is not digits.`);
    return `${EXTENSION_PREFIX}${ext}`;
  }
  const digits = phoneDigits(text);
  if (digits === null) throw new PlanError('invalid_value', `phone.${type}`, `phone.${type}: "${text}" has no digits.`);
  return `+${digits}`;
}

export function isPhoneOfType(contact: Contact, type: ContactType): boolean {
  return contact.mediaType?.toUpperCase() === 'PHONE' && contact.type?.toUpperCase() === type;
}

/**
 * A phone contact's value as diffs show it: `+<digits>` for a number (the platform may store it with or without
 * `+`, or formatted), `ext <extension>` for an extension-only contact.
 */
export function contactValue(contact: Contact | undefined): string | null {
  if (contact === undefined) return null;
  const address = phoneDigits(contact.address);
  if (address !== null) return `+${address}`;
  const extension = normText(contact.extension);
  if (extension !== null) return `${EXTENSION_PREFIX}${extension}`;
  const display = phoneDigits(contact.display);
  return display === null ? null : `+${display}`;
}

export function findPhone(addresses: readonly Contact[] | undefined, type: ContactType): Contact | undefined {
  return addresses?.find((c) => isPhoneOfType(c, type));
}

function employerValue(info: EmployerInfo | undefined, name: EmployerField): string | null {
  return normText(info?.[name]);
}

/** A list as diffs show it: its items sorted (by code unit, so the same everywhere), `;`-joined; null when empty. */
export function listValue(items: readonly string[]): string | null {
  return items.length === 0 ? null : [...items].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)).join(';');
}

/** A user's list as diffs show it: locations by name (their id when the catalogue does not name them). */
export function readList(user: GenesysUser, name: ListField, names: LocationNames = {}): string | null {
  if (name !== 'locations') return listValue(user[name] ?? []);
  return listValue((user.locations ?? []).map((l) => names.locationName?.(l.id) ?? l.id));
}

/** ACD auto-answer as diffs show it; a user without the field has it off (the platform's default). */
export function autoAnswerValue(user: GenesysUser): string {
  return user.acdAutoAnswer === true ? 'true' : 'false';
}

/** A field's current value on a user, in the form diffs use. */
export function readField(user: GenesysUser, field: string, names: LocationNames = {}): string | null {
  const ref = parseField(field);
  switch (ref.kind) {
    case 'text':
      return normText(user[ref.name]);
    case 'manager':
      return normText(user.manager?.id);
    case 'employer':
      return employerValue(user.employerInfo, ref.name);
    case 'phone':
      return contactValue(findPhone(user.addresses, CONTACT_TYPE_OF[ref.name]));
    case 'autoAnswer':
      return autoAnswerValue(user);
    case 'list':
      return readList(user, ref.name, names);
    case 'state':
      return user.state;
  }
}

/** The user property `readField` reads a field from: what a user held in part must keep for the field. */
export function userPropertyOf(field: string): keyof GenesysUser {
  const ref = parseField(field);
  switch (ref.kind) {
    case 'text':
    case 'list':
      return ref.name;
    case 'manager':
      return 'manager';
    case 'employer':
      return 'employerInfo';
    case 'phone':
      return 'addresses';
    case 'autoAnswer':
      return 'acdAutoAnswer';
    case 'state':
      return 'state';
  }
}

/** Whether two normalised values of a field are the same value to the platform. */
export function sameValue(field: string, a: string | null, b: string | null): boolean {
  if (a === null || b === null) return a === b;
  // User ids are UUIDs, whatever their case (the input lower-cases them). An email address is one address to the
  // platform in any case, but it keeps the spelling given: a change of only its case is a change to write.
  // Phone values are already canonical.
  return field === 'manager' ? a.toLowerCase() === b.toLowerCase() : a === b;
}

/**
 * Whether the platform holds value `b` when it shows `a`: as sameValue, but an email address in another case is the
 * same address, which a platform may store in a case of its own (whether Genesys Cloud keeps the case given is
 * unconfirmed). For judging what a write did, never for planning one.
 */
export function holdsValue(field: string, a: string | null, b: string | null): boolean {
  if (field === 'email' && a !== null && b !== null) return a.toLowerCase() === b.toLowerCase();
  return sameValue(field, a, b);
}
