import type { Contact, UserLocation } from '../genesys/types.js';
import type { PhoneType, ProfileChanges } from '../input/index.js';
import { CONTACT_TYPE_OF, contactValue, isPhoneOfType, parseField } from '../plan/fields.js';
import { type FieldDiff, inverseChanges } from '../plan/index.js';

/**
 * What a rollback puts back for one user: the inverse of the diffs it restores, with each phone entry whole (as the
 * journal's `replaced.addresses` held it before the run's first write of the user's addresses) rather than as the
 * bare number a diff holds.
 */
export interface Inverse {
  changes: ProfileChanges;
  /** Phone fields restored by number only: the journal predates whole entries (or lacks this one). */
  byValueOnly: string[];
}

/**
 * `originals`: per object-valued field, its value before the run (see IntentRecord.replaced); undefined when the
 * journal did not keep it. Throws `not_invertible` (a row problem) as inverseChanges does, for what it gets.
 */
export function inverseOf(diffs: readonly FieldDiff[], originals: ReadonlyMap<string, unknown>): Inverse {
  const addresses = originals.get('addresses');
  const before = addresses === undefined ? undefined : Array.isArray(addresses) ? (addresses as Contact[]) : [];
  const types: PhoneType[] = [];
  const rest: FieldDiff[] = [];
  const byValueOnly: string[] = [];
  for (const d of diffs) {
    const ref = parseField(d.field);
    if (ref.kind !== 'phone') {
      rest.push(d);
      continue;
    }
    const entries = before?.filter((c) => isPhoneOfType(c, CONTACT_TYPE_OF[ref.name]));
    // The entries must be the ones the diff's before-value was read from; anything else is a journal this code
    // does not understand, and the number alone is the safe fallback.
    if (entries !== undefined && contactValue(entries[0]) === d.before) {
      types.push(ref.name);
    } else {
      rest.push(d);
      byValueOnly.push(d.field);
    }
  }
  // The lists go back whole, as the journal kept them (locations with their notes), not rebuilt from a diff's text.
  const lists: ProfileChanges = {};
  const others: FieldDiff[] = [];
  for (const d of rest) {
    const kept = originals.get(d.field);
    const whole = Array.isArray(kept) ? kept : kept === null ? [] : undefined;
    if (d.field === 'locations' && whole !== undefined)
      lists.restoreLocations = structuredClone(whole as UserLocation[]);
    else if ((d.field === 'profileSkills' || d.field === 'certifications') && whole !== undefined)
      lists[d.field] = { mode: 'replace', items: [...(whole as string[])] };
    else others.push(d);
  }
  const changes = { ...inverseChanges(others), ...lists };
  if (types.length > 0) changes.restorePhones = { from: structuredClone(before!), types };
  return { changes, byValueOnly };
}
