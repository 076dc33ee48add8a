import type { Contact, EmployerInfo, GenesysUser, UserPatch } from '../genesys/types.js';
import type { ManagerRef, ProfileChanges } from '../input/index.js';
import { PlanError, UnresolvedManagerError } from './errors.js';
import {
  CONTACT_TYPE_OF,
  contactValue,
  desiredPhone,
  EMPLOYER_FIELDS,
  EXTENSION_PREFIX,
  type FieldDiff,
  isPhoneOfType,
  type LocationNames,
  normText,
  PHONE_TYPES,
  parseField,
  REQUIRED_FIELDS,
  readField,
  sameValue,
  TEXT_FIELDS,
} from './fields.js';
import { type LocationContext, planProfileExtras } from './profile-lists.js';

export interface UserChangePlan {
  /** Empty when the user already has every value the row asks for. */
  diffs: FieldDiff[];
  /** The profile fields that change; never includes `state`. */
  patch?: Omit<UserPatch, 'version'>;
  /** Sent as a PATCH of its own (`{version, state}`): the platform requires `state` to be alone. */
  state?: 'active' | 'inactive';
}

export interface PlanContext extends LocationContext {
  /** The id of a manager reference; the runner resolves every reference before planning. */
  managerId: (ref: ManagerRef) => string | undefined;
}

/**
 * Compares a user with the changes a row asks for and returns the field diffs and the minimal PATCH body.
 * Pure and idempotent: planning again against the user the patch produced yields no diffs, which is how a retry
 * after a 409 or a lost response tells that the change is already in effect.
 */
export function planUserChange(current: GenesysUser, changes: ProfileChanges, ctx: PlanContext): UserChangePlan {
  const diffs: FieldDiff[] = [];
  const patch: Omit<UserPatch, 'version'> = {};

  for (const field of TEXT_FIELDS) {
    const wanted = changes[field];
    if (wanted === undefined) continue;
    const after = normText(wanted);
    if (after === null && REQUIRED_FIELDS.has(field)) {
      throw new PlanError('required_field', field, `${field} cannot be cleared: every user must have one.`);
    }
    const before = readField(current, field);
    if (sameValue(field, before, after)) continue;
    diffs.push({ field, before, after });
    // The platform has no null in UpdateUser: an empty string clears a text field.
    patch[field] = after ?? '';
  }

  if (changes.manager !== undefined) {
    const after = changes.manager === null ? null : resolveManager(current, changes.manager, ctx);
    const before = readField(current, 'manager');
    if (!sameValue('manager', before, after)) {
      diffs.push({ field: 'manager', before, after });
      // Clearing with '' is what the emulator accepts; the real platform's behaviour is unconfirmed, and a
      // verification re-plan reports the manager as still set if it ignored the ''.
      patch.manager = after ?? '';
    }
  }

  if (changes.employerInfo !== undefined) {
    const employerInfo = planEmployerInfo(current.employerInfo, changes.employerInfo, diffs);
    if (employerInfo !== undefined) patch.employerInfo = employerInfo;
  }

  if (changes.phones !== undefined || changes.restorePhones !== undefined || changes.clearExtensions !== undefined) {
    const addresses = planPhones(current.addresses ?? [], changes, diffs);
    if (addresses !== undefined) patch.addresses = addresses;
  }

  planProfileExtras(current, changes, ctx, diffs, patch);

  let state: UserChangePlan['state'];
  if (changes.state !== undefined && changes.state !== current.state) {
    diffs.push({ field: 'state', before: current.state, after: changes.state });
    state = changes.state;
  }

  return {
    diffs,
    ...(Object.keys(patch).length > 0 ? { patch } : {}),
    ...(state !== undefined ? { state } : {}),
  };
}

function resolveManager(current: GenesysUser, ref: ManagerRef, ctx: PlanContext): string {
  const id = normText(ctx.managerId(ref));
  if (id === null) throw new UnresolvedManagerError(ref);
  if (sameValue('manager', id, current.id))
    throw new PlanError('self_manager', 'manager', 'A user cannot be their own manager.');
  return id;
}

/**
 * The whole merged employerInfo, or undefined when nothing in it changes. Sent whole because whether the
 * platform merges or replaces this object is unconfirmed: a merged object is right under both, while a partial
 * one would wipe the other sub-fields if the platform replaces.
 */
function planEmployerInfo(
  current: EmployerInfo | undefined,
  wanted: NonNullable<ProfileChanges['employerInfo']>,
  diffs: FieldDiff[],
): EmployerInfo | undefined {
  let changed = false;
  const merged: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(current ?? {})) if (v !== null && v !== undefined) merged[k] = v;
  for (const name of EMPLOYER_FIELDS) {
    const value = wanted[name];
    if (value === undefined) continue;
    const before = normText(current?.[name]);
    const after = normText(value);
    if (before === after) continue;
    diffs.push({ field: `employerInfo.${name}`, before, after });
    changed = true;
    if (after === null) delete merged[name];
    else merged[name] = after;
  }
  return changed ? (merged as EmployerInfo) : undefined;
}

/**
 * The whole merged addresses array, or undefined when no phone changes. The platform replaces the array whole,
 * so every contact the row does not name (other types, EMAIL and SMS entries, extensions) is kept as it was and
 * where it was.
 */
function planPhones(current: readonly Contact[], changes: ProfileChanges, diffs: FieldDiff[]): Contact[] | undefined {
  const wanted = changes.phones ?? {};
  const restore = changes.restorePhones;
  let addresses: readonly Contact[] = current;
  for (const phoneType of PHONE_TYPES) {
    const whole = restore?.types.includes(phoneType) === true;
    const type = CONTACT_TYPE_OF[phoneType];
    const isTarget = (c: Contact) => isPhoneOfType(c, type);
    const index = addresses.findIndex(isTarget);
    const before = contactValue(addresses[index]);
    let value = wanted[phoneType];
    // Clearing an extension leaves a number alone.
    if (value === undefined && changes.clearExtensions?.includes(phoneType) && before?.startsWith(EXTENSION_PREFIX))
      value = null;
    if (!whole && value === undefined) continue;
    const entries = whole ? restore!.from.filter(isTarget) : undefined;
    const after = entries ? contactValue(entries[0]) : desiredPhone(phoneType, value ?? null);
    // Judged by value, like every other field, so that planning again after the write finds nothing to do even
    // if the platform reformats what it stores.
    if (before === after) continue;
    const all = entries ? [] : addresses.filter(isTarget);
    if (all.length > 1) {
      // Which one the row means is unknown, and replacing the first dropped the others unseen. The admin UI keeps one
      // entry a type; whether the platform keeps more is unconfirmed.
      const values = all.map((c) => JSON.stringify(contactValue(c) ?? '')).join(', ');
      throw new PlanError(
        'ambiguous_phone',
        `phone.${phoneType}`,
        `phone.${phoneType}: the user has ${all.length} ${type} phone entries (${values}), and the row cannot say ` +
          `which it changes; keep one of them in Genesys Cloud, or leave phone.${phoneType} empty in this row.`,
      );
    }
    diffs.push({ field: `phone.${phoneType}`, before, after });
    // A restored entry goes back exactly as it was. Otherwise address and extension are mutually exclusive, and a
    // stale display or countryCode would contradict the new number: the replacement carries the number alone and
    // the platform formats it.
    const replacement: Contact[] = entries
      ? entries.map((c) => ({ ...c }))
      : after === null
        ? []
        : after.startsWith(EXTENSION_PREFIX)
          ? [{ extension: after.slice(EXTENSION_PREFIX.length), mediaType: 'PHONE', type }]
          : [{ address: after, mediaType: 'PHONE', type }];
    addresses =
      index === -1
        ? insertAt(addresses, replacement, entries ? whereItWas(addresses, restore!.from, type) : addresses.length)
        : // A restore puts back every entry of its type (`entries`), where the first one is now.
          addresses.flatMap((c, i) => (i === index ? replacement : isTarget(c) ? [] : [c]));
  }
  return addresses === current ? undefined : addresses.map((c) => ({ ...c }));
}

const insertAt = (list: readonly Contact[], items: Contact[], at: number) => [
  ...list.slice(0, at),
  ...items,
  ...list.slice(at),
];

const slot = (c: Contact) => `${c.mediaType?.toUpperCase()}/${c.type?.toUpperCase()}`;

/**
 * Where entries of `type` that `from` had and `list` lacks go back: after the last entry of `list` whose media type
 * and type came before them in `from`, so that an array the platform keeps in order is as it was.
 */
function whereItWas(list: readonly Contact[], from: readonly Contact[], type: Contact['type']): number {
  const first = from.findIndex((c) => isPhoneOfType(c, type));
  const earlier = new Set(from.slice(0, Math.max(first, 0)).map(slot));
  for (let i = list.length - 1; i >= 0; i--) if (earlier.has(slot(list[i]!))) return i + 1;
  return 0;
}

/** The current values of the diffed fields, in the form diffs use: what a rollback must restore. */
export function beforeValues(
  current: GenesysUser,
  diffs: readonly FieldDiff[],
  names: LocationNames = {},
): Record<string, string | null> {
  const values: Record<string, string | null> = {};
  for (const d of diffs) values[d.field] = readField(current, d.field, names);
  return values;
}

/**
 * The changes that set every diffed field back to its before-value. Throws `not_invertible` for a before-value
 * a row cannot express: an extension-only phone, a missing name or email, a deleted state.
 */
export function inverseChanges(diffs: readonly FieldDiff[]): ProfileChanges {
  const changes: ProfileChanges = {};
  for (const d of diffs) {
    const ref = parseField(d.field);
    const before = d.before;
    switch (ref.kind) {
      case 'text':
        if (REQUIRED_FIELDS.has(ref.name)) {
          if (before === null) throw notInvertible(d, 'it had no value and cannot be cleared');
          changes[ref.name as 'name' | 'email'] = before;
        } else {
          changes[ref.name as 'title' | 'department' | 'preferredName'] = before;
        }
        break;
      case 'manager':
        changes.manager = before === null ? null : { kind: 'id', id: before };
        break;
      case 'employer':
        changes.employerInfo = { ...changes.employerInfo, [ref.name]: before };
        break;
      case 'phone':
        // An extension goes back as an extension (`ext N` is a value phones take).
        changes.phones = { ...changes.phones, [ref.name]: before };
        break;
      case 'autoAnswer':
        changes.acdAutoAnswer = before === 'true';
        break;
      case 'list':
        if (ref.name === 'locations')
          // Names alone could resolve to other locations by now: the rollback restores the journal's whole list.
          throw notInvertible(d, 'the journal does not hold the locations as they were');
        changes[ref.name] = { mode: 'replace', items: before === null ? [] : before.split(';') };
        break;
      case 'state':
        if (before !== 'active' && before !== 'inactive') throw notInvertible(d, `its state was ${before}`);
        changes.state = before;
        break;
    }
  }
  return changes;
}

function notInvertible(d: FieldDiff, why: string): PlanError {
  return new PlanError('not_invertible', d.field, `${d.field} cannot be rolled back: ${why}.`);
}
