/**
 * Planning the profile fields beyond text and phones: ACD auto-answer and the lists (`locations`, `profileSkills`,
 * `certifications`), each one field of a diff, sent whole in the PATCH (the platform replaces these arrays whole).
 */
import type { GenesysUser, UserLocation, UserPatch } from '../genesys/types.js';
import type { ListChange, ProfileChanges } from '../input/index.js';
import { PlanError } from './errors.js';
import { autoAnswerValue, type FieldDiff, LIST_FIELDS, type LocationNames, listValue, readList } from './fields.js';

export interface LocationContext extends LocationNames {
  /** The id of a location name (matched case-insensitively); the runner resolves every name before planning. */
  locationId?: (name: string) => string | undefined;
}

/** Adds the diffs and patch fields of auto-answer and the lists to `diffs` and `patch`. */
export function planProfileExtras(
  current: GenesysUser,
  changes: ProfileChanges,
  ctx: LocationContext,
  diffs: FieldDiff[],
  patch: Omit<UserPatch, 'version'>,
): void {
  if (changes.acdAutoAnswer !== undefined) {
    const before = autoAnswerValue(current);
    const after = String(changes.acdAutoAnswer);
    if (before !== after) {
      diffs.push({ field: 'acdAutoAnswer', before, after });
      patch.acdAutoAnswer = changes.acdAutoAnswer;
    }
  }
  for (const field of LIST_FIELDS) {
    if (field === 'locations') {
      const next = plannedLocations(current.locations ?? [], changes, ctx);
      if (next === undefined) continue;
      const before = readList(current, 'locations', ctx);
      const after = readList({ ...current, locations: next }, 'locations', ctx);
      if (before === after && sameIds(current.locations ?? [], next)) continue;
      diffs.push({ field, before, after });
      patch.locations = next.map((l) => ({ id: l.id, ...(l.notes !== undefined ? { notes: l.notes } : {}) }));
      continue;
    }
    const wanted = changes[field];
    if (wanted === undefined) continue;
    const have = current[field] ?? [];
    const next = applyList(have, wanted, (s) => s);
    const before = listValue(have);
    const after = listValue(next);
    if (before === after) continue;
    diffs.push({ field, before, after });
    patch[field] = next;
  }
}

function sameIds(a: readonly UserLocation[], b: readonly UserLocation[]): boolean {
  const ids = (l: readonly UserLocation[]) =>
    l
      .map((x) => x.id.toLowerCase())
      .sort()
      .join(',');
  return ids(a) === ids(b);
}

/** The user's locations after the row: entries kept whole (notes and all), new ones `{id}`; undefined: no change asked. */
function plannedLocations(
  have: readonly UserLocation[],
  changes: ProfileChanges,
  ctx: LocationContext,
): UserLocation[] | undefined {
  if (changes.restoreLocations !== undefined) return changes.restoreLocations.map((l) => ({ ...l }));
  const wanted = changes.locations;
  if (wanted === undefined) return undefined;
  const id = (name: string): string => {
    const found = ctx.locationId?.(name);
    if (found === undefined)
      throw new PlanError('unresolved_location', 'locations', `Location "${name}" was not resolved before planning.`);
    return found;
  };
  const resolved: ListChange<string> =
    wanted.mode === 'replace'
      ? { mode: 'replace', items: wanted.items.map(id) }
      : { mode: 'delta', add: wanted.add.map(id), remove: wanted.remove.map(id) };
  const ids = applyList(
    have.map((l) => l.id),
    resolved,
    (s) => s.toLowerCase(),
  );
  const byId = new Map(have.map((l) => [l.id.toLowerCase(), l]));
  return ids.map((i) => {
    const kept = byId.get(i.toLowerCase());
    return kept ? { ...kept } : { id: i };
  });
}

/**
 * A list after a change: the items kept stay where they were, new ones are appended. `key` says when two items are
 * the same one (exact for free text, case-insensitive for ids).
 */
export function applyList(have: readonly string[], change: ListChange<string>, key: (s: string) => string): string[] {
  if (change.mode === 'replace') {
    const wanted = new Set(change.items.map(key));
    const kept = have.filter((h) => wanted.has(key(h)));
    const keptKeys = new Set(kept.map(key));
    return [...kept, ...change.items.filter((i) => !keptKeys.has(key(i)))];
  }
  const removed = new Set(change.remove.map(key));
  const next = have.filter((h) => !removed.has(key(h)));
  const present = new Set(next.map(key));
  for (const a of change.add) {
    if (present.has(key(a))) continue;
    present.add(key(a));
    next.push(a);
  }
  return next;
}
