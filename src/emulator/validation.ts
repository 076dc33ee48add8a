/**
 * Validation of an `UpdateUser` body (PATCH /api/v2/users/{id}), pure: what it needs to know about the directory
 * comes in through `PatchContext`. The first problem found is reported, with a message naming the field.
 */
import type { Contact, ContactMediaType, ContactType, EmployerInfo, UserLocation } from '../genesys/types.js';

/** Fields of `UpdateUser` the emulator stores beyond those the project's `GenesysUser` names. */
export interface ExtraUserFields {
  images?: Record<string, unknown>[];
  profileSkills?: string[];
  certifications?: string[];
  locations?: UserLocation[];
  groups?: { id: string; [key: string]: unknown }[];
  biography?: Record<string, unknown>;
}

/** A validated `UpdateUser` body. */
export interface ValidPatch extends ExtraUserFields {
  version: number;
  name?: string;
  chat?: { jabberId?: string };
  department?: string;
  email?: string;
  primaryContactInfo?: Contact[];
  addresses?: Contact[];
  title?: string;
  username?: string;
  preferredName?: string;
  /** A user id; '' clears the manager. */
  manager?: string;
  state?: 'active' | 'inactive';
  acdAutoAnswer?: boolean;
  employerInfo?: EmployerInfo;
}

export interface PatchContext {
  /** The id in the request path. */
  userId: string;
  userExists(id: string): boolean;
  /** Whether a location with this id is in the catalogue (undefined: any id is taken). */
  locationExists?(id: string): boolean;
  /** The longest `name`, `title`, `department`, `preferredName` and `employerInfo` text (undefined: no cap). */
  textMaxLength?: number;
}

export type PatchValidation = { ok: true; patch: ValidPatch } | { ok: false; message: string };

export const CONTACT_MEDIA_TYPES: readonly ContactMediaType[] = ['PHONE', 'EMAIL', 'SMS'];
export const CONTACT_TYPES: readonly ContactType[] = [
  'PRIMARY',
  'WORK',
  'WORK2',
  'WORK3',
  'WORK4',
  'HOME',
  'MOBILE',
  'MAIN',
  'OTHER',
];

// Pragmatic rather than RFC 5322: one @, no spaces, a dot in the domain.
const EMAIL_RE = /^[^\s@]+@[^\s@.]+(\.[^\s@.]+)+$/;
const E164_RE = /^\+[1-9]\d{6,14}$/;
const EXTENSION_RE = /^\d{1,15}$/;
const COUNTRY_RE = /^[A-Z]{2}$/;
const DATE_RE = /^(\d{4})-(\d{2})-(\d{2})$/;

export function isEmail(value: string): boolean {
  return value.length <= 254 && EMAIL_RE.test(value);
}

/** True for a real calendar date written yyyy-MM-dd. */
export function isIsoDate(value: string): boolean {
  const m = DATE_RE.exec(value);
  if (!m) return false;
  const [year, month, day] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const date = new Date(Date.UTC(year, month - 1, day));
  return date.getUTCFullYear() === year && date.getUTCMonth() === month - 1 && date.getUTCDate() === day;
}

class Invalid extends Error {}

function fail(field: string, problem: string): never {
  throw new Invalid(`Invalid value for field '${field}': ${problem}`);
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

const describe = (value: unknown): string =>
  value === null ? 'null' : Array.isArray(value) ? 'an array' : typeof value;

function string(field: string, value: unknown): string {
  if (typeof value !== 'string') fail(field, `expected a string, got ${describe(value)}`);
  return value;
}

function text(field: string, value: unknown, ctx: PatchContext): string {
  const s = string(field, value);
  const most = ctx.textMaxLength;
  if (most !== undefined && s.length > most) fail(field, `is ${s.length} characters long; the maximum is ${most}`);
  return s;
}

function nonEmptyString(field: string, value: unknown): string {
  const s = string(field, value);
  if (s.trim() === '') fail(field, 'must not be empty');
  return s;
}

function stringArray(field: string, value: unknown): string[] {
  if (!Array.isArray(value)) fail(field, `expected an array of strings, got ${describe(value)}`);
  return (value as unknown[]).map((item, i) => string(`${field}[${i}]`, item));
}

function objectArray(field: string, value: unknown): Record<string, unknown>[] {
  if (!Array.isArray(value)) fail(field, `expected an array of objects, got ${describe(value)}`);
  return (value as unknown[]).map((item, i) => {
    if (!isObject(item)) fail(`${field}[${i}]`, `expected an object, got ${describe(item)}`);
    return { ...(item as Record<string, unknown>) };
  });
}

function object(field: string, value: unknown, allowed: readonly string[]): Record<string, unknown> {
  if (!isObject(value)) fail(field, `expected an object, got ${describe(value)}`);
  const obj = value as Record<string, unknown>;
  for (const key of Object.keys(obj)) {
    if (!allowed.includes(key)) throw new Invalid(`Unrecognized field '${field}.${key}'`);
  }
  return obj;
}

function oneOf<T extends string>(field: string, value: unknown, allowed: readonly T[]): T {
  if (typeof value !== 'string' || !allowed.includes(value as T)) {
    fail(field, `must be one of ${allowed.join(', ')}, got ${JSON.stringify(value)}`);
  }
  return value as T;
}

const CONTACT_KEYS = ['address', 'display', 'extension', 'countryCode', 'mediaType', 'type'] as const;

function contacts(field: string, value: unknown): Contact[] {
  if (!Array.isArray(value)) fail(field, `expected an array of contacts, got ${describe(value)}`);
  const seen = new Set<string>();
  return (value as unknown[]).map((item, i) => {
    const at = `${field}[${i}]`;
    const raw = object(at, item, CONTACT_KEYS);
    const mediaType = oneOf(`${at}.mediaType`, raw.mediaType, CONTACT_MEDIA_TYPES);
    const type = oneOf(`${at}.type`, raw.type, CONTACT_TYPES);
    const contact: Contact = { mediaType, type };
    const hasAddress = raw.address !== undefined;
    const hasExtension = raw.extension !== undefined;
    if (hasAddress && hasExtension) fail(at, 'a contact has either an address or an extension, not both');
    if (!hasAddress && !hasExtension) fail(at, 'a contact needs an address or an extension');
    if (hasAddress) {
      const address = string(`${at}.address`, raw.address);
      if (mediaType === 'EMAIL' && !isEmail(address)) fail(`${at}.address`, `not an e-mail address: "${address}"`);
      if (mediaType !== 'EMAIL' && !E164_RE.test(address)) {
        fail(`${at}.address`, `not an E.164 phone number (like +13175550123): "${address}"`);
      }
      contact.address = address;
    } else {
      if (mediaType === 'EMAIL') fail(`${at}.extension`, 'an EMAIL contact cannot have an extension');
      const extension = string(`${at}.extension`, raw.extension);
      if (!EXTENSION_RE.test(extension)) fail(`${at}.extension`, `must be digits only: "${extension}"`);
      contact.extension = extension;
    }
    if (raw.display !== undefined) contact.display = string(`${at}.display`, raw.display);
    if (raw.countryCode !== undefined) {
      const countryCode = string(`${at}.countryCode`, raw.countryCode);
      if (!COUNTRY_RE.test(countryCode)) fail(`${at}.countryCode`, `not an ISO 3166 alpha-2 code: "${countryCode}"`);
      contact.countryCode = countryCode;
    }
    const key = `${mediaType}/${type}`;
    if (seen.has(key)) fail(at, `more than one ${mediaType} contact of type ${type}`);
    seen.add(key);
    return contact;
  });
}

/** `[{id, notes?}]`: every id a location of the catalogue, each once (assumed: the platform's rule is unconfirmed). */
function locations(value: unknown, ctx: PatchContext): UserLocation[] {
  const seen = new Set<string>();
  return objectArray('locations', value).map((raw, i) => {
    const at = `locations[${i}]`;
    const id = nonEmptyString(`${at}.id`, raw.id);
    if (ctx.locationExists && !ctx.locationExists(id)) fail(`${at}.id`, `no location with id "${id}"`);
    if (seen.has(id)) fail(`${at}.id`, `location "${id}" is listed twice`);
    seen.add(id);
    const location: UserLocation = { id };
    if (raw.notes !== undefined) location.notes = string(`${at}.notes`, raw.notes);
    return location;
  });
}

const EMPLOYER_KEYS = ['officialName', 'employeeId', 'employeeType', 'dateHire'] as const;

function employerInfo(value: unknown, ctx: PatchContext): EmployerInfo {
  const raw = object('employerInfo', value, EMPLOYER_KEYS);
  const info: EmployerInfo = {};
  for (const key of ['officialName', 'employeeId', 'employeeType'] as const) {
    if (raw[key] !== undefined) info[key] = text(`employerInfo.${key}`, raw[key], ctx);
  }
  if (raw.dateHire !== undefined) {
    const dateHire = string('employerInfo.dateHire', raw.dateHire);
    if (!isIsoDate(dateHire)) fail('employerInfo.dateHire', `expected a date as yyyy-MM-dd, got "${dateHire}"`);
    info.dateHire = dateHire;
  }
  return info;
}

/** The `UpdateUser` fields, read-only ones (`id`, `selfUri`) included: they are accepted and not applied. */
export const UPDATE_USER_FIELDS = [
  'id',
  'selfUri',
  'version',
  'name',
  'chat',
  'department',
  'email',
  'primaryContactInfo',
  'addresses',
  'title',
  'username',
  'preferredName',
  'manager',
  'images',
  'profileSkills',
  'locations',
  'groups',
  'state',
  'acdAutoAnswer',
  'certifications',
  'biography',
  'employerInfo',
] as const;

function parse(body: unknown, ctx: PatchContext): ValidPatch {
  if (!isObject(body)) throw new Invalid(`The request body must be a JSON object, got ${describe(body)}`);
  for (const key of Object.keys(body)) {
    if (!(UPDATE_USER_FIELDS as readonly string[]).includes(key)) throw new Invalid(`Unrecognized field '${key}'`);
  }
  if (body.version === undefined) throw new Invalid("Missing required field 'version'");
  if (typeof body.version !== 'number' || !Number.isInteger(body.version) || body.version < 1) {
    fail('version', `expected a positive integer, got ${JSON.stringify(body.version)}`);
  }
  if (body.id !== undefined && body.id !== ctx.userId) fail('id', 'does not match the user id in the path');
  if (body.selfUri !== undefined) string('selfUri', body.selfUri);

  const patch: ValidPatch = { version: body.version as number };
  if (body.state !== undefined) {
    patch.state = oneOf('state', body.state, ['active', 'inactive'] as const);
    const others = Object.keys(body).filter((k) => !['state', 'version', 'id', 'selfUri'].includes(k));
    if (others.length > 0) fail('state', `must be the only field updated, but the body also has ${others.join(', ')}`);
  }
  if (body.name !== undefined) patch.name = text('name', nonEmptyString('name', body.name), ctx);
  if (body.chat !== undefined) {
    const chat = object('chat', body.chat, ['jabberId']);
    patch.chat = chat.jabberId === undefined ? {} : { jabberId: string('chat.jabberId', chat.jabberId) };
  }
  for (const key of ['department', 'title', 'preferredName'] as const) {
    if (body[key] !== undefined) patch[key] = text(key, body[key], ctx);
  }
  if (body.email !== undefined) {
    const email = string('email', body.email);
    if (!isEmail(email)) fail('email', `not an e-mail address: "${email}"`);
    patch.email = email;
  }
  if (body.username !== undefined) {
    const username = nonEmptyString('username', body.username);
    if (/\s/.test(username)) fail('username', 'must not contain whitespace');
    patch.username = username;
  }
  if (body.primaryContactInfo !== undefined) {
    patch.primaryContactInfo = contacts('primaryContactInfo', body.primaryContactInfo);
  }
  if (body.addresses !== undefined) patch.addresses = contacts('addresses', body.addresses);
  if (body.manager !== undefined) {
    const manager = string('manager', body.manager);
    if (manager !== '') {
      if (manager === ctx.userId) fail('manager', 'a user cannot be their own manager');
      if (!ctx.userExists(manager)) fail('manager', `no user with id "${manager}"`);
    }
    patch.manager = manager;
  }
  if (body.acdAutoAnswer !== undefined) {
    if (typeof body.acdAutoAnswer !== 'boolean') {
      fail('acdAutoAnswer', `expected a boolean, got ${describe(body.acdAutoAnswer)}`);
    }
    patch.acdAutoAnswer = body.acdAutoAnswer as boolean;
  }
  if (body.employerInfo !== undefined) patch.employerInfo = employerInfo(body.employerInfo, ctx);
  if (body.profileSkills !== undefined) patch.profileSkills = stringArray('profileSkills', body.profileSkills);
  if (body.certifications !== undefined) patch.certifications = stringArray('certifications', body.certifications);
  if (body.images !== undefined) patch.images = objectArray('images', body.images);
  if (body.locations !== undefined) patch.locations = locations(body.locations, ctx);
  if (body.groups !== undefined) {
    patch.groups = objectArray('groups', body.groups).map((group, i) => ({
      ...group,
      id: nonEmptyString(`groups[${i}].id`, group.id),
    }));
  }
  if (body.biography !== undefined) {
    if (!isObject(body.biography)) fail('biography', `expected an object, got ${describe(body.biography)}`);
    patch.biography = structuredClone(body.biography as Record<string, unknown>);
  }
  return patch;
}

export function validatePatch(body: unknown, ctx: PatchContext): PatchValidation {
  try {
    return { ok: true, patch: parse(body, ctx) };
  } catch (err) {
    if (err instanceof Invalid) return { ok: false, message: err.message };
    throw err;
  }
}
