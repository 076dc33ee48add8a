/**
 * A user (or a catalogue entry, a user's skill, a queue member, a grant) as the platform sent it, checked before
 * anything plans with it: every field the tool reads has the type the platform documents, or the answer is not used.
 * Another implementation of the platform (or a proxy) may send a number for an email or an object in a list of
 * addresses; planning on a guess could write the wrong thing, so such an answer fails the call with a message naming
 * the user and the field. `null` for an optional field is read as absent, as the platform leaves out what a user does
 * not have. Checked by hand, not with zod, for the reason config.ts gives: zod would load before every first request.
 */

import { escapeControls } from '../text.js';

type Check = (value: unknown) => boolean;

const isString: Check = (v) => typeof v === 'string';
export const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);
/** A record whose listed fields are each absent, null or of their type. */
const recordOf =
  (fields: Readonly<Record<string, Check>>): Check =>
  (v) =>
    isRecord(v) && Object.entries(fields).every(([k, check]) => v[k] === undefined || v[k] === null || check(v[k]));
const listOf =
  (item: Check): Check =>
  (v) =>
    Array.isArray(v) && v.every(item);
const withId = (fields: Readonly<Record<string, Check>> = {}): Check => {
  const rest = recordOf(fields);
  return (v) => isRecord(v) && typeof v.id === 'string' && rest(v);
};

const contact = recordOf({
  address: isString,
  display: isString,
  extension: isString,
  countryCode: isString,
  mediaType: isString,
  type: isString,
});
const named = withId({ name: isString });
const proficient = withId({ name: isString, proficiency: (v) => typeof v === 'number' });

/** The user fields the tool reads, each with the type it must have when present. */
const USER_FIELDS: Readonly<Record<string, Check>> = {
  name: isString,
  email: isString,
  title: isString,
  department: isString,
  username: isString,
  preferredName: isString,
  state: isString,
  version: (v) => typeof v === 'number' && Number.isInteger(v),
  acdAutoAnswer: (v) => typeof v === 'boolean',
  division: named,
  manager: withId(),
  chat: recordOf({ jabberId: isString }),
  employerInfo: recordOf({ officialName: isString, employeeId: isString, employeeType: isString, dateHire: isString }),
  addresses: listOf(contact),
  primaryContactInfo: listOf(contact),
  locations: listOf(withId({ notes: isString, locationDefinition: recordOf({ id: isString, name: isString }) })),
  profileSkills: listOf(isString),
  certifications: listOf(isString),
  // Expansions (expand=skills, languages, groups).
  skills: listOf(proficient),
  languages: listOf(proficient),
  groups: listOf(named),
};

/**
 * What is wrong with a user the platform sent (`user "abc" has a malformed email (a number)`), or undefined when nothing is;
 * the fields that are null are then removed from `value`, so that the rest of the tool sees them as absent.
 */
export function userShapeProblem(value: unknown): string | undefined {
  return shapeProblem(value, 'a user', 'user', USER_FIELDS);
}

function shapeProblem(
  value: unknown,
  what: string,
  noun: string,
  fields: Readonly<Record<string, Check>>,
): string | undefined {
  if (!isRecord(value)) return `${what} is ${describe(value)} instead of an object`;
  if (typeof value.id !== 'string' || value.id === '') return `${what} has no id (${describe(value.id)})`;
  for (const [field, check] of Object.entries(fields)) {
    const v = value[field];
    if (v === undefined) continue;
    if (v === null) {
      delete value[field];
      continue;
    }
    if (!check(v))
      return `${noun} "${escapeControls(value.id.slice(0, 100))}" has a malformed ${field} (${describe(v)})`;
  }
  return undefined;
}

/** The first problem among a list of users, or undefined. */
export function usersShapeProblem(users: readonly unknown[]): string | undefined {
  return firstProblem(users, userShapeProblem);
}

/** The fields of a listed entity the tool reads: a catalogue's (skill, queue, role, …), a user's skill, a member. */
const ENTITY_FIELDS: Readonly<Record<string, Check>> = {
  name: isString,
  state: isString,
  proficiency: (v) => typeof v === 'number',
  user: withId({ name: isString }),
};

/** What is wrong with the first bad entity of a listing (null fields removed, as for a user), or undefined. */
export function entitiesShapeProblem(entities: readonly unknown[]): string | undefined {
  return firstProblem(entities, (entity) => shapeProblem(entity, 'an entry', 'entry', ENTITY_FIELDS));
}

const GRANT = recordOf({ division: withId({ name: isString }), role: withId({ name: isString }) });

/** What is wrong with a subject's grants, or undefined. */
export function grantsShapeProblem(grants: readonly unknown[]): string | undefined {
  const bad = grants.find((g) => !isRecord(g) || !isRecord(g.division) || !isRecord(g.role) || !GRANT(g));
  return bad === undefined ? undefined : `a grant lacks a role or a division id (${describe(bad)})`;
}

function firstProblem(items: readonly unknown[], problemOf: (item: unknown) => string | undefined): string | undefined {
  for (const item of items) {
    const problem = problemOf(item);
    if (problem !== undefined) return problem;
  }
  return undefined;
}

function describe(value: unknown): string {
  if (value === null || value === undefined || value === '') return String(JSON.stringify(value) ?? 'undefined');
  if (Array.isArray(value)) return 'a list';
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}
